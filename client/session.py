"""The UI-free client core: speaks protocol v1 to a relay and emits typed events.

Used by the facilitator console, the member client, the demo's simulated
members and the tests. A ``Session`` runs on the connection loop of
client/connection.py, resumes from the last group ``seq`` it saw, and reports
everything as ``holdspace.client.events`` objects: consumers never see sockets
or crypto.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from holdspace.client import events as ev
from holdspace.client.bodies import DirectBody
from holdspace.client.connection import MAX_BACKOFF, RelayConnection
from holdspace.client.crypto import Opened, Sealer, Verifier
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, safety_code
from holdspace.client.pending import PendingFrames
from holdspace.client.unechoed import Unechoed
from holdspace.relay import protocol
from holdspace.relay.protocol import ProtocolError

log = logging.getLogger(__name__)

CLIENT_NAME = "holdspace/0.1"
# Frames opened before the session lets others run. Frames already received
# are handed over without a pause, so a burst would otherwise hold the event
# loop (and the facilitator's keys) for as long as it takes to open them all.
FRAMES_PER_TURN = 16
# Refusals nobody needs to hear of: a frame for a key from before we joined,
# and one we already have (resent after a reconnection, docs/PROTOCOL.md).
QUIET = frozenset({"no_key", "duplicate"})
SEATED = frozenset({"facilitator", "cofacilitator", "member"})


class SessionError(Exception):
    """Something the user asked for cannot be done now; the message is for them."""


class Session(RelayConnection):
    """What facilitator and member sessions share, over the connection loop of
    client/connection.py: the handshake, dispatching the relay's frames, opening
    and sealing end-to-end frames."""

    role_hint = "member"

    def __init__(self, relay_url: str, identity: Identity, room: bytes | None,
                 facilitator_vk: bytes, *, backoff: tuple[float, float] = (0.5, MAX_BACKOFF),
                 give_up_after: float = 20 * 60.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__(relay_url, backoff=backoff, give_up_after=give_up_after)
        self.identity = identity
        self.room = room
        self.facilitator_vk = facilitator_vk
        self.clock = clock
        self._pending = PendingFrames()
        self._unechoed = Unechoed()
        self.last_seq = 0
        self.verifier: Verifier | None = None
        self.sealer: Sealer | None = None
        if room is not None:
            self._set_room(room)

    # --- who we are ------------------------------------------------------------------
    @property
    def safety_code(self) -> str:
        return safety_code(self.identity.vk)

    @property
    def facilitator_code(self) -> str:
        """The safety code of the facilitator pinned by the invite link."""
        return safety_code(self.facilitator_vk)

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
        await self._resend(frame["role"])  # before anything new can be sent: in order
        self.role = frame["role"]
        if self.role == "lobby":
            self._need_verifier().keys.left_group()  # a seat the relay forgot: as if held
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
        if self.verifier is not None and frame["from"] == self.verifier.vk:
            self._unechoed.echoed(frame["ct"], self.clock())
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
            if exc.reason not in QUIET:
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
        assert self.verifier is not None
        frames, expired = self._pending.take(self.clock(), self.verifier.keys.ours)
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

    def _need_connection(self) -> None:
        """Checked before sealing: a frame sealed but never sent would leave a hole
        in our counter, and receivers would report a message that never existed."""
        if self._ws is None or self.role is None:
            raise SessionError("Not connected to the session right now; trying to reconnect.")

    async def _send(self, data: bytes) -> None:
        self._need_connection()
        ws = self._ws
        assert ws is not None
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
        self._need_connection()
        ct = self.sealer.group(kind, keys.epoch, keys.current, **fields)
        data = protocol.frame("group", epoch=keys.epoch, ct=ct)
        self._unechoed.sent(ct, data, self.clock())
        ws = self._ws
        assert ws is not None
        with contextlib.suppress(ConnectionClosed):  # kept: it goes again once reconnected
            await ws.send(data)

    async def _resend(self, role: str) -> None:
        """Send again, in order, the group frames the relay never echoed, or
        echoed only just (it may have died with them: client/unechoed.py). Not
        to a room that forgot us (``lobby``): they were sealed for a group we
        are no longer in."""
        if role not in SEATED:
            self._unechoed.clear()
            return
        ws = self._ws
        assert ws is not None
        for data in self._unechoed.pending(self.clock()):
            await ws.send(data)  # a drop here ends this connection: resent on the next

    async def _key_is_current(self) -> None:
        """Raise SessionError if the group key may no longer be the current one
        (a member's side: see MemberSession)."""

    async def _send_direct(self, to: bytes, kind: str, **fields: Any) -> int:
        """Send a direct; return its counter ``n``."""
        if self.sealer is None:
            raise SessionError("Not in a room yet.")
        self._need_connection()
        ct = self.sealer.direct(to, kind, **fields)
        n = self.sealer.last_n
        await self._send(protocol.frame("direct", to=to, ct=ct))
        return n

    async def chat(self, text: str, cw: str | None = None) -> None:
        await self._send_group("chat", text=text, cw=cw)

    async def hand(self, up: bool) -> None:
        await self._send_group("hand", up=up)
