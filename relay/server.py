"""The holdspace relay: asyncio + websockets around the plain state in rooms.py.

The wire protocol is docs/PROTOCOL.md (codec: protocol.py, frames: frames.py).
This module runs the server and each connection's life (address limits,
receive loop, the graces); handshake.py gets a connection into a room;
handlers.py answers the frames of parties in rooms (rooms.py and
controls.py hold the state; facilitators.py says who hears of the lead and
co-facilitators); peer.py is each
connection's own bounded outgoing queue, so fan-out never waits for a slow
member; gate.py counts sockets before the upgrade; http.py answers /healthz
and /metrics, webpage.py serves the member page at /join; cluster.py shares
rooms with other nodes over NATS when configured. A ``ProtocolError`` becomes
one error frame, and any other
exception becomes ``internal`` for that frame only.

Privacy: nothing is written to disk, and logs carry counts and error codes
only (logs.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from holdspace.relay import frames as f
from holdspace.relay.config import RelayConfig
from holdspace.relay.errors import CLOSE_CODES, ProtocolError
from holdspace.relay.gate import AcceptErrors, Gate
from holdspace.relay.facilitators import departed, presence, tell_facilitators
from holdspace.relay.handlers import RoomFrames, close_with
from holdspace.relay.handshake import Handshake
from holdspace.relay.http import Counts, http_answers, metrics_text
from holdspace.relay.limits import FailedJoins
from holdspace.relay.logs import log_bug, websockets_log
from holdspace.relay.peer import CLOSE_TIMEOUT, Backlogs, Peer, close_within
from holdspace.relay.protocol import error, read_client
from holdspace.relay.proxies import TrustedProxies, is_loopback
from holdspace.relay.rooms import RoomLimits, Rooms
from holdspace.relay.webpage import WebPage

if TYPE_CHECKING:
    from holdspace.relay.cluster import Cluster

__all__ = ["Peer", "Relay"]

log = logging.getLogger(__name__)
_websockets_log = websockets_log  # bench/servers.py serves its baseline with it

# Keep websockets' own write buffer small so that our per-connection queue,
# which we measure and cap, is where a slow reader's backlog accumulates.
WRITE_LIMIT = 16 * 1024
INCOMING_QUEUE = 8  # frames websockets buffers before it stops reading a socket
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
FRAME_SLACK = 1024  # a frame this much over max_frame_bytes is refused, beyond it closes
PRUNE_EVERY = 2.0  # at most; shorter when the graces are shorter
LEFT_CODE = 1000  # a member leaving on purpose gives up its seat


class Relay(Handshake, RoomFrames):
    """A holdspace relay. All its state lives here.

        relay = Relay(RelayConfig(port=0))
        port = await relay.start()          # or: async with Relay(cfg) as relay:
        ... relay.url ...
        await relay.stop()
    """

    def __init__(self, config: RelayConfig | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or RelayConfig()
        self.clock = clock
        self.rooms = self._new_rooms()
        self.host: str | None = None
        self.port: int | None = None
        self.counts = Counts()
        self.web = WebPage(self.config.web_page)  # the member page, read once into memory
        self._server: Server | None = None
        self._pruner: asyncio.Task[None] | None = None
        self._peers: set[Peer] = set()
        self._per_address: Counter[str] = Counter()
        self._failed_joins = FailedJoins(self.config.failed_joins_per_minute)
        self._closers: set[asyncio.Task[None]] = set()
        self._allowed_facilitators = self.config.facilitator_vks()
        self._trusted_proxies = TrustedProxies(self.config.trusted_proxies)
        self._tls: ssl.SSLContext | None = None
        self._gate = Gate(self.config.connections_per_address, self.config.max_connections,
                          self._trusted_proxies)
        self._accept_errors: AcceptErrors | None = None
        self._backlogs = Backlogs(self.config.backlog_budget_bytes)
        self.cluster: Cluster | None = None  # cluster mode (relay/cluster.py)
        self.fan_out: Callable[[Iterable[Any], bytes], None] = Peer.send_all
        # Frames of parties in a room, by Struct; create and join only in the handshake.
        self._handlers: dict[type, Callable[[Peer, f.Frame, float], None]] = {
            cls: getattr(self, f"handle_{f.tag(cls)}") for cls in f.CLIENT_TYPES
            if cls not in (f.Create, f.Join)
        }

    # --- life cycle -------------------------------------------------------------------------

    async def start(self, host: str | None = None, port: int | None = None) -> int:
        """Listen on ``host``:``port`` (config values by default; port 0 picks a
        free one). Returns the bound port."""
        if self._server is not None:
            raise RuntimeError("the relay is already running")
        cfg = self.config
        self.host = cfg.host if host is None else host
        self._tls = self._tls_context()
        self._server = await serve(
            self._connection,
            self.host,
            cfg.port if port is None else port,
            process_request=http_answers(self.metrics, self.web, lambda: self.config.metrics),
            compression=None,  # ciphertext does not compress
            # Beyond: websockets closes with 1009. Near the frame limit, so that
            # unfinished messages on every connection stay within memory.
            max_size=cfg.max_frame_bytes + FRAME_SLACK,
            max_queue=INCOMING_QUEUE,
            write_limit=WRITE_LIMIT,
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            close_timeout=CLOSE_TIMEOUT,
            open_timeout=cfg.handshake_seconds,
            server_header=None,
            logger=websockets_log,
            ssl=self._tls,
            create_connection=self._gate.connection_class(),
        )
        self.port = self._server.sockets[0].getsockname()[1]
        if cfg.cluster_nats:
            from holdspace.relay.cluster import join_cluster  # nats-py only when it is used

            try:
                self.cluster = await join_cluster(self)
            except RuntimeError:
                self._server.close()
                await self._server.wait_closed()
                self._server = None
                raise
            self.fan_out = self.cluster.fan_out
        self._pruner = asyncio.create_task(self._prune_forever())
        self._accept_errors = AcceptErrors(asyncio.get_running_loop())
        self._accept_errors.install()
        log.info("relay started")
        local = is_loopback(self.host) or self.host == "localhost"
        if cfg.create_token is None and cfg.facilitators is None and not local:
            log.warning("this relay listens on %s with no create_token: anyone who can reach it "
                        "can open rooms. 'holdspace relay init' writes a relay.toml with one.", self.host)
        return self.port

    async def stop(self) -> None:
        """Close every connection (1001) and forget everything."""
        if self._server is None:
            return
        server, self._server = self._server, None
        if self._pruner is not None:
            self._pruner.cancel()
        for peer in list(self._peers):
            if peer.dropped:  # already being cut off; do not wait for its close
                peer.ws.transport.abort()
        server.close()  # says 1001 to every open connection
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT + 1):
                await server.wait_closed()
        except TimeoutError:  # a peer that reads nothing cannot even take our close frame
            for peer in list(self._peers):
                peer.ws.transport.abort()
            await server.wait_closed()
        for task in list(self._closers):
            task.cancel()
        if self.cluster is not None:
            await self.cluster.stop()
            self.cluster, self.fan_out = None, Peer.send_all
        if self._accept_errors is not None:
            self._accept_errors.uninstall()
        self.rooms = self._new_rooms()
        self._failed_joins = FailedJoins(self.config.failed_joins_per_minute)
        log.info("relay stopped")

    async def __aenter__(self) -> Relay:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """ws://host:port (wss:// with TLS), for invite links."""
        if self._server is None or self.host is None:
            raise RuntimeError("the relay is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'wss' if self.config.tls else 'ws'}://{host}:{self.port}"

    @property
    def connections(self) -> int:
        return len(self._peers)

    def queued_bytes(self) -> int:
        """Bytes waiting in every connection's outgoing queue."""
        return sum(peer.queued for peer in self._peers)

    def metrics(self) -> str:
        """Prometheus text exposition: counts only, nothing that identifies anyone."""
        return metrics_text(self.counts, len(self.rooms), len(self._peers))

    def reconfigure(self, config: RelayConfig) -> None:
        """Take new settings while running (SIGHUP; relay/reload.py decides
        which): limits apply to what comes next, a certificate to new
        connections, and nobody is dropped."""
        if self._tls is not None and config.tls_cert is not None:
            self._tls.load_cert_chain(config.tls_cert, config.tls_key)
        self.config = config
        self.rooms.limits = self._room_limits()
        self._failed_joins.limit = config.failed_joins_per_minute
        self._allowed_facilitators = config.facilitator_vks()
        self._trusted_proxies = TrustedProxies(config.trusted_proxies)
        self._gate.per_address = config.connections_per_address
        self._gate.total = config.max_connections
        self._gate.trusted = self._trusted_proxies
        self._backlogs.limit = config.backlog_budget_bytes
        self.rooms.budget.limit = config.replay_budget_bytes

    def _new_rooms(self) -> Rooms:
        return Rooms(self._room_limits())

    def _room_limits(self) -> RoomLimits:
        cfg = self.config
        return RoomLimits(
            max_rooms=cfg.max_rooms, max_seated=cfg.max_seated, max_lobby=cfg.max_lobby,
            replay_frames=cfg.replay_frames, seat_grace=cfg.seat_grace_seconds,
            room_grace=cfg.room_grace_seconds, max_invites=cfg.max_invites_per_room,
            max_bans=cfg.max_bans_per_room, replay_bytes=cfg.replay_budget_bytes,
            rooms_per_address=cfg.rooms_per_address, rooms_per_minute=cfg.rooms_per_minute,
            empty_room_grace=cfg.empty_room_grace_seconds, knocks_per_key=cfg.knocks_per_key,
        )

    def _tls_context(self) -> ssl.SSLContext | None:
        if not self.config.tls:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.config.tls_cert, self.config.tls_key)
        return context

    # --- time ---------------------------------------------------------------------------

    def prune(self, now: float | None = None) -> None:
        """Apply the seat and room graces as of ``now`` (default: the clock)."""
        now = self.clock() if now is None else now
        pruned = self.rooms.prune(now)
        self._failed_joins.prune(now)
        for room, vk in pruned.gone:
            tell_facilitators(room, presence(room, vk, "gone"))
        for room in pruned.expired:
            for peer in room.connected():
                close_with(peer, "room_closed")
        if pruned.expired:
            log.debug("rooms expired: %d (open: %d)", len(pruned.expired), len(self.rooms))
        if self.cluster is not None and len(self.cluster.homes) > len(self.rooms):
            asyncio.get_running_loop().create_task(self.cluster.forget_homes())

    async def _prune_forever(self) -> None:
        cfg = self.config
        graces = (cfg.seat_grace_seconds, cfg.room_grace_seconds, cfg.empty_room_grace_seconds)
        every = max(0.01, min(PRUNE_EVERY, *(grace / 4 for grace in graces)))
        while True:
            await asyncio.sleep(every)
            try:
                self.prune()
            except Exception as exc:  # never let a bug stop the graces
                log_bug(log, "prune", exc)

    # --- connections ----------------------------------------------------------------------

    async def _connection(self, ws: ServerConnection) -> None:
        address = self._client_address(ws)
        if self._per_address[address] >= self.config.connections_per_address:
            self.counts.errors["rate_limited"] += 1
            with contextlib.suppress(ConnectionClosed):
                await ws.send(error("rate_limited", "too many connections from your address"))
                await ws.close(CLOSE_CODES["rate_limited"], "rate_limited")
            return
        self._per_address[address] += 1
        peer = Peer(ws, address, self.config.max_backlog_bytes, self._drop_stalled, self._backlogs)
        self._peers.add(peer)
        left = False
        try:
            if await self._handshake(peer):
                left = await self._receive(peer)
        finally:
            self._peers.discard(peer)
            self._per_address[address] -= 1
            if self._per_address[address] <= 0:
                del self._per_address[address]
            self.detach(peer, left=left)
            await peer.wind_down()

    def _client_address(self, ws: ServerConnection) -> str:
        """The client's IP, used only as a key for per-address limits. Behind a
        trusted proxy it is the nearest untrusted X-Forwarded-For entry."""
        address = str(ws.remote_address[0]) if ws.remote_address else "unknown"
        forwarded = ws.request.headers.get_all("X-Forwarded-For") if ws.request is not None else []
        return self._trusted_proxies.client_address(address, forwarded)

    async def _receive(self, peer: Peer) -> bool:
        """Handle frames until the connection ends. True if the client closed
        with 1000 (a member leaving on purpose)."""
        try:
            async for message in peer.ws:
                self._on_frame(peer, message)
                if peer.done:
                    return False
        except ConnectionClosed:
            pass
        closing = peer.ws.protocol
        return (
            closing.close_rcvd is not None
            and closing.close_rcvd.code == LEFT_CODE
            and bool(closing.close_rcvd_then_sent)
        )

    def _on_frame(self, peer: Peer, message: bytes | str) -> None:
        self.counts.frames += 1
        now = self.clock()
        bucket = peer.bucket  # set by the handshake
        if bucket is not None and not bucket.allow(now):
            limited = ProtocolError("rate_limited", "too many frames; slow down")
            self._refuse(peer, limited, fatal=bucket.exhausted)
            return
        if peer.upstream is not None:  # its room is homed on another node: pass it on
            try:
                self._check_size(message)
            except ProtocolError as exc:
                self._refuse(peer, exc, fatal=False)
                return
            peer.upstream.forward(message if isinstance(message, bytes) else message.encode())
            return
        self.handle_frame(peer, message, now)

    def handle_frame(self, peer: Any, message: bytes | str, now: float) -> None:
        """One frame from a party (here, or in cluster mode on another node)."""
        incoming = None
        try:
            self._check_size(message)
            incoming = read_client(message)
            handler = self._handlers.get(type(incoming))
            if handler is None:
                raise ProtocolError("bad_frame", "this connection has already been through the handshake")
            handler(peer, incoming, now)
        except ProtocolError as exc:
            self._refuse(peer, exc, fatal=False)
        except Exception as exc:
            log_bug(log, "?" if incoming is None else f.tag(type(incoming)), exc)
            self._refuse(peer, ProtocolError("internal", "the relay failed on that frame"), fatal=False)

    def _check_size(self, message: bytes | str) -> None:
        if len(message) > self.config.max_frame_bytes:
            raise ProtocolError("too_large", f"frames are limited to {self.config.max_frame_bytes} bytes")

    def _refuse(self, peer: Peer, exc: ProtocolError, *, fatal: bool) -> None:
        self.counts.errors[exc.code] += 1
        log.debug("refused: %s%s", exc.code, " (closing)" if fatal else "")
        peer.send(error(exc.code, exc.msg))
        if fatal:
            peer.finish(CLOSE_CODES[exc.code], exc.code)

    def _drop_stalled(self, peer: Peer) -> None:
        """``peer`` fell more than max_backlog_bytes behind: it is dropped (its
        seat waits for the seat grace), never the room."""
        self.counts.backlog_drops += 1
        log.info("dropped a connection that stopped reading (backlog over %d bytes)",
                 self.config.max_backlog_bytes)
        # Leave the room outside whatever fan-out noticed the overflow.
        asyncio.get_running_loop().call_soon(self.detach, peer)
        closer = asyncio.create_task(close_within(peer.ws, 1008, "too far behind"))
        self._closers.add(closer)
        closer.add_done_callback(self._closers.discard)

    def detach(self, peer: Any, left: bool = False) -> None:
        """A connection ended: its room hears of it (on its home node, in cluster mode)."""
        upstream = getattr(peer, "upstream", None)
        if upstream is not None:
            peer.upstream = None
            upstream.gone(left)
            return
        departure = self.rooms.disconnect(peer, self.clock(), left=left)
        if departure is not None:
            departed(departure)  # a facilitator party's going: members are told at once

