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
from holdspace.client.crypto import (
    CryptoError,
    Identity,
    InviteLink,
    Sealer,
    Verifier,
    invite_hash,
    new_epoch_key,
    open_knock,
    random_bytes,
    safety_code,
    seal_knock,
)
from holdspace.relay import protocol
from holdspace.relay.protocol import CLOSE_CODES, CLOSED_CODES, ProtocolError

log = logging.getLogger(__name__)

CLIENT_NAME = "holdspace/0.1"
# Relay refusals that will not get better by trying again.
FINAL_CODES = frozenset(
    CLOSE_CODES[c] for c in ("bad_auth", "version", "no_room", "room_taken", "bad_invite",
                             "banned", "forbidden", "room_full", "lobby_full")
)
PENDING_LIMIT = 512
# Frames opened before the session lets others run. Frames already received
# are handed over without a pause, so a burst would otherwise hold the event
# loop (and the facilitator's keys) for as long as it takes to open them all.
FRAMES_PER_TURN = 16
REPLACED = "replaced by a newer connection"  # the relay's close reason
RETURNING = "Returning member"  # name shown until a member re-introduces itself
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
        self._ended: ev.SessionEnded | None = None
        self._was_in_room = False
        self._no_room_since: float | None = None
        self._last_error: tuple[str, str] | None = None
        self._pending: list[dict[str, Any]] = []
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
    def _open_group(self, frame: dict[str, Any]) -> None:
        verifier = self._need_verifier()
        sender, epoch = frame["from"], frame["epoch"]
        try:
            opened = verifier.open_group(sender, epoch, frame["ct"], self.clock())
        except CryptoError as exc:
            if self._worth_waiting(exc, epoch):
                if len(self._pending) < PENDING_LIMIT:
                    self._pending.append(frame)
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
        pending, self._pending = self._pending, []
        for frame in pending:
            self._open_group(frame)

    def on_group_message(self, sender: bytes, body: dict[str, Any], seq: int) -> None:
        self.emit(ev.GroupMessage(sender, body["k"], body, seq))

    def _report_gap(self, opened: Any) -> None:
        if opened.gap > 0:
            self.emit(ev.Gap(opened.sender, opened.gap))

    # --- sending ---------------------------------------------------------------------
    def _set_room(self, room: bytes) -> None:
        self.room = room
        self.verifier = Verifier(self.identity, room, self.facilitator_vk)
        self.sealer = Sealer(self.identity, room, self.verifier)

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

    async def _send_group(self, kind: str, **fields: Any) -> None:
        assert self.sealer is not None and self.verifier is not None
        keys = self.verifier.keys
        if keys.current is None:
            raise SessionError("You are not in the group yet.")
        ct = self.sealer.group(kind, keys.epoch, keys.current, **fields)
        await self._send(protocol.frame("group", epoch=keys.epoch, ct=ct))

    async def _send_direct(self, to: bytes, kind: str, **fields: Any) -> None:
        if self.sealer is None:
            raise SessionError("Not in a room yet.")
        ct = self.sealer.direct(to, kind, **fields)
        await self._send(protocol.frame("direct", to=to, ct=ct))

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


# =============================================================================


