"""The UI-free client core: speaks protocol v1 to a relay and emits typed events.

Used by the facilitator console, the member client, the demo's simulated
members and the tests. One ``Session`` owns one WebSocket at a time, reconnects
with backoff, resumes from the last group ``seq`` it saw, and reports everything
as ``holdspace.client.events`` objects: consumers never see sockets or crypto.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from holdspace.client import events as ev
from holdspace.client.bodies import DirectBody
from holdspace.client.crypto import Opened, Sealer, Verifier
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, safety_code
from holdspace.client.pending import PendingFrames
from holdspace.relay import protocol
from holdspace.relay.protocol import CLOSE_CODES, CLOSED_CODES, ProtocolError

log = logging.getLogger(__name__)

CLIENT_NAME = "holdspace/0.1"
# Relay refusals that will not get better by trying again.
FINAL_CODES = frozenset(
    CLOSE_CODES[c] for c in ("bad_auth", "version", "no_room", "room_taken", "bad_invite",
                             "banned", "forbidden", "room_full", "lobby_full")
)
# Frames opened before the session lets others run. Frames already received
# are handed over without a pause, so a burst would otherwise hold the event
# loop (and the facilitator's keys) for as long as it takes to open them all.
FRAMES_PER_TURN = 16
REPLACED = "replaced by a newer connection"  # the relay's close reason

# How long a member keeps trying a room that vanished (a relay restart) before
# concluding the session is over.
NO_ROOM_PATIENCE = 120.0
AFTER_RELAY_RESTART = frozenset({CLOSE_CODES["no_room"], CLOSE_CODES["bad_invite"]})

class SessionError(Exception):
    """Something the user asked for cannot be done now; the message is for them."""

class Session:
    """What facilitator and member sessions share: the connection loop,
    reconnection with backoff, event fan-out, and opening of incoming frames."""

    role_hint = "member"

    def __init__(self, relay_url: str, identity: Identity, room: bytes | None,
                 facilitator_vk: bytes, *, backoff: tuple[float, float] = (0.5, 30.0),
                 give_up_after: float = 20 * 60.0, clock: Callable[[], float] = time.time) -> None:
        self.relay_url = relay_url
        self.identity = identity
        self.room = room
        self.facilitator_vk = facilitator_vk
        self.clock = clock
        self._backoff = backoff
        self._give_up_after = give_up_after
        self._subscribers: list[asyncio.Queue[ev.Event]] = []
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()  # timers; cancelled at the end
        self._ended: ev.SessionEnded | None = None
        self._was_in_room = False
        self._no_room_since: float | None = None
        self._last_error: tuple[str, str] | None = None
        self._pending = PendingFrames()
        self.last_seq = 0
        self.role: str | None = None
        self.verifier: Verifier | None = None
        self.sealer: Sealer | None = None
        if room is not None:
            self._set_room(room)

    # --- events ----------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue[ev.Event]:
        """A queue that receives every event from now on."""
        queue: asyncio.Queue[ev.Event] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[ev.Event]) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(queue)

    def emit(self, event: ev.Event) -> None:
        for queue in self._subscribers:
            queue.put_nowait(event)

    # --- lifecycle ----------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._ws is not None and self.role is not None

    @property
    def ended(self) -> ev.SessionEnded | None:
        return self._ended

    @property
    def safety_code(self) -> str:
        return safety_code(self.identity.vk)

    @property
    def facilitator_code(self) -> str:
        """The safety code of the facilitator pinned by the invite link."""
        return safety_code(self.facilitator_vk)

    async def start(self, timeout: float = 15.0) -> ev.Event:
        """Connect and return the first Connected or SessionEnded event."""
        queue = self.subscribe()
        self._task = asyncio.create_task(self._run(), name=f"holdspace-{self.role_hint}")
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = await queue.get()
                    if isinstance(event, ev.Connected | ev.SessionEnded):
                        return event
        except TimeoutError:
            return ev.SessionEnded("gave_up", "the relay did not answer in time")
        finally:
            self.unsubscribe(queue)

    def spawn(self, coro: Any) -> asyncio.Task[None]:
        """Run a timer of this session's; it ends with the session."""
        task = asyncio.create_task(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        return task

    async def drop_link(self) -> None:
        """Drop the connection as a network fault would; the session reconnects
        and resumes by itself (used by tests, and to retry at once)."""
        if self._ws is not None:
            await self._ws.close(4000, "reconnecting")

    async def stop(self) -> None:
        """Disconnect without telling anyone (the relay keeps a seat for a while)."""
        await self._end(ev.SessionEnded("closed"), close_code=1001)

    async def _end(self, event: ev.SessionEnded, close_code: int = 1000) -> None:
        if self._ended is None:
            self._ended = event
            self.emit(event)
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close(close_code)
        for side in list(self._side_tasks):
            if side is not asyncio.current_task():
                side.cancel()
        task = self._task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        delay, max_delay = self._backoff
        first_failure: float | None = None
        while self._ended is None:
            reason = "the connection to the relay was lost"
            try:
                async with connect(self.relay_url, max_size=4 * 65536, compression=None,
                                   ping_interval=20, ping_timeout=20, open_timeout=10,
                                   user_agent_header=None) as ws:
                    await self._session(ws)
            except asyncio.CancelledError:
                raise
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                if exc.rcvd and exc.rcvd.reason == REPLACED:
                    # Our key connected again elsewhere; two consoles taking turns
                    # would knock each other off forever, so this one stops.
                    await self._end(ev.SessionEnded("replaced", "the session was opened elsewhere"))
                    return
                if await self._closed_for_good(code):
                    return
                if self.role is not None:
                    first_failure, delay = None, self._backoff[0]
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                reason = f"cannot reach the relay ({type(exc).__name__})"
                if isinstance(exc, InvalidURI):
                    await self._end(ev.SessionEnded("gave_up", "the relay address is not valid"))
                    return
            finally:
                self._ws = None
                self.role = None
            if self._ended is not None:
                return
            now = time.monotonic()
            first_failure = first_failure or now
            if now - first_failure > self._give_up_after:
                await self._end(ev.SessionEnded("gave_up", "the relay could not be reached"))
                return
            self.emit(ev.ConnectionLost(reason, delay))
            await asyncio.sleep(delay)  # reconnection backoff, not a test wait
            delay = min(delay * 2, max_delay)

    async def _closed_for_good(self, code: int | None) -> bool:
        if self._ended is not None:
            return True
        if code in AFTER_RELAY_RESTART and self._was_in_room:
            # After a relay restart the room and its invites exist again only
            # once the facilitator reclaims them: keep trying for a while.
            now = time.monotonic()
            self._no_room_since = self._no_room_since or now
            if now - self._no_room_since < NO_ROOM_PATIENCE:
                return False
        if code in FINAL_CODES:
            err_code, msg = self._last_error or (_code_for_close(code), "")
            await self._end(ev.SessionEnded(err_code, msg))
            return True
        return False

    async def _session(self, ws: ClientConnection) -> None:
        challenge = protocol.decode_relay(await asyncio.wait_for(ws.recv(), 15))
        if challenge["t"] != "challenge":
            raise ConnectionClosed(None, None)
        self._ws = ws
        await ws.send(self._hello(challenge["nonce"]))
        taken = 0
        async for data in ws:
            taken += 1
            if taken % FRAMES_PER_TURN == 0:
                await asyncio.sleep(0)
            try:
                frame = protocol.decode_relay(data)
            except ProtocolError as exc:
                self.emit(ev.Rejected("malformed", None, exc.msg))
                continue
            await self._dispatch(frame)

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        handler = getattr(self, f"on_{frame['t']}", None)
        if handler is None:
            self.emit(ev.Rejected("malformed", None, f"unexpected {frame['t']}"))
            return
        try:
            await handler(frame)
        except CryptoError as exc:
            self.emit(ev.Rejected(exc.reason, frame.get("from") or frame.get("member"), exc.detail))
        except SessionError as exc:
            log.debug("could not act on %s: %s", frame["t"], exc)

    def _hello(self, nonce: bytes) -> bytes:
        raise NotImplementedError

    # --- relay frames both roles get --------------------------------------------
    async def on_ready(self, frame: dict[str, Any]) -> None:
        # With a resume, the relay replays what we missed; otherwise start from now.
        resumed = self.last_seq > 0 and frame["role"] != "lobby"
        if self.room is None:
            self._set_room(frame["room"])
        self.role = frame["role"]
        self._was_in_room, self._no_room_since = True, None
        if not resumed:
            self.last_seq = frame["seq"]
        self.emit(ev.Connected(frame["role"], frame["room"], frame["seq"], resumed))

    async def on_error(self, frame: dict[str, Any]) -> None:
        self._last_error = (frame["code"], frame["msg"])
        self.emit(ev.RelayError(frame["code"], frame["msg"]))

    async def on_closed(self, frame: dict[str, Any]) -> None:
        await self._end(ev.SessionEnded(frame["reason"]))

    async def on_group(self, frame: dict[str, Any]) -> None:
        self.last_seq = max(self.last_seq, frame["seq"])
        self._open_group(frame)

    async def on_direct(self, frame: dict[str, Any]) -> None:
        verifier = self._need_verifier()
        opened = verifier.open_direct(frame["from"], frame["ct"],
                                      only_facilitator=self.role_hint == "member")
        self._report_gap(opened)
        await self.on_private(opened.sender, opened.body)

    async def on_private(self, sender: bytes, body: dict[str, Any]) -> None:
        self.emit(ev.DirectMessage(sender, body["k"], body))

    # --- opening group frames -------------------------------------------------------
    def _open_group(self, frame: dict[str, Any], arrived: float | None = None) -> None:
        verifier = self._need_verifier()
        sender, epoch = frame["from"], frame["epoch"]
        now = self.clock()
        try:
            opened = verifier.open_group(sender, epoch, frame["ct"], now)
        except CryptoError as exc:
            if self._worth_waiting(exc, epoch):
                dropped = self._pending.add(sender, frame, now if arrived is None else arrived)
                if dropped:
                    self.emit(ev.Gap(sender, dropped))
                return
            if exc.reason != "no_key":  # frames from before we joined are expected
                self.emit(ev.Rejected(exc.reason, sender, exc.detail))
            return
        self._report_gap(opened)
        self.on_group_message(opened.sender, opened.body, frame["seq"])

    def _worth_waiting(self, exc: CryptoError, epoch: int) -> bool:
        """A frame may arrive before its key (after a resume) or before its roster
        (a new member's first words): hold it until they come."""
        assert self.verifier is not None
        keys = self.verifier.keys
        if exc.reason == "no_key":
            return epoch > keys.epoch
        return exc.reason == "not_in_roster" and not self.verifier.roster_known(epoch)

    def _retry_pending(self) -> None:
        frames, expired = self._pending.take(self.clock())
        for sender, count in expired.items():
            self.emit(ev.Gap(sender, count))  # waited too long for a key or roster
        for arrived, frame in frames:
            self._open_group(frame, arrived)

    def on_group_message(self, sender: bytes, body: dict[str, Any], seq: int) -> None:
        self.emit(ev.GroupMessage(sender, body["k"], body, seq))

    def _report_gap(self, opened: Opened) -> None:
        if opened.gap > 0 and not (opened.body.kind == "key" and opened.body.intro):
            # (a key with intro starts the facilitator's new run: a jump, not a loss)
            self.emit(ev.Gap(opened.sender, opened.gap, private=isinstance(opened.body, DirectBody)))

    # --- sending ---------------------------------------------------------------------
    def _set_room(self, room: bytes) -> None:
        self.room = room
        self.verifier = Verifier(self.identity, room, self.facilitator_vk)
        self.sealer = Sealer(self.identity, room, self.verifier)

    def _need_sealer(self) -> Sealer:
        if self.sealer is None:
            raise SessionError("Not in a room yet.")
        return self.sealer

    def _need_verifier(self) -> Verifier:
        if self.verifier is None:
            raise SessionError("not in a room yet")
        return self.verifier

    async def _send(self, data: bytes) -> None:
        ws = self._ws
        if ws is None or self.role is None:
            raise SessionError("Not connected to the session right now; trying to reconnect.")
        try:
            await ws.send(data)
        except ConnectionClosed as exc:
            raise SessionError("The connection dropped before that could be sent.") from exc

    async def _send_group(self, kind: str, *, proven: bool = True, **fields: Any) -> None:
        """``proven``: only under a key known to be current (_key_is_current)."""
        assert self.sealer is not None and self.verifier is not None
        keys = self.verifier.keys
        if keys.current is None:
            raise SessionError("You are not in the group yet.")
        if proven:
            await self._key_is_current()
        ct = self.sealer.group(kind, keys.epoch, keys.current, **fields)
        await self._send(protocol.frame("group", epoch=keys.epoch, ct=ct))

    async def _key_is_current(self) -> None:
        """Raise SessionError if the group key may no longer be the current one
        (a member's side: see MemberSession)."""

    async def _send_direct(self, to: bytes, kind: str, **fields: Any) -> int:
        """Send a direct; return its counter ``n``."""
        if self.sealer is None:
            raise SessionError("Not in a room yet.")
        ct = self.sealer.direct(to, kind, **fields)
        n = self.sealer.last_n
        await self._send(protocol.frame("direct", to=to, ct=ct))
        return n

    async def chat(self, text: str, cw: str | None = None) -> None:
        await self._send_group("chat", text=text, cw=cw)

    async def hand(self, up: bool) -> None:
        await self._send_group("hand", up=up)

def _code_for_close(code: int | None) -> str:
    for name, value in CLOSE_CODES.items():
        if value == code:
            return name
    for name, value in CLOSED_CODES.items():
        if value == code:
            return name
    return "closed"
