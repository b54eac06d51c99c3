"""The holdspace relay: asyncio + websockets around the plain state in rooms.py.

Wire protocol v1, in brief (the contract is docs/PROTOCOL.md; the codec is
relay/protocol.py). Binary msgpack frames, ``t`` names each one.

    relay  -> challenge{v: 1, nonce}
    client -> create{vk, sig, room?, token?, resume?}        facilitator
           |  join{vk, sig, room, invite, knock, resume?}    member
    relay  -> ready{room, role, seq}, then to a facilitator: presence and
              knock for who is in the room; then group frames after ``resume``
    facilitator -> invite, revoke, admit, deny, hold, remove, close
    relay -> member: admitted{seq} | held{} | closed{reason} + close 4003-4005
    relay -> facilitator: knock{member, knock} | presence{member, state}
    seated -> group{epoch, ct}   => group{epoch, ct, seq, from} to every seated
                                    party, the sender included
    anyone -> direct{to, ct}     => direct{from, ct}; members reach only the
                                    facilitator, the facilitator reaches anyone
    relay  -> error{code, msg}; handshake errors (and a connection that keeps
              being rate-limited) then close with CLOSE_CODES[code]
    HTTP: GET /healthz -> 200 "ok"; GET /metrics -> Prometheus text.

How it is built: each connection is a ``Peer`` with its own outgoing queue,
drained by its own writer task, so fan-out never waits for a slow member. A
connection whose queue passes ``max_backlog_bytes`` is closed (1008) and
counted as dropped; the room goes on. Each client frame goes to one
``handle_<type>`` method; a ``ProtocolError`` becomes one error frame, and any
other exception becomes ``internal`` for that frame only.

Privacy: nothing is written to disk, and logs carry counts and error codes
only. websockets' own log records (which can name addresses) are reduced to
their fixed message text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import secrets
import ssl
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from nacl.exceptions import CryptoError
from nacl.signing import VerifyKey
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from holdspace.relay.config import RelayConfig
from holdspace.relay.limits import FailedJoins, TokenBucket
from holdspace.relay.protocol import (
    CLIENT_FRAMES,
    CLOSE_CODES,
    CLOSED_CODES,
    ERROR_CODES,
    VERSION,
    ProtocolError,
    auth_message,
    decode_client,
    error,
    frame,
    unpack,
    validate,
)
from holdspace.relay.rooms import Conn, Entered, Room, RoomLimits, Rooms

log = logging.getLogger(__name__)

NONCE_BYTES = 32
# Keep websockets' own write buffer small so that our per-connection queue,
# which we measure and cap, is where a slow reader's backlog accumulates.
WRITE_LIMIT = 16 * 1024
INCOMING_QUEUE = 8  # frames websockets buffers before it stops reading a socket
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
CLOSE_TIMEOUT = 2.0  # after that, a peer that does not answer our close is cut off
FLUSH_TIMEOUT = 5.0  # time to deliver a closing peer's last frames (closed, error)
PRUNE_EVERY = 2.0  # at most; shorter when the graces are shorter
LEFT_CODE = 1000  # a member leaving on purpose gives up its seat


# --- privacy of websockets' logging ---------------------------------------------------


def keep_fixed_text(record: logging.LogRecord) -> bool:
    """A logging filter for records from other libraries: keep only the message
    template, since arguments and tracebacks can carry addresses and headers.
    Chatter below WARNING is dropped."""
    if record.levelno < logging.WARNING:
        return False
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None:
        record.msg = f"{record.msg} ({type(exc).__name__})"
    record.args = ()
    record.exc_info = None
    record.exc_text = record.stack_info = None
    record.__dict__.pop("websocket", None)  # websockets attaches the connection
    return True


# websockets logs through this logger. At WARNING it also skips its per-frame
# debug work; the filter strips what it does log down to fixed text.
_websockets_log = logging.getLogger(f"{__name__}.websockets")
_websockets_log.setLevel(logging.WARNING)
if keep_fixed_text not in _websockets_log.filters:
    _websockets_log.addFilter(keep_fixed_text)


# --- one connection ---------------------------------------------------------------------


class Peer:
    """One client connection: its rate limit, how it is meant to end, and a
    bounded outgoing queue drained by a writer task, used only once the
    connection falls behind.

    A frame for a connection with nothing queued or in flight, whose socket
    takes data, is written at once (websockets.broadcast()'s path): no task
    switch per delivery. Otherwise it is queued and a writer task sends it
    when the socket drains; the queue, its wake-up event and the task are
    made on first need. Ordering and the backlog cap are the same either way.
    """

    __slots__ = ("ws", "address", "max_backlog", "bucket", "_queue", "queued", "closing",
                 "dropped", "_on_overflow", "_wake", "_writer")

    def __init__(
        self, ws: ServerConnection, address: str, max_backlog: int,
        on_overflow: Callable[[Peer], None],
    ) -> None:
        self.ws = ws
        self.address = address
        self.max_backlog = max_backlog
        self.bucket: TokenBucket | None = None  # set once the handshake says who it is
        self._queue: deque[bytes] | None = None
        self.queued = 0  # bytes queued or being written by the writer task
        self.closing: tuple[int, str] | None = None  # close with this after the queue drains
        self.dropped = False  # cut off for falling behind
        self._on_overflow = on_overflow
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.closing is not None or self.dropped

    @property
    def queue(self) -> deque[bytes]:
        if self._queue is None:
            self._queue = deque()
        return self._queue

    @property
    def writer(self) -> asyncio.Task[None]:
        """The writer task, started on first need."""
        if self._writer is None:
            self._wake = asyncio.Event()
            self._writer = asyncio.create_task(self._write())
        return self._writer

    def send(self, data: bytes) -> None:
        """Send a frame without waiting: at once if nothing is ahead of it and
        the socket takes data, else through the queue and the writer task."""
        Peer.send_all((self,), data)

    @staticmethod
    def send_all(peers: Iterable[Peer], data: bytes) -> None:
        """``send(data)`` to each of ``peers``, with one broadcast() call for
        all those that take it at once (a group frame's fan-out)."""
        at_once = []
        for peer in peers:
            if peer.closing is not None or peer.dropped:  # done
                continue
            ws = peer.ws
            if peer.queued == 0 and not ws.paused:
                # broadcast() writes without a task switch and skips a closing
                # connection (its receive loop cleans up); `paused` means the socket
                # buffer is full, so the frame must wait in our bounded queue instead.
                at_once.append(ws)
            else:
                peer._enqueue(data)
        # Each peer is listed once, so writing after the loop keeps every
        # connection's order (and one connection's `paused` changes only with
        # writes to it).
        broadcast(at_once, data)

    def _enqueue(self, data: bytes) -> None:
        self.queue.append(data)
        self.queued += len(data)
        if self.queued > self.max_backlog:
            self.dropped = True
            self.writer.cancel()
            self.queue.clear()
            self.queued = 0
            self._on_overflow(self)
        else:
            self._wake_writer()

    def finish(self, code: int, reason: str = "") -> None:
        """Close with ``code`` once what is queued (an error, ``closed``) is sent."""
        if not self.done:
            self.closing = (code, reason)
            self._wake_writer()

    def _wake_writer(self) -> None:
        self.writer  # noqa: B018  (started on first need)
        assert self._wake is not None
        self._wake.set()

    async def _write(self) -> None:
        wake = self._wake
        assert wake is not None
        with contextlib.suppress(ConnectionClosed):
            while True:
                await wake.wait()
                wake.clear()
                queue = self.queue
                while queue:
                    data = queue.popleft()
                    await self.ws.send(data)
                    self.queued -= len(data)
                if self.closing is not None:
                    await self.ws.close(*self.closing)
                    return

    async def wind_down(self) -> None:
        """After the connection's receive loop ended: let a closing peer's last
        frames go out (within FLUSH_TIMEOUT), stop the writer otherwise."""
        writer = self._writer
        if writer is None:
            return
        if self.closing is not None and not writer.done():
            try:
                await asyncio.wait_for(writer, FLUSH_TIMEOUT)
            except TimeoutError:
                self.ws.transport.abort()
            return
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer


# --- the relay ------------------------------------------------------------------------------


class Relay:
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
        self._server: Server | None = None
        self._pruner: asyncio.Task[None] | None = None
        self._peers: set[Peer] = set()
        self._per_address: Counter[str] = Counter()
        self._failed_joins = FailedJoins(self.config.failed_joins_per_minute)
        self._closers: set[asyncio.Task[None]] = set()
        self._allowed_facilitators = self.config.facilitator_vks()
        self._trusted_proxies = frozenset(str(ipaddress.ip_address(a)) for a in self.config.trusted_proxies)
        self._frames = 0
        self._errors: Counter[str] = Counter()
        self._backlog_drops = 0
        self._handlers: dict[str, Callable[[Peer, dict[str, Any], float], None]] = {
            t: getattr(self, f"handle_{t}") for t in CLIENT_FRAMES
        }

    # --- life cycle -------------------------------------------------------------------------

    async def start(self, host: str | None = None, port: int | None = None) -> int:
        """Listen on ``host``:``port`` (config values by default; port 0 picks a
        free one). Returns the bound port."""
        if self._server is not None:
            raise RuntimeError("the relay is already running")
        cfg = self.config
        self.host = cfg.host if host is None else host
        self._server = await serve(
            self._connection,
            self.host,
            cfg.port if port is None else port,
            process_request=self._http,
            compression=None,  # ciphertext does not compress
            max_size=4 * cfg.max_frame_bytes,  # beyond: websockets closes with 1009
            max_queue=INCOMING_QUEUE,
            write_limit=WRITE_LIMIT,
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            close_timeout=CLOSE_TIMEOUT,
            open_timeout=cfg.handshake_seconds,
            server_header=None,
            logger=_websockets_log,
            ssl=self._tls_context(),
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._pruner = asyncio.create_task(self._prune_forever())
        log.info("relay started")
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

    def _new_rooms(self) -> Rooms:
        cfg = self.config
        return Rooms(RoomLimits(
            max_rooms=cfg.max_rooms, max_seated=cfg.max_seated, max_lobby=cfg.max_lobby,
            replay_frames=cfg.replay_frames, seat_grace=cfg.seat_grace_seconds,
            room_grace=cfg.room_grace_seconds, max_invites=cfg.max_invites_per_room,
            max_bans=cfg.max_bans_per_room,
        ))

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
            self._tell_facilitator(room, frame("presence", member=vk, state="gone"))
        for room in pruned.expired:
            for peer in room.connected():
                self._close_with(peer, "room_closed")
        if pruned.expired:
            log.debug("rooms expired: %d (open: %d)", len(pruned.expired), len(self.rooms))

    async def _prune_forever(self) -> None:
        cfg = self.config
        every = max(0.01, min(PRUNE_EVERY, cfg.seat_grace_seconds / 4, cfg.room_grace_seconds / 4))
        while True:
            await asyncio.sleep(every)
            try:
                self.prune()
            except Exception as exc:  # never let a bug stop the graces
                _log_bug("prune", exc)

    # --- HTTP -------------------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path == "/metrics":
            response = connection.respond(HTTPStatus.OK, self.metrics())
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        return None  # a WebSocket upgrade (any other path is ignored)

    def metrics(self) -> str:
        """Prometheus text exposition: counts only, nothing that identifies anyone."""
        lines = [
            "# HELP holdspace_rooms Rooms open now.",
            "# TYPE holdspace_rooms gauge",
            f"holdspace_rooms {len(self.rooms)}",
            "# HELP holdspace_connections WebSocket connections open now.",
            "# TYPE holdspace_connections gauge",
            f"holdspace_connections {len(self._peers)}",
            "# HELP holdspace_frames_total Frames received from clients.",
            "# TYPE holdspace_frames_total counter",
            f"holdspace_frames_total {self._frames}",
            "# HELP holdspace_errors_total Error frames sent to clients, by code.",
            "# TYPE holdspace_errors_total counter",
            *(f'holdspace_errors_total{{code="{code}"}} {self._errors[code]}' for code in ERROR_CODES),
            "# HELP holdspace_backlog_drops_total Connections closed for not reading fast enough.",
            "# TYPE holdspace_backlog_drops_total counter",
            f"holdspace_backlog_drops_total {self._backlog_drops}",
        ]
        return "\n".join(lines) + "\n"

    # --- connections ----------------------------------------------------------------------

    async def _connection(self, ws: ServerConnection) -> None:
        address = self._client_address(ws)
        if self._per_address[address] >= self.config.connections_per_address:
            self._errors["rate_limited"] += 1
            with contextlib.suppress(ConnectionClosed):
                await ws.send(error("rate_limited", "too many connections from your address"))
                await ws.close(CLOSE_CODES["rate_limited"], "rate_limited")
            return
        self._per_address[address] += 1
        peer = Peer(ws, address, self.config.max_backlog_bytes, self._drop_stalled)
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
            self._detach(peer, left=left)
            await peer.wind_down()

    def _client_address(self, ws: ServerConnection) -> str:
        """The client's IP, used only as a key for per-address limits. Behind a
        trusted proxy it is the nearest untrusted X-Forwarded-For entry."""
        address = str(ws.remote_address[0]) if ws.remote_address else "unknown"
        if address in self._trusted_proxies and ws.request is not None:
            hops = ",".join(ws.request.headers.get_all("X-Forwarded-For")).split(",")
            for hop in reversed([h.strip() for h in hops if h.strip()]):
                address = hop
                if hop not in self._trusted_proxies:
                    break
        return address

    async def _handshake(self, peer: Peer) -> bool:
        nonce = secrets.token_bytes(NONCE_BYTES)
        peer.send(frame("challenge", v=VERSION, nonce=nonce))
        try:
            async with asyncio.timeout(self.config.handshake_seconds):
                message = await peer.ws.recv()
        except TimeoutError:
            peer.finish(1008, "no answer to the challenge in time")
            return False
        except ConnectionClosed:
            return False
        self._frames += 1
        try:
            self._enter(peer, message, nonce)
        except ProtocolError as exc:
            self._refuse(peer, exc, fatal=True)
            return False
        except Exception as exc:
            _log_bug("handshake", exc)
            self._refuse(peer, ProtocolError("internal", "the relay failed; please try again"), fatal=True)
            return False
        return True

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
        self._frames += 1
        now = self.clock()
        bucket = peer.bucket  # set by the handshake
        if bucket is not None and not bucket.allow(now):
            limited = ProtocolError("rate_limited", "too many frames; slow down")
            self._refuse(peer, limited, fatal=bucket.exhausted)
            return
        kind = "?"
        try:
            self._check_size(message)
            incoming = decode_client(message)
            kind = incoming["t"]
            if kind in ("create", "join"):
                raise ProtocolError("bad_frame", "this connection has already been through the handshake")
            self._handlers[kind](peer, incoming, now)
        except ProtocolError as exc:
            self._refuse(peer, exc, fatal=False)
        except Exception as exc:
            _log_bug(kind, exc)
            self._refuse(peer, ProtocolError("internal", "the relay failed on that frame"), fatal=False)

    def _check_size(self, message: bytes | str) -> None:
        if len(message) > self.config.max_frame_bytes:
            raise ProtocolError("too_large", f"frames are limited to {self.config.max_frame_bytes} bytes")

    def _refuse(self, peer: Peer, exc: ProtocolError, *, fatal: bool) -> None:
        self._errors[exc.code] += 1
        log.debug("refused: %s%s", exc.code, " (closing)" if fatal else "")
        peer.send(error(exc.code, exc.msg))
        if fatal:
            peer.finish(CLOSE_CODES[exc.code], exc.code)

    def _drop_stalled(self, peer: Peer) -> None:
        """``peer`` fell more than max_backlog_bytes behind: it is dropped (its
        seat waits for the seat grace), never the room."""
        self._backlog_drops += 1
        log.info("dropped a connection that stopped reading (backlog over %d bytes)",
                 self.config.max_backlog_bytes)
        # Leave the room outside whatever fan-out noticed the overflow.
        asyncio.get_running_loop().call_soon(self._detach, peer)
        closer = asyncio.create_task(_close_within(peer.ws, 1008, "too far behind"))
        self._closers.add(closer)
        closer.add_done_callback(self._closers.discard)

    def _detach(self, peer: Peer, left: bool = False) -> None:
        departure = self.rooms.disconnect(peer, self.clock(), left=left)
        if departure is not None and departure.presence is not None:
            presence = frame("presence", member=departure.vk, state=departure.presence)
            self._tell_facilitator(departure.room, presence)

    # --- sending helpers ------------------------------------------------------------------

    @staticmethod
    def _tell_facilitator(room: Room, data: bytes) -> None:
        if room.facilitator_conn is not None:
            room.facilitator_conn.send(data)

    @staticmethod
    def _close_with(peer: Conn, reason: str) -> None:
        peer.send(frame("closed", reason=reason))
        peer.finish(CLOSED_CODES[reason], reason)

    # --- handshake frames ----------------------------------------------------------------

    def _enter(self, peer: Peer, message: bytes | str, nonce: bytes) -> None:
        self._check_size(message)
        raw = unpack(message)
        if isinstance(raw, dict) and raw.get("v") not in (None, VERSION):
            raise ProtocolError("version", f"this relay speaks protocol version {VERSION}")
        hello = validate(raw, CLIENT_FRAMES)
        if hello["t"] not in ("create", "join"):
            raise ProtocolError("bad_frame", "answer the challenge with create or join")
        now = self.clock()
        if self._failed_joins.blocked(peer.address, now):
            raise ProtocolError("rate_limited", "too many failed attempts; wait a minute")
        try:
            key = VerifyKey(hello["vk"])
            key.to_curve25519_public_key()  # refuses keys that are not valid, safe points
            key.verify(auth_message(nonce), hello["sig"])
        except CryptoError:
            self._failed_joins.record(peer.address, now)
            raise ProtocolError("bad_auth", "the signature does not match the key") from None
        self._handlers[hello["t"]](peer, hello, now)

    def handle_create(self, peer: Peer, hello: dict[str, Any], now: float) -> None:
        token = self.config.create_token
        if token is not None and not hmac.compare_digest(
            hello.get("token", "").encode(), token.encode()
        ):
            self._failed_joins.record(peer.address, now)
            raise ProtocolError("bad_auth", "this relay needs the right room-creation token")
        allowed = self._allowed_facilitators
        if allowed is not None and hello["vk"] not in allowed:
            raise ProtocolError("forbidden", "this relay does not open rooms for this key")
        entered = self.rooms.create(peer, hello["vk"], now, hello.get("room"))
        self._seat(peer, entered)
        room = entered.room
        for vk, seat in room.seats.items():
            state = "online" if seat.conn is not None else "offline"
            peer.send(frame("presence", member=vk, state=state))
        for vk, waiting in room.lobby.items():
            peer.send(frame("knock", member=vk, knock=waiting.knock))
        self._replay(peer, room, hello.get("resume"))
        log.debug("room opened or reclaimed (open: %d)", len(self.rooms))

    def handle_join(self, peer: Peer, hello: dict[str, Any], now: float) -> None:
        vk = hello["vk"]
        try:
            entered = self.rooms.join(peer, vk, hello["room"], hello["invite"], hello["knock"], now)
        except ProtocolError as exc:
            if exc.code == "bad_invite":
                self._failed_joins.record(peer.address, now)
            raise
        self._seat(peer, entered)
        if entered.role == "member":
            self._tell_facilitator(entered.room, frame("presence", member=vk, state="online"))
            self._replay(peer, entered.room, hello.get("resume"))
        else:
            self._tell_facilitator(entered.room, frame("knock", member=vk, knock=hello["knock"]))

    def _seat(self, peer: Peer, entered: Entered) -> None:
        """Give a peer that got through the handshake its rate limit and ready."""
        cfg = self.config
        if entered.role == "facilitator":
            peer.bucket = TokenBucket(cfg.facilitator_rate, cfg.facilitator_burst, self.clock())
        else:
            peer.bucket = TokenBucket(cfg.member_rate, cfg.member_burst, self.clock())
        if entered.replaced is not None:
            entered.replaced.finish(1008, "replaced by a newer connection")
        room = entered.room
        peer.send(frame("ready", room=room.id, role=entered.role, seq=room.seq))

    @staticmethod
    def _replay(peer: Peer, room: Room, resume: int | None) -> None:
        if resume is not None:
            for data in room.replay(resume):
                peer.send(data)

    # --- facilitator controls ------------------------------------------------------------

    def handle_invite(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        self.rooms.add_invite(peer, f["hash"], now, f.get("uses"), f.get("expires"))

    def handle_revoke(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        self.rooms.revoke(peer, f["hash"])

    def handle_admit(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        member, seq = self.rooms.admit(peer, f["member"])
        member.send(frame("admitted", seq=seq))

    def handle_deny(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        self._close_with(self.rooms.deny(peer, f["member"]), "denied")

    def handle_hold(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        self.rooms.hold(peer, f["member"]).send(frame("held"))

    def handle_remove(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        member = self.rooms.remove(peer, f["member"], now, f.get("ban"))
        if member is not None:
            self._close_with(member, "removed")

    def handle_close(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        for party in self.rooms.close(peer):
            self._close_with(party, "room_closed")
        log.debug("room closed (open: %d)", len(self.rooms))

    # --- data --------------------------------------------------------------------------------

    def handle_group(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        data, recipients = self.rooms.group(peer, f["epoch"], f["ct"])
        Peer.send_all(recipients, data)  # the same bytes, written or queued: nobody waits for anybody

    def handle_direct(self, peer: Peer, f: dict[str, Any], now: float) -> None:
        data, recipient = self.rooms.direct(peer, f["to"], f["ct"])
        recipient.send(data)


async def _close_within(ws: ServerConnection, code: int, reason: str) -> None:
    """Close, or cut the connection if even the close frame cannot be written
    (websockets' close_timeout starts only after the frame is out)."""
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await ws.close(code, reason)
    except TimeoutError:
        ws.transport.abort()


def _log_bug(where: str, exc: BaseException) -> None:
    """Log a relay bug by exception type and code location only: the exception's
    message could quote frame contents (a key, a room id)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("internal error in %s: %s\n%s", where, type(exc).__name__, frames.rstrip())