class FacilitatorSession(Session):
    """The facilitator's side: owns the room, the keys and the roster."""

    role_hint = "facilitator"

    def __init__(self, relay_url: str, identity: Identity, *, room: bytes | None = None,
                 name: str = "Facilitator", agreement: str = "", resources: str = "",
                 token: str | None = None, restarted: bool = False,
                 invites: list[InviteLink] | None = None, **kwargs: Any) -> None:
        super().__init__(relay_url, identity, room, identity.vk, **kwargs)
        self.name = name
        self.agreement = agreement
        self.resources = resources
        self.token = token
        self.seated: dict[bytes, str] = {}   # vk -> name, in the order they came in
        self.online: set[bytes] = set()
        self.waiting: dict[bytes, dict[str, Any]] = {}  # vk -> {name, agreed}
        # Open-ended invites, re-sent after a relay restart; given back to us after
        # a console restart so the links members already hold keep working.
        self.invites: list[InviteLink] = list(invites or [])
        self._rekey_lock = asyncio.Lock()
        self._rekey_task: asyncio.Task[None] | None = None
        # After a console restart we know no one: members the relay reports as
        # seated come back through the facilitator, like a knock (see _returning).
        self._restarted = restarted
        self._needs_intro: set[bytes] = set()

    def _hello(self, nonce: bytes) -> bytes:
        return protocol.frame("create", vk=self.identity.vk, sig=self.identity.answer_challenge(nonce),
                              room=self.room, token=self.token,
                              resume=self.last_seq or None, v=protocol.VERSION)

    async def on_ready(self, frame: dict[str, Any]) -> None:
        await super().on_ready(frame)
        if self._need_verifier().keys.current is None:
            await self._rekey()
        for link in self.invites:  # a relay restart forgets invites; send them again
            await self._send(protocol.frame("invite", hash=invite_hash(link.secret)))

    # --- invites -----------------------------------------------------------------------
    async def create_invite(self, uses: int | None = None, expires: int | None = None) -> InviteLink:
        if self.room is None:
            raise SessionError("The room is not open yet.")
        link = InviteLink(_public_url(self.relay_url), self.room, self.identity.vk, random_bytes(16))
        await self._send(protocol.frame("invite", hash=invite_hash(link.secret), uses=uses, expires=expires))
        if uses is None and expires is None:
            self.invites.append(link)
        return link

    async def revoke_invite(self, link: InviteLink) -> None:
        await self._send(protocol.frame("revoke", hash=invite_hash(link.secret)))
        with contextlib.suppress(ValueError):
            self.invites.remove(link)

    # --- relay frames ---------------------------------------------------------------------
    async def on_knock(self, frame: dict[str, Any]) -> None:
        member = frame["member"]
        knock = open_knock(self.identity, member, frame["knock"])
        if member in self.seated:
            # We let them in before; the relay restarted and forgot it. Seat them
            # again without asking the facilitator twice.
            await self._send(protocol.frame("admit", member=member))
            self.online.add(member)
            self._rekey_soon()
            self.emit(ev.Presence(member, "online"))
            return
        entry = self.waiting.setdefault(member, {"name": knock["name"], "agreed": False})
        entry["name"] = knock["name"]
        self.emit(ev.Knock(member, knock["name"], knock["client"], safety_code(member)))
        if not entry["agreed"]:
            await self._send_direct(member, "agreement", text=self.agreement, resources=self.resources)

    async def on_presence(self, frame: dict[str, Any]) -> None:
        member, state = frame["member"], frame["state"]
        if state != "gone" and member not in self.seated:
            # Only seated members have an online/offline presence, and only we
            # seat anyone: the relay cannot seat someone by saying so.
            if self._restarted and state == "online" and member not in self.waiting:
                self._returning(member)
            return
        if state == "online":
            came_back = member not in self.online
            self.online.add(member)
            if came_back and member in self.seated:
                self._rekey_soon()  # it may have missed a key while away
        elif state == "offline":
            self.online.discard(member)
        else:
            self.online.discard(member)
            self.waiting.pop(member, None)
            if self.seated.pop(member, None) is not None:
                self._rekey_soon()
        self.emit(ev.Presence(member, state))

    def _returning(self, member: bytes) -> None:
        """After a console restart we remember no one. The relay says this key was
        seated, but the relay could be lying: show it like a knock (with its
        safety code) and send it a key only once the facilitator lets it in."""
        self.waiting[member] = {"name": RETURNING, "agreed": True, "returning": True}
        self.emit(ev.Knock(member, RETURNING, "", safety_code(member), returning=True))

    async def on_direct(self, frame: dict[str, Any]) -> None:
        if frame["from"] not in self.waiting and frame["from"] not in self.seated:
            # Only people who knocked can write to us; anything else is the relay's.
            raise CryptoError("not_in_roster", "a private message from someone unknown")
        await super().on_direct(frame)

    async def on_private(self, sender: bytes, body: dict[str, Any]) -> None:
        kind = body["k"]
        if kind == "agree" and sender in self.waiting:
            self.waiting[sender]["agreed"] = True
        elif kind == "introduce" and sender in self.seated:
            self.seated[sender] = body["name"]
            await self._send_roster()
        await super().on_private(sender, body)

    # --- controls ------------------------------------------------------------------------------
    async def admit(self, member: bytes) -> None:
        entry = self.waiting.get(member)
        if entry is None:
            raise SessionError("That person is no longer in the waiting room.")
        if not entry["agreed"]:
            raise SessionError(f"{entry['name']} has not accepted the group agreement yet.")
        if entry.get("returning"):
            # Still seated at the relay: give them the key and ask their name.
            self._needs_intro.add(member)
        else:
            await self._send(protocol.frame("admit", member=member))
        del self.waiting[member]
        self.seated[member] = entry["name"]
        self.online.add(member)
        self._rekey_soon()  # admitting several back to back costs one rekey

    async def deny(self, member: bytes) -> None:
        await self._send(protocol.frame("deny", member=member))
        self.waiting.pop(member, None)

    async def hold(self, member: bytes) -> None:
        name = self.seated.get(member)
        if name is None:
            raise SessionError("That person is not in the group right now.")
        await self._send(protocol.frame("hold", member=member))
        del self.seated[member]
        self.waiting[member] = {"name": name, "agreed": True}
        await self._rekey()

    async def remove(self, member: bytes, ban_seconds: int | None = None) -> None:
        await self._send(protocol.frame("remove", member=member, ban=ban_seconds))
        self.waiting.pop(member, None)
        self.online.discard(member)
        if self.seated.pop(member, None) is not None:
            await self._rekey()

    async def close_room(self) -> None:
        with contextlib.suppress(SessionError):
            await self._send(protocol.frame("close"))
        await self._end(ev.SessionEnded("room_closed"))

    # --- messages -----------------------------------------------------------------------------
    async def notice(self, text: str) -> None:
        await self._send_group("notice", text=text)

    async def give_floor(self, member: bytes) -> None:
        await self._send_group("floor", to=member)

    async def private(self, member: bytes, text: str) -> None:
        await self._send_direct(member, "private", text=text)

    async def check_in(self, member: bytes, text: str) -> None:
        await self._send_direct(member, "check_in", text=text)

    async def send_direct(self, member: bytes, kind: str, **fields: Any) -> None:
        """Any other direct kind (safeguarding uses this)."""
        await self._send_direct(member, kind, **fields)

    # --- keys ---------------------------------------------------------------------------------
    def _rekey_soon(self) -> None:
        if self._rekey_task is None or self._rekey_task.done():
            self._rekey_task = asyncio.create_task(self._rekey_after_burst())

    async def _rekey_after_burst(self) -> None:
        # Presence frames come in bursts (a reconnect announces everyone); wait for
        # the burst to pass so it costs one rekey, not one per member.
        await asyncio.sleep(0.05)
        with contextlib.suppress(SessionError):
            await self._rekey()

    async def _rekey(self) -> None:
        """New random key, epoch + 1, a key to each seated member, then the roster."""
        async with self._rekey_lock:
            verifier = self._need_verifier()
            # The first epoch comes from the clock (ms) so a restarted console,
            # which remembers nothing, still offers keys above the old ones.
            current = verifier.keys.epoch
            epoch = current + 1 if current >= 0 else int(time.time() * 1000)
            key = new_epoch_key()
            verifier.keys.install(epoch, key, self.clock())
            verifier.set_roster(epoch, {self.identity.vk, *self.seated})
            for member in list(self.seated):
                if member in self.online:
                    intro = True if member in self._needs_intro else None
                    with contextlib.suppress(SessionError, CryptoError):
                        await self._send_direct(member, "key", epoch=epoch, key=key, intro=intro)
                        self._needs_intro.discard(member)
            await self._send_roster()

    async def _send_roster(self) -> None:
        members = [{"vk": self.identity.vk, "name": self.name, "role": "facilitator"}]
        members += [{"vk": vk, "name": name, "role": "member"} for vk, name in self.seated.items()]
        await self._send_group("roster", members=members)
        epoch = self.verifier.keys.epoch
        self.emit(ev.RosterChanged(epoch, tuple((m["vk"], m["name"], m["role"]) for m in members)))


