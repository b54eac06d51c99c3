"""The member's side of a session: knocks, accepts the group agreement, talks
to the group and privately to the facilitators (the lead pinned by the link,
and the co-facilitators it delegated: client/trust.py)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from holdspace.client import events as ev
from holdspace.client.bodies import BETWEEN_FACILITATORS
from holdspace.client.crypto import seal_knock
from holdspace.client.display import normal_name
from holdspace.client.freshness import HEARTBEAT_SECONDS, STALE_SECONDS, KeyFreshness
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink
from holdspace.client.member_facilitators import Facilitators
from holdspace.client.session import CLIENT_NAME, Session, SessionError
from holdspace.relay import protocol

KEPT_LIMIT = 32  # messages to the facilitator kept while none is connected
NO_FACILITATOR = ("Not sent: no facilitator is connected right now, so the group is paused. "
                  "They may be back shortly.")
TOO_MANY_KEPT = ("Not sent: no facilitator is connected right now, and many of your messages are "
                 "already waiting for them. Please try again when they are back.")
FRESH_WAIT = 5.0  # how long a message waits for proof that our key is current
CUT_OFF = ("Not sent: your connection has not been getting the group's latest messages, "
           "so you are cut off for now. Reconnecting...")
UNCONFIRMED = ("Not sent: the facilitator is back but has not confirmed your place in the group "
               "yet, so nobody could have read it. They may need to let you back in first.")


class MemberSession(Facilitators, Session):
    """A member's side: knocks, accepts the agreement, talks to the group and
    privately to the facilitator."""

    role_hint = "member"

    def __init__(self, invite: InviteLink, name: str, *, identity: Identity | None = None,
                 client: str = CLIENT_NAME, heartbeat: float = HEARTBEAT_SECONDS,
                 stale_after: float = STALE_SECONDS, **kwargs: Any) -> None:
        super().__init__(invite.relay_url, identity or Identity.generate(), invite.room,
                         invite.facilitator_vk, **kwargs)
        self.invite = invite
        self.name = name
        self.client = client
        self.roster: dict[bytes, tuple[str, str]] = {}  # vk -> (name, role)
        self.shown_as: str | None = None  # our name in the roster, once it lists us
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
        # Is our group key still the current one? (client/freshness.py)
        self.freshness = KeyFreshness(stale_after)
        self.heartbeat = heartbeat
        self.cut_off = False
        self._proven = asyncio.Event()
        self._heartbeat_task: asyncio.Task[None] | None = None
        # Whether a facilitator is connected, and what the member asked to send them
        # meanwhile: delivered once a facilitator is back and has answered us.
        self.facilitator_here = True
        self._seen_facilitator = False  # counted one present yet (chatlines.facilitator_line)
        self._said_here = True  # what the member was last told (client/member_facilitators.py)
        self._awaiting_delegation: asyncio.Task[None] | None = None
        self.kept: list[tuple[str, dict[str, Any]]] = []
        self.here: tuple[bytes, ...] | None = None  # client/member_facilitators.py
        self._present = True
        self.key_from = invite.facilitator_vk  # who sent the key we hold: key_ok goes there
        self.consent_from = invite.facilitator_vk  # who asked for consent: the answer goes there
        self._greeted: set[bytes] = set()  # co-facilitators we sent hello
        self._cos = 0  # how many co-facilitators the member was last told of

    def _hello(self, nonce: bytes) -> bytes:
        return protocol.frame(
            "join", vk=self.identity.vk, sig=self.identity.answer_challenge(nonce),
            room=self.invite.room, invite=self.invite.secret,
            knock=seal_knock(self.identity, self.facilitator_vk, self.name, self.client),
            resume=self.last_seq if self.seated else None, v=protocol.VERSION)

    def name_of(self, vk: bytes) -> str:
        entry = self.roster.get(vk)
        name = entry[0] if entry else "someone"
        # The role comes from the lead's signature, never from the roster's word alone.
        return f"{name} (co-facilitator)" if self.is_cofacilitator(vk) else name

    async def on_ready(self, frame: dict[str, Any]) -> None:
        self.seated = frame["role"] == "member"
        await super().on_ready(frame)
        self._facilitator_is(frame.get("facilitator") is not False, frame.get("here"))
        if self.agreed and frame["role"] == "lobby":
            # Reconnected while waiting: the facilitator may have missed our answer.
            with contextlib.suppress(SessionError):
                await self._to_each("agree")
        await self._trust_changed()  # a hello lost with the connection goes now

    async def on_facilitator(self, frame: dict[str, Any]) -> None:
        self._facilitator_is(frame["present"], frame.get("here"))
        await self._greet()
        if self.facilitator_here and self.agreed and self.role == "lobby":
            with contextlib.suppress(SessionError):  # it may never have had our answer
                await self._to_each("agree")
        if (self.facilitator_here and self.verifier is not None and self.verifier.keys.current is not None
                and self.key_from in self.targets()):
            await self._confirm_key()  # its answer shows it knows us: then what was kept goes
        await self._deliver_waiting()

    async def _deliver_waiting(self) -> None:
        """From the waiting room, what was kept goes the moment a trusted
        facilitator is connected: it is sealed to that facilitator, and a waiting
        member has no group key whose proof it could wait for. A seated member's
        call for help goes at once too (a restarted console takes it before it
        lets them in again); the rest waits for that proof, docs/PROTOCOL.md
        "Console restart"."""
        if self.kept and self.facilitator_here:
            await self._deliver_kept(None if not self.seated else "help")

    async def _deliver_kept(self, only: str | None = None) -> None:
        kept, self.kept = self.kept, []
        for i, (kind, fields) in enumerate(kept):
            try:
                if only is not None and kind != only:
                    self.kept.append((kind, fields))  # in order, once the key is proven
                elif kind != "consent_reply":
                    await self._to_each(kind, **fields)
                elif self.consent_from in self.targets():
                    await self._send_direct(self.consent_from, kind, **fields)
                else:
                    self.kept.append((kind, fields))  # for who asked, when they are back
            except SessionError:
                self.kept = self.kept + kept[i:]  # (what was put back came before i)
                return

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
        self._need_verifier().keys.left_group()  # what is said until let back in is not ours
        self.hand_up = False  # the console lowers it: a hand does not outlast the seat
        self.emit(ev.Held())

    async def on_direct(self, frame: dict[str, Any]) -> None:
        known = self.facilitators
        try:
            await super().on_direct(frame)
        finally:
            if self.facilitators != known:  # a direct's delegation made a co-facilitator
                await self._trust_changed()

    async def on_private(self, sender: bytes, body: dict[str, Any]) -> None:
        kind = body["k"]
        if kind in BETWEEN_FACILITATORS or kind == "hello":
            return  # not for members
        if kind == "key":
            await self._take_key(sender, body)
            return
        if kind == "key_current":
            if sender == self.key_from:  # counters are per recipient: only its answer proves
                await self._on_key_current(body)
            return
        if kind == "agreement":
            for co in body.get("cofacilitators") or ():
                self._need_verifier().trust.learn(co.vk, co.delegation)
            offered = ev.AgreementOffered(body["text"], body["resources"])
            if self.agreed and offered == self.agreement and self.role == "lobby":
                # The same words from a co-facilitator holding the room: the member
                # accepted them already, so it need not be asked twice.
                await self._send_direct(sender, "agree")
                return
            self.agreement = offered
            self.resources = body["resources"]
            self.emit(self.agreement)
            return
        if kind == "resources":
            self.resources = body["text"]
            self.emit(ev.ResourcesSent(body["text"]))
            return
        if kind == "consent_request":
            self.consent_from = sender
            self.consent_asked = ev.ConsentRequested(body["reason"], body.get("contact") or "")
            self.emit(self.consent_asked)
            return
        if kind == "check_in":
            self.last_check_in = body["text"]
        await super().on_private(sender, body)

    async def _take_key(self, sender: bytes, body: Any) -> None:
        assert self.verifier is not None
        keys = self.verifier.keys
        if body.epoch == keys.epoch and body.key == keys.current:
            await self._confirm_key()  # the same key again: it did not hear us
            return
        keys.install(body.epoch, body.key, self.clock())
        self.key_from = sender
        self.freshness.new_key(body.epoch, self.clock())
        self._proven.clear()
        self.cut_off = False
        if body.intro:
            # The console restarted: nothing it sealed before (counters up to
            # ``since``) is taken now, and it learns our name again, once.
            self.verifier.restart_baseline(sender, body.since or 0)
            await self._send_direct(sender, "introduce", name=self.name, epoch=body.epoch)
        await self._confirm_key()
        if body.intro and self.hand_up:
            self.spawn(self._hand_again())
        if self._heartbeat_task is None:
            self._heartbeat_task = self.spawn(self._heartbeats())
        self.emit(ev.KeyChanged(body.epoch))
        self._retry_pending()

    # --- is our key still the current one? (client/freshness.py) ------------------------
    async def _confirm_key(self) -> None:
        """Tell the facilitator which key we hold; its answer proves it current."""
        assert self.verifier is not None
        if self.key_from not in self.targets():
            return  # not connected (the relay would refuse it): asked again when it is back
        with contextlib.suppress(SessionError):
            n = await self._send_direct(self.key_from, "key_ok", epoch=self.verifier.keys.epoch)
            self.freshness.asked(n, self.clock())

    async def _on_key_current(self, body: Any) -> None:
        answer = self.freshness.answered(body.asked, body.epoch)
        if answer == "fresh":
            self.cut_off = False
            self._proven.set()
            if self.kept:
                await self._deliver_kept()
        elif answer == "behind":
            await self._cut_off()  # the facilitator moved on to a key we never got

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)  # the protocol's own timer
            await self.tick()

    async def tick(self) -> None:
        """Every heartbeat: give up a key unproven for too long, and ask again."""
        assert self.verifier is not None
        if not self.seated or self.verifier.keys.current is None:
            return
        if not self.facilitator_here or not self.connected:
            return  # nobody to prove the key to us now; sending waits for them (NO_FACILITATOR)
        if self.freshness.stale(self.clock()) and not self.cut_off:
            await self._cut_off()
            return
        await self._confirm_key()

    async def _cut_off(self) -> None:
        """Stop sending under this key, say so plainly, and reconnect: an honest
        facilitator gives a member who comes back the current key."""
        self.cut_off = True
        self._proven.clear()
        self.emit(ev.CutOff())
        await self.drop_link()

    async def _key_is_current(self) -> None:
        if not self.facilitator_here:
            raise SessionError(NO_FACILITATOR)
        try:
            async with asyncio.timeout(FRESH_WAIT):
                # A newer key may come between a proof and our waking (two changes
                # at once): then we ask about that one, within the same wait.
                while not self.freshness.current(self.clock()):
                    self._proven.clear()
                    await self._confirm_key()
                    await self._proven.wait()
        except TimeoutError:
            raise SessionError(UNCONFIRMED if self.freshness.doubted else CUT_OFF) from None

    def on_group_message(self, sender: bytes, body: dict[str, Any], seq: int) -> None:
        if body["k"] == "floor" and body["to"] == self.identity.vk:
            self.hand_up = False  # the facilitator gave us the floor and lowered it
        if body["k"] == "roster":
            assert self.verifier is not None
            gained, revoked = self.verifier.trust.apply_roster(sender, body["members"])
            if gained or revoked:
                self.spawn(self._trust_changed())
            self.roster = {m["vk"]: (m["name"], m["role"]) for m in body["members"]}
            if self._welcome_pending and self.identity.vk in self.roster:
                self._welcome_pending = False
                self.emit(ev.Admitted())
            self._note_roster_name()
            self.verifier.set_roster(body["epoch"], set(self.roster))
            super().on_group_message(sender, body, seq)
            self._retry_pending()
            return
        super().on_group_message(sender, body, seq)

    def _note_roster_name(self) -> None:
        """Tell the member once if the group sees them under another name than
        the one they chose ("Sam (2)": another Sam was here first)."""
        entry = self.roster.get(self.identity.vk)
        if entry is None or entry[0] == self.shown_as:
            return
        first, self.shown_as = self.shown_as is None, entry[0]
        if not first or entry[0] != normal_name(self.name):
            self.emit(ev.NamedAs(entry[0]))

    # --- what a member can do -------------------------------------------------------------
    async def agree(self) -> None:
        self.agreed = True
        await self._to_each("agree")

    async def decline(self) -> None:
        """The member does not accept the agreement: leave without joining."""
        await self._end(ev.SessionEnded("left", "you chose not to join"))

    async def hand(self, up: bool) -> None:
        await super().hand(up)
        self.hand_up = up

    async def _hand_again(self) -> None:
        """A restarted console let us back in knowing nothing of our raised hand:
        raise it there again, once our new key is proven (a console that kept it,
        from a co-facilitator's handover, shows it once all the same)."""
        try:
            await self.hand(True)
        except SessionError:
            self.hand_up = False  # not raised there: /hand raises it

    async def to_facilitator(self, kind: str, **fields: Any) -> int:
        """Send now, returning to how many facilitators (a member is told "the
        facilitators" when more than one), or, while no facilitator is
        connected, keep it to deliver the moment one is back (0)."""
        if self.facilitator_here and self.connected:
            if kind != "consent_reply":
                return await self._to_each(kind, **fields)
            if self.consent_from in self.targets():  # only to who asked
                await self._send_direct(self.consent_from, kind, **fields)
                return 1
        if len(self.kept) >= KEPT_LIMIT:
            raise SessionError(TOO_MANY_KEPT)
        self.kept.append((kind, fields))
        return 0

    # Each returns how many facilitators it was sent to now, 0 when kept for a facilitator's return.
    async def private(self, text: str) -> int:
        return await self.to_facilitator("private", text=text)

    async def trigger(self, note: str | None = None) -> int:
        return await self.to_facilitator("trigger", note=note)

    async def step_out(self, note: str | None = None) -> int:
        sent = await self.to_facilitator("step_out", note=note)
        self.stepped_out = True
        return sent

    async def back(self) -> int:
        sent = await self.to_facilitator("back")
        self.stepped_out = False
        return sent

    async def check_in_reply(self, status: str, text: str | None = None) -> int:
        return await self.to_facilitator("check_in_reply", status=status, text=text)

    async def ask_for_help(self) -> int:
        return await self.to_facilitator("help")

    async def answer_consent(self, yes: bool, details: dict[str, str] | None = None) -> int:
        """Answer the facilitator's consent request (only who asked gets it; 0:
        kept for their return). Details travel only with a yes."""
        shared = {k: v for k, v in (details or {}).items() if v} if yes else None
        sent = await self.to_facilitator("consent_reply", answer="yes" if yes else "no",
                                         details=shared or None)
        self.consent_asked = None
        return sent

    async def leave(self) -> None:
        """Say goodbye to the group and go (the seat is freed at once)."""
        # A goodbye carries nothing private: it need not wait for the key's proof.
        if self.seated and not self.freshness.stale(self.clock()):
            with contextlib.suppress(SessionError):
                await self._send_group("bye", proven=False)
        await self._end(ev.SessionEnded("left"))
        if self.verifier is not None:
            self.verifier.keys.wipe()
