"""A hostile relay for tests: a WebSocket proxy in front of the real relay.

Per client connection it opens a connection to the real relay and forwards
binary messages both ways. What it forwards goes through ``hook``, an async
function that may pass, drop, alter, duplicate, hold back (reorder) or add
frames; tests can also inject frames at any time with ``Link.to_client`` /
``Link.to_relay``. Every byte it carries is kept in ``wire`` so a test can check
that nothing readable went past. It plays the relay of the threat model:
it sees and controls all traffic, but holds none of the parties' keys.

    proxy = HostileRelay(relay.url)
    await proxy.start()
    fac = FacilitatorSession(proxy.url, ...)    # its invite links name proxy.url
    proxy.hook = my_hook                        # async (link, direction, data, frame)
    await proxy.link_of(vk).to_client(protocol.pack({...}))
    await proxy.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from holdspace.relay import protocol
from holdspace.relay.protocol import ProtocolError

UP = "up"      # client -> relay
DOWN = "down"  # relay -> client

# hook(link, direction, data, frame) -> the messages to forward instead of data
# (None: forward data unchanged; []: drop it). frame is data decoded, or None.
Hook = Callable[["Link", str, bytes, "dict[str, Any] | None"], Awaitable["list[bytes] | None"]]


def _decode(direction: str, data: bytes | str) -> dict[str, Any] | None:
    try:
        return (protocol.decode_client if direction == UP else protocol.decode_relay)(data)
    except ProtocolError:
        return None


def _sendable(code: int | None) -> int:
    """A close code we may send on, for one we received (1005/1006 are not sendable)."""
    if code is None or code in (1004, 1005, 1006, 1015) or not (1000 <= code < 5000):
        return 1011
    return code


class Link:
    """One client connection through the proxy, and its connection upstream."""

    def __init__(self, proxy: HostileRelay, client: ServerConnection, upstream: ClientConnection) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.hello: dict[str, Any] | None = None   # the client's create/join
        self.frames: dict[str, list[dict[str, Any]]] = {UP: [], DOWN: []}  # delivered, decoded

    @property
    def vk(self) -> bytes | None:
        return self.hello["vk"] if self.hello else None

    def delivered(self, t: str, direction: str = DOWN) -> list[dict[str, Any]]:
        """Frames of type ``t`` that went through in ``direction``."""
        return [f for f in self.frames[direction] if f["t"] == t]

    async def to_client(self, data: bytes) -> None:
        """Send the client a message as if the relay had sent it."""
        await self._deliver(self.client, DOWN, data)

    async def to_relay(self, data: bytes) -> None:
        """Send the relay a message as if the client had sent it."""
        await self._deliver(self.upstream, UP, data)

    async def _deliver(self, ws: ServerConnection | ClientConnection, direction: str, data: bytes) -> None:
        self.proxy.wire.append(data)
        decoded = _decode(direction, data)
        if decoded is not None:
            self.frames[direction].append(decoded)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(data)


class HostileRelay:
    def __init__(self, upstream_url: str) -> None:
        self.upstream_url = upstream_url
        self.hook: Hook | None = None
        self.links: list[Link] = []
        self.wire: list[bytes] = []  # everything carried or injected, both ways, and the HTTP requests
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self._server = await serve(self._connection, "127.0.0.1", 0, compression=None,
                                   max_size=None, server_header=None)
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not running"
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def link_of(self, vk: bytes) -> Link:
        """The latest connection of the party with this vk."""
        for link in reversed(self.links):
            if link.vk == vk:
                return link
        raise LookupError("no connection from that key through the proxy")

    def everything(self) -> bytes:
        return b"\x00".join(self.wire)

    async def _connection(self, client: ServerConnection) -> None:
        request = client.request
        if request is not None:
            self.wire.append(request.path.encode() + b"\n" + str(request.headers).encode())
        try:
            upstream = await connect(self.upstream_url, compression=None, max_size=None,
                                     open_timeout=5, user_agent_header=None)
        except (OSError, TimeoutError, ConnectionClosed):
            await client.close(1011, "upstream unreachable")
            return
        link = Link(self, client, upstream)
        self.links.append(link)
        async with upstream:
            pumps = [asyncio.create_task(self._pump(link, client, upstream, UP)),
                     asyncio.create_task(self._pump(link, upstream, client, DOWN))]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in pumps:
                    if not task.done():
                        task.cancel()
                for task in pumps:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _pump(self, link: Link, source: ServerConnection | ClientConnection,
                    dest: ServerConnection | ClientConnection, direction: str) -> None:
        try:
            async for message in source:
                data = message.encode() if isinstance(message, str) else message
                decoded = _decode(direction, data)
                if direction == UP and link.hello is None and decoded and decoded["t"] in ("create", "join"):
                    link.hello = decoded
                out = None
                if self.hook is not None:
                    out = await self.hook(link, direction, data, decoded)
                for item in ([data] if out is None else out):
                    await link._deliver(dest, direction, item)
        except ConnectionClosed:
            pass
        finally:
            # Pass the close on with its code, so clients see what the relay decided.
            with contextlib.suppress(Exception):
                await dest.close(_sendable(source.close_code), source.close_reason or "")