def _public_url(relay_url: str) -> str:
    return relay_url.rstrip("/")


# =============================================================================


class MemberSession(Session):
    """A member's side: knocks, accepts the agreement, talks to the group and
    privately to the facilitator."""

    role_hint = "member"

    def __init__(self, invite: InviteLink, name: str, *, identity: Identity | None = None,
                 client: str = CLIENT_NAME, **kwargs: Any) -> None:
        super().__init__(invite.relay_url, identity or Identity.generate(), invite.room,
                         invite.facilitator_vk, **kwargs)
        self.invite = invite
        self.name = name
        self.client = client
        self.roster: dict[bytes, tuple[str, str]] = {}  # vk -> (name, role)
        self.agreement: ev.AgreementOffered | None = None
        self.agreed = False
        self.seated = False
        self._welcome_pending = False
        self.hand_up = False
        self.stepped_out = False
        self.last_check_in: str | None = None
        # Crisis resources: from the agreement, replaced by any the facilitator sends.
        self.resources = ""
        # Emergency details the member chose to keep for this session (memory only).
        self.details: dict[str, str] = {}
        self.consent_asked: ev.ConsentRequested | None = None

    def _hello(self, nonce: bytes) -> bytes:
        return protocol.frame(
            "join", vk=self.identity.vk, sig=self.identity.answer_challenge(nonce),
            room=self.invite.room, invite=self.invite.secret,
            knock=seal_knock(self.identity, self.facilitator_vk, self.name, self.client),
            resume=self.last_seq if self.seated else None, v=protocol.VERSION)

    def name_of(self, vk: bytes) -> str:
        entry = self.roster.get(vk)
        return entry[0] if entry else "someone"

    async def on_ready(self, frame: dict[str, Any]) -> None:
        self.seated = frame["role"] == "member"
        await super().on_ready(frame)
        if self.agreed and frame["role"] == "lobby":
            # Reconnected while waiting: the facilitator may have missed our answer.
            with contextlib.suppress(SessionError):
                await self._send_direct(self.facilitator_vk, "agree")

    async def on_admitted(self, frame: dict[str, Any]) -> None:
        # The relay says we are in, but a relay could say so on its own: tell the
        # member only once the facilitator's signed roster lists us.
        self.seated = True
        self.role = "member"
        self.last_seq = max(self.last_seq, frame["seq"])
        self._welcome_pending = True

    async def on_held(self, frame: dict[str, Any]) -> None:
        self.seated = False
        self.role = "lobby"
        self.emit(ev.Held())

    async def on_private(self, sender: bytes, body: dict[str, Any]) -> None:
        kind = body["k"]
        if kind == "key":
            await self._take_key(body)
            return
        if kind == "agreement":
            self.agreement = ev.AgreementOffered(body["text"], body["resources"])
            self.resources = body["resources"]
            self.emit(self.agreement)
            return
        if kind == "resources":
            self.resources = body["text"]
            self.emit(ev.ResourcesSent(body["text"]))
            return
        if kind == "consent_request":
            self.consent_asked = ev.ConsentRequested(body["reason"], body.get("contact") or "")
            self.emit(self.consent_asked)
            return
        if kind == "check_in":
            self.last_check_in = body["text"]
        await super().on_private(sender, body)

    async def _take_key(self, body: dict[str, Any]) -> None:
        assert self.verifier is not None
        keys = self.verifier.keys
        if body["epoch"] == keys.epoch and body["key"] == keys.current:
            return  # the same key again after a reconnect: nothing to do
        keys.install(body["epoch"], body["key"], self.clock())
        if body.get("intro"):
            self.verifier.restart_baseline(self.facilitator_vk)
            await self._send_direct(self.facilitator_vk, "introduce", name=self.name)
        self.emit(ev.KeyChanged(body["epoch"]))
        self._retry_pending()

    def on_group_message(self, sender: bytes, body: dict[str, Any], seq: int) -> None:
        if body["k"] == "floor" and body["to"] == self.identity.vk:
            self.hand_up = False  # the facilitator gave us the floor and lowered it
        if body["k"] == "roster":
            assert self.verifier is not None
            self.roster = {m["vk"]: (m["name"], m["role"]) for m in body["members"]}
            if self._welcome_pending and self.identity.vk in self.roster:
                self._welcome_pending = False
                self.emit(ev.Admitted())
            self.verifier.set_roster(body["epoch"], set(self.roster))
            super().on_group_message(sender, body, seq)
            self._retry_pending()
            return
        super().on_group_message(sender, body, seq)

    # --- what a member can do -------------------------------------------------------------
    async def agree(self) -> None:
        self.agreed = True
        await self._send_direct(self.facilitator_vk, "agree")

    async def decline(self) -> None:
        """The member does not accept the agreement: leave without joining."""
        await self._end(ev.SessionEnded("left", "you chose not to join"))

    async def hand(self, up: bool) -> None:
        await super().hand(up)
        self.hand_up = up

    async def to_facilitator(self, kind: str, **fields: Any) -> None:
        await self._send_direct(self.facilitator_vk, kind, **fields)

    async def private(self, text: str) -> None:
        await self.to_facilitator("private", text=text)

    async def trigger(self, note: str | None = None) -> None:
        await self.to_facilitator("trigger", note=note)

    async def step_out(self, note: str | None = None) -> None:
        await self.to_facilitator("step_out", note=note)
        self.stepped_out = True

    async def back(self) -> None:
        await self.to_facilitator("back")
        self.stepped_out = False

    async def check_in_reply(self, status: str, text: str | None = None) -> None:
        await self.to_facilitator("check_in_reply", status=status, text=text)

    async def ask_for_help(self) -> None:
        await self.to_facilitator("help")

    async def answer_consent(self, yes: bool, details: dict[str, str] | None = None) -> None:
        """Answer the facilitator's consent request. Details travel only with a yes."""
        shared = {k: v for k, v in (details or {}).items() if v} if yes else None
        await self.to_facilitator("consent_reply", answer="yes" if yes else "no",
                                  details=shared or None)
        self.consent_asked = None

    async def leave(self) -> None:
        """Say goodbye to the group and go (the seat is freed at once)."""
        if self.seated:
            with contextlib.suppress(SessionError):
                await self._send_group("bye")
        await self._end(ev.SessionEnded("left"))
        if self.verifier is not None:
            self.verifier.keys.wipe()
