"""The facilitator's side of a session: owns the room, its invites, the keys
and the roster; lets people in from the waiting room; makes co-facilitators
(client/cofacilitation.py: what the lead and co-facilitators share)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from holdspace.client import display
from holdspace.client import events as ev
from holdspace.client.bodies import BETWEEN_FACILITATORS
from holdspace.client.cofacilitation import Cofacilitation
from holdspace.client.crypto import open_knock, sign_delegation
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, invite_hash, new_epoch_key, safety_code
from holdspace.client.invite_book import InviteBook
from holdspace.client.invites import InviteLink
from holdspace.client.roll_call import reachable, roll_call
from holdspace.client.room_invites import RoomInvites
from holdspace.client.session import Session, SessionError
from holdspace.relay import protocol

RETURNING = "Returning member"  # name shown until a member re-introduces itself
CONFIRM_AFTER = 3.0  # seconds a seated member has to confirm a new key
CONFIRM_TRIES = 5  # re-sends to a member who does not confirm, one per CONFIRM_AFTER


class FacilitatorSession(RoomInvites, Cofacilitation, Session):
    """The facilitator's side: owns the room, the keys and the roster."""

    role_hint = "facilitator"

    def __init__(self, relay_url: str, identity: Identity, *, room: bytes | None = None,
                 name: str = "Facilitator", agreement: str = "", resources: str = "", group_name: str = "",
                 token: str | None = None, restarted: bool = False,
                 invites: list[InviteLink] | None = None, invite_url: str | None = None,
                 confirm_after: float = CONFIRM_AFTER,
                 **kwargs: Any) -> None:
        super().__init__(relay_url, identity, room, identity.vk, **kwargs)
        self.invite_url = invite_url or relay_url  # where members reach it (a proxy, a public name)
        self.name = name
        self.agreement = agreement
        self.resources = resources
        self.group_name = group_name  # shown atop the console; the lead tells its co-facilitators
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
        # Members given a key with intro, and its epoch: until their introduce
        # for that epoch comes, nothing else from them is taken (it could be
        # something they sent before the restart, replayed by the relay).
        self._intro_epoch: dict[bytes, int] = {}
        self.confirmed: dict[bytes, int] = {}  # member -> newest epoch they confirmed
        self._keyed: set[bytes] = set()  # members this run of the console has sent a key
        self.confirm_after = confirm_after
        self._confirm_task: asyncio.Task[None] | None = None
        # Co-facilitators (seated too) -> the lead's delegation naming them.
        self.cos: dict[bytes, bytes] = {}
        self._co_invites = set[bytes]()  # hashes of our co-facilitator links
        self._co_links: dict[bytes, bytes] = {}  # co-facilitator let in -> the link's hash it came with
        self.invite_book = InviteBook()  # every invite as it stands, for a restarted relay
        for link in self.invites:  # given back after a console restart: open-ended
            self.invite_book.issued(invite_hash(link.secret), None, None, 0.0)
        self._leaving: set[bytes] = set()  # facilitators that said they are leaving (cofacilitation.py)
        self._told_of: dict[tuple[bytes, str], float] = {}  # waiting members' words we passed on, when
        self.lead_here = True  # the lead's own session is the lead
        self.lead_name = name
        # Seats the relay reported or we made since our latest ready (a handover drops no other
        # seat: cofacilitation.py), and who was online before it, until announced (roll_call.py).
        self._seen_seated, self._unannounced = set[bytes](), set[bytes]()
        # Whether the relay, in its burst right after ready (before any knock),
        # announced someone we seated: it kept the room; a restarted one announces no one.
        self._relay_kept = self._burst = False

    def _hello(self, nonce: bytes) -> bytes:
        return protocol.frame("create", vk=self.identity.vk, sig=self.identity.answer_challenge(nonce),
                              room=self.room, token=self.token,
                              resume=self.last_seq or None, v=protocol.VERSION)

    async def on_ready(self, frame: dict[str, Any]) -> None:
        self._seen_seated.clear()
        self._relay_kept, self._burst = False, True
        self.spawn(roll_call(self, set(self.online)))  # a restarted relay announces no one
        await super().on_ready(frame)
        if self._need_verifier().keys.current is None:
            await self._rekey()
        await self._invites_again()  # a relay restart forgets invites

    # --- relay frames ---------------------------------------------------------------------
    async def on_knock(self, frame: dict[str, Any]) -> None:
        member = frame["member"]
        knock = open_knock(self.identity, member, frame["knock"])
        self.invite_book.used(frame.get("invite"), member)
        self._burst = False
        if (member in self.seated and member not in self.cos and self._relay_kept
                and any(reachable(self, c) for c in self.cos)):
            # A co-facilitator here may have held them while we were away: they wait again, to be
            # let in by a facilitator. (A restarted relay forgot co-facilitators too: seat them.)
            self.waiting[member] = {"name": self.seated.pop(member), "agreed": True}
            self.online.discard(member)
            self._rekey_soon()
        elif member in self.seated:
            # We let them in before; the relay restarted and forgot it. Seat them
            # again without asking the facilitator twice.
            await self._send(protocol.frame("admit", member=member))
            if member in self.cos and self.is_lead:  # and a co-facilitator again
                await self._send(protocol.frame("promote", member=member))
            self.online.add(member)
            self._seen_seated.add(member)
            self._rekey_soon()
            self.emit(ev.Presence(member, "online"))
            return
        name = self._name_for(member, knock["name"])
        # A co-facilitator: came with our co-facilitator link, its own client saying so.
        co = knock.role == "cofacilitator" and frame.get("invite") in self._co_invites
        entry = self.waiting.setdefault(member, {"name": name, "agreed": co})
        entry["name"] = name
        if co:  # its link is used; while they wait, a restarted relay is given it again
            entry.update(co=True, invite=frame["invite"])
            self.invite_book.once_more(frame["invite"])
        self.emit(ev.Knock(member, name, display.clean(knock["client"]), safety_code(member),
                           invite=frame.get("invite") or b"", cofacilitator=co))
        if not entry["agreed"] or co:  # (a co-facilitator keeps it, to give while we are away)
            await self._send_agreement(member)

    async def on_presence(self, frame: dict[str, Any]) -> None:
        member, state = frame["member"], frame["state"]
        (self._seen_seated.discard if state == "gone" else self._seen_seated.add)(member)
        self._relay_kept |= self._burst and member in self.seated
        if state != "gone" and member not in self.seated:
            # Only seated members have an online/offline presence, and only we
            # seat anyone: the relay cannot seat someone by saying so.
            if self._restarted and state == "online" and member not in self.waiting:
                self._returning(member, frame.get("knock"), frame.get("role") == "cofacilitator")
            return
        if member in self.cos and frame.get("role") == "cofacilitator":
            self.emit(self._facilitator_presence(member, state == "online"))
            if state == "gone":  # still one at the relay, and may come back: our rosters keep it
                state = "offline"
        if state == "online":
            came_back = member not in self.online
            self.online.add(member)
            if came_back and member in self.seated:
                await self._keys_missed(member)
                self._rekey_soon()  # it may have missed a key while away
        elif state == "offline":
            self.online.discard(member)
        else:
            self.online.discard(member)
            self.waiting.pop(member, None)
            if self.seated.pop(member, None) is not None:
                self._rekey_soon()
        self.emit(ev.Presence(member, state))

    def _returning(self, member: bytes, knock_ct: bytes | None, co_at_relay: bool = False) -> None:
        """After a console restart we remember no one. The relay says this key was
        seated, but the relay could be lying: show it like a knock (with its
        safety code, and the name from the knock its client sealed, when the relay
        passes one on) and send it a key only once the facilitator lets it in."""
        raw, client, co = RETURNING, "", False
        if knock_ct is not None:
            with contextlib.suppress(CryptoError):
                knock = open_knock(self.identity, member, knock_ct)
                # A co-facilitator: its own client says so, and the relay treats it as one.
                raw, client, co = knock.name, knock.client, knock.role == "cofacilitator" and co_at_relay
        name = self._name_for(member, raw)
        self.waiting[member] = {"name": name, "agreed": True, "returning": True, "co": co}
        self.emit(ev.Knock(member, name, client, safety_code(member), returning=True, cofacilitator=co))

    def _name_for(self, member: bytes, raw: str) -> str:
        """A name as everyone will see it: normal, and told apart from the others
        in the room and from the facilitator's (client/display.py)."""
        others = [self.name, *(e["name"] for vk, e in self.waiting.items() if vk != member),
                  *(n for vk, n in self.seated.items() if vk != member)]
        return display.unique_name(raw, others)

    async def on_direct(self, frame: dict[str, Any]) -> None:
        sender = frame["from"]
        known = sender in self.waiting or sender in self.seated or sender in self._need_verifier().trust
        if not known:
            # Only people who knocked can write to us; anything else is the relay's.
            raise CryptoError("not_in_roster", "a private message from someone unknown")
        try:
            await super().on_direct(frame)
        except CryptoError as exc:
            if exc.reason == "facilitator_only" and self.waiting.get(sender, {}).get("co"):
                return  # a co-facilitator's handover before we let it in again: it comes again then
            raise

    async def on_private(self, sender: bytes, body: Any) -> None:
        kind = body.kind
        if kind == "key_ok":
            await self._key_confirmed(sender, body)
            return  # bookkeeping between the clients, nothing to show
        if kind in BETWEEN_FACILITATORS and sender not in self._intro_epoch:
            await self._between_facilitators(sender, body)
            return
        returning = self.waiting.get(sender, {}).get("returning")
        # A call for help is taken at once, though it could be one from before the
        # restart replayed: a false alarm is better than a request kept from us.
        if (returning or sender in self._intro_epoch) and kind not in ("introduce", "help"):
            raise CryptoError("replayed", "sent before the console restarted")
        if kind == "agree" and sender in self.waiting:
            self.waiting[sender]["agreed"] = True
        elif kind == "introduce":
            # Only as the answer to a key with intro, once: any other rename is refused.
            if sender not in self.seated or self._intro_epoch.get(sender) != body.epoch:
                raise CryptoError("unexpected_rename", body.name)
            del self._intro_epoch[sender]
            body = {**body, "name": self._name_for(sender, body.name)}
            self.seated[sender] = body["name"]
            await self._send_roster()
        await super().on_private(sender, body)
        if kind in ("agree", "help"):
            await self._tell_of_waiting(sender, kind)

    async def _key_confirmed(self, member: bytes, body: Any) -> None:
        """A member holds the key of ``body.epoch``: count it, and answer with the
        current epoch (their proof that their key is still the current one)."""
        if member not in self.seated or member not in self._keyed or member in self._intro_epoch:
            return  # not keyed by this run of the console yet (it restarted): its key comes
        keys = self._need_verifier().keys
        self.confirmed[member] = max(body.epoch, self.confirmed.get(member, -1))
        await self._send_direct(member, "key_current", epoch=keys.epoch, asked=body.n)
        if body.epoch < keys.epoch and member in self.online and keys.current is not None:
            await self._send_direct(member, "key", epoch=keys.epoch, key=keys.current)

    async def _keys_missed(self, member: bytes) -> None:
        """Keys a returning member was due while away (it kept its seat, so it was
        in those rosters): what was said meanwhile, replayed to it, opens."""
        if member not in self._keyed or member in self._intro_epoch:
            return  # not keyed by this run of the console: the rekey brings its key
        for epoch, key in self._need_verifier().keys.held_after(self.confirmed.get(member, -1)):
            with contextlib.suppress(SessionError, CryptoError):
                await self._send_direct(member, "key", epoch=epoch, key=key)

    # --- controls ------------------------------------------------------------------------------
    async def admit(self, member: bytes) -> None:
        entry = self.waiting.get(member)
        if entry is None:
            raise SessionError("That person is no longer in the waiting room.")
        if not entry["agreed"]:
            raise SessionError(f"{entry['name']} has not accepted the group agreement yet.")
        if entry.get("returning") and not entry.get("co"):
            self._co_first()
        if entry.get("returning"):
            # Still seated at the relay: give them the key and ask their name.
            self._needs_intro.add(member)
        else:
            await self._send(protocol.frame("admit", member=member))
        if entry.get("co") and self.is_lead:
            if not entry.get("returning"):  # (one coming back is still one at the relay)
                await self._send(protocol.frame("promote", member=member))
            verifier = self._need_verifier()
            self.cos[member] = delegation = sign_delegation(self.identity, verifier.room, member)
            verifier.trust.learn(member, delegation)
            self._co_link_done(member, seated=True)
        del self.waiting[member]
        self.seated[member] = entry["name"]
        self.online.add(member)
        self._seen_seated.add(member)
        if not entry.get("co"):
            await self._tell_others("did", action="admit", member=member, name=entry["name"])
        self._rekey_soon()  # admitting several back to back costs one rekey

    async def deny(self, member: bytes) -> None:
        await self._send(protocol.frame("deny", member=member))
        self._co_link_done(member, seated=False)
        self.waiting.pop(member, None)
        await self._tell_others("did", action="deny", member=member)

    async def hold(self, member: bytes) -> None:
        name = self.seated.get(member)
        if name is None or member in self.cos:
            raise SessionError("That person is not in the group right now.")
        await self._send(protocol.frame("hold", member=member))
        self.seated.pop(member, None)  # (the relay's knock for them may have come first)
        self.waiting[member] = {"name": name, "agreed": True}
        await self._tell_others("did", action="hold", member=member)
        await self._rekey()

    async def remove(self, member: bytes, ban_seconds: int | None = None) -> None:
        await self._send(protocol.frame("remove", member=member, ban=ban_seconds))
        self.waiting.pop(member, None)
        self.online.discard(member)
        self._co_link_done(member, seated=False)
        if self.cos.pop(member, None) is not None:  # the lead's new roster leaves them out
            self._need_verifier().trust.revoke(member)
        seated = self.seated.pop(member, None) is not None
        await self._tell_others("did", action="remove", member=member)
        if seated:
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
            self._rekey_task = self.spawn(self._rekey_after_burst())

    async def _rekey_after_burst(self) -> None:
        # Presence frames come in bursts (a reconnect announces everyone); wait for
        # the burst to pass so it costs one rekey, not one per member.
        await asyncio.sleep(0.05)
        with contextlib.suppress(SessionError):
            await self._rekey()

    async def _rekey(self) -> None:
        """New random key, epoch + 1, a key to each seated member, then the roster.
        Only the keyholder does (client/cofacilitation.py)."""
        if not self.is_keyholder:
            return
        async with self._rekey_lock:
            verifier = self._need_verifier()
            # The first epoch comes from the clock (ms) so a restarted console,
            # which remembers nothing, still offers keys above the old ones.
            current = verifier.keys.epoch
            epoch = current + 1 if current >= 0 else int(time.time() * 1000)
            key = new_epoch_key()
            verifier.keys.install(epoch, key, self.clock())
            verifier.set_roster(epoch, {self.identity.vk, *self.seated, *verifier.trust.facilitators})
            for member in list(self.seated):
                if reachable(self, member):
                    intro = True if member in self._needs_intro else None
                    since = self._need_sealer().base if intro else None
                    with contextlib.suppress(SessionError, CryptoError):
                        await self._send_direct(member, "key", epoch=epoch, key=key, intro=intro,
                                                since=since)
                        self._keyed.add(member)
                        if intro:
                            self._needs_intro.discard(member)
                            self._intro_epoch[member] = epoch
            await self._send_roster()
        if self._confirm_task is not None:
            self._confirm_task.cancel()
        self._confirm_task = self.spawn(self._watch_confirmations(epoch))

    def unconfirmed(self, epoch: int) -> tuple[bytes, ...]:
        """Seated members online who have not confirmed holding ``epoch``'s key."""
        return tuple(m for m in self.seated if m in self.online and self.confirmed.get(m, -1) < epoch)

    async def _watch_confirmations(self, epoch: int) -> None:
        """Tell the console who has not confirmed the new key within a few
        seconds, and send it to them again; say so when they all have."""
        keys = self._need_verifier().keys
        reported = False
        for _ in range(CONFIRM_TRIES):
            await asyncio.sleep(self.confirm_after)
            if keys.epoch != epoch or keys.current is None:
                return  # a newer key has its own watch
            missing = self.unconfirmed(epoch)
            if reported or missing:
                self.emit(ev.KeysUnconfirmed(epoch, missing))
                reported = True
            if not missing:
                return
            for member in missing:
                with contextlib.suppress(SessionError, CryptoError):
                    await self._send_direct(member, "key", epoch=epoch, key=keys.current)

    async def _send_roster(self) -> None:
        members = self._roster_entries()
        await self._send_group("roster", members=members)
        epoch = self.verifier.keys.epoch
        self.emit(ev.RosterChanged(epoch, tuple((m["vk"], m["name"], m["role"]) for m in members)))
