"""A co-facilitator's session (docs/PROTOCOL.md "Co-facilitators").

It joins with the lead's co-facilitator link like a member, knocking as
``role: cofacilitator``; once the lead lets it in and promotes it, it gets the
group key from the lead and acts as a facilitator: it hears knocks and
presence, members write to it too, it can admit, hold and remove (telling the
other facilitators with ``did``), and it holds the keys while the lead is away
(client/cofacilitation.py: the keyholder rule). A lead that comes back gets a
``handover`` and takes the keys again.
"""

from __future__ import annotations

from typing import Any

from holdspace.client import display
from holdspace.client import events as ev
from holdspace.client.crypto import seal_knock
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity, safety_code
from holdspace.client.invites import InviteLink
from holdspace.client.session import CLIENT_NAME, Session
from holdspace.relay import protocol

NAME_UNKNOWN = "Waiting member"  # knocks are sealed to the lead: the name comes with hello
# What members send only to facilitators, or facilitators to members: nothing for us.
MEMBERS_ONLY = frozenset({"key_current", "agreement", "resources", "check_in", "consent_request"})


class CoFacilitatorSession(FacilitatorSession):
    """The same facilitator methods as the lead's session (admit, deny, hold,
    remove, notice, give_floor, private, check_in, send_direct, close_room...)."""

    def __init__(self, link: InviteLink, identity: Identity, name: str, *,
                 client: str = CLIENT_NAME, **kwargs: Any) -> None:
        super().__init__(link.relay_url, identity, room=link.room, name=name, **kwargs)
        self.link = link
        self.client = client
        self.facilitator_vk = link.facilitator_vk  # the lead: pinned by the link
        self._set_room(link.room)  # so our verifier trusts the lead, not ourselves
        self.lead_here = False
        self.lead_name = "Facilitator"
        self.promoted = False
        self._away: set[bytes] = set()  # seated parties the relay says are offline
        self._held_room = False  # we made keys while the lead was away: hand them over
        self._hello_names: dict[bytes, str] = {}
        self._roster_epoch = -1  # of the newest roster we follow
        self._briefing: ev.Briefed | None = None  # until the lead's first roster seats whom it names
        self._lead_agreed: set[bytes] = set()  # the lead's word, for a knock not here yet

    def _hello(self, nonce: bytes) -> bytes:
        return protocol.frame(
            "join", vk=self.identity.vk, sig=self.identity.answer_challenge(nonce),
            room=self.link.room, invite=self.link.secret,
            knock=seal_knock(self.identity, self.lead, self.name, self.client, "cofacilitator"),
            resume=self.last_seq if self.promoted else None, v=protocol.VERSION)

    # --- becoming one --------------------------------------------------------------------
    async def on_ready(self, frame: dict[str, Any]) -> None:
        await Session.on_ready(self, frame)  # not the lead's: no keys or invites of ours yet
        if frame["role"] == "cofacilitator":
            self._promote()
            await self._lead_is(self.lead in (frame.get("here") or ()))

    async def on_admitted(self, frame: dict[str, Any]) -> None:
        self.role = "member"
        self.last_seq = max(self.last_seq, frame["seq"])

    async def on_promoted(self, frame: dict[str, Any]) -> None:
        self._promote()
        await self._lead_is(True)  # the lead just promoted us

    def _promote(self) -> None:
        self.role = "cofacilitator"
        if not self.promoted:
            self.promoted = True
            self.emit(ev.Promoted())

    async def on_held(self, frame: dict[str, Any]) -> None:
        self.emit(ev.Held())

    async def on_facilitator(self, frame: dict[str, Any]) -> None:
        """Meant for members; we follow the lead's presence instead."""

    # --- the lead and the other co-facilitators --------------------------------------------
    async def _lead_is(self, present: bool) -> None:
        if present == self.lead_here:
            return
        was_keyholder = self.is_keyholder
        self.lead_here = present
        self.emit(ev.LeadPresence(present, left=self._went(self.lead, present)))
        if present and self._held_room:
            # A lead that only reconnected knows us: it takes the room back now.
            # One that restarted takes this once it has let us in (_take_key).
            await self._hand_over()
        if self.is_keyholder and not was_keyholder:
            await self._take_over()

    async def _take_over(self) -> None:
        """The lead is gone and we hold the keys: a key of ours for everyone (so
        members can prove it current with us), and the agreement to whoever waits."""
        await self._rekey()
        for member, entry in list(self.waiting.items()):
            # One who agreed with the lead alone gets it too: with it comes our
            # delegation (their client answers for them), so they can write to us.
            if not entry["agreed"] or entry.get("from_lead"):
                await self._send_agreement(member)

    async def on_presence(self, frame: dict[str, Any]) -> None:
        member, state, role = frame["member"], frame["state"], frame.get("role")
        if member == self.lead:
            if role == "facilitator":
                await self._lead_is(state == "online")
            return
        (self._away.discard if state == "online" else self._away.add)(member)
        if role == "cofacilitator" and member != self.identity.vk:
            was_keyholder = self.is_keyholder
            (self.online.add if state == "online" else self.online.discard)(member)
            self.emit(self._facilitator_presence(member, state == "online"))
            if self.is_keyholder and not was_keyholder:
                await self._take_over()
            return
        await super().on_presence(frame)

    # --- knocks: sealed to the lead; the name comes with hello -----------------------------
    async def on_knock(self, frame: dict[str, Any]) -> None:
        member = frame["member"]
        if member in self.seated:
            return  # the relay forgot them (it restarted); the lead seats them again
        raw = self._hello_names.get(member, NAME_UNKNOWN)
        entry = self.waiting.setdefault(member, {"name": self._name_for(member, raw), "agreed": False})
        entry["invite"] = frame.get("invite") or b""
        self._show_knock(member)
        if member in self._lead_agreed:  # the lead's briefing came before this knock
            self._lead_agreed.discard(member)
            entry["agreed"] = entry["from_lead"] = True
            self.emit(ev.Briefed((member,), ()))
        if self.is_keyholder and not entry["agreed"]:
            await self._send_agreement(member)

    def _show_knock(self, member: bytes) -> None:
        entry = self.waiting[member]
        self.emit(ev.Knock(member, entry["name"], "", safety_code(member), invite=entry.get("invite", b"")))

    def _hello_from(self, member: bytes, raw: str) -> None:
        self._hello_names[member] = raw
        if member in self.waiting:
            self.waiting[member]["name"] = self._name_for(member, raw)
            self._show_knock(member)  # now with the name they gave

    def _briefed(self, body: Any) -> None:
        """The lead let us in and said, sealed, who waits (named as its console
        names them, and whether they accepted the agreement) and what is open."""
        agreed = []
        for waiting in body.waiting:
            if waiting.vk in self.seated:
                continue
            self._hello_from(waiting.vk, waiting.name)
            entry = self.waiting.get(waiting.vk)
            if entry is not None and waiting.agreed:
                # (the lead's word: they have not said so to us, nor may trust us yet)
                entry["agreed"] = entry["from_lead"] = True
                agreed.append(waiting.vk)
            elif waiting.agreed:
                self._lead_agreed.add(waiting.vk)  # its knock is still on its way to us
        # Added to any briefing not shown yet: a one-member word (a waiting member's
        # agree passed on) must not replace the lead's first, with its open items.
        kept = self._briefing or ev.Briefed((), ())
        self._briefing = ev.Briefed(kept.agreed + tuple(agreed),
                                    kept.items + tuple((i.member, i.item, i.ago) for i in body.open))
        if self._roster_epoch >= 0:
            self._emit_briefing()

    def _emit_briefing(self) -> None:
        if self._briefing is not None:
            self.emit(self._briefing)
            self._briefing = None

    # --- private messages ------------------------------------------------------------------
    async def on_private(self, sender: bytes, body: Any) -> None:
        kind = body.kind
        if kind == "key":
            await self._take_key(sender, body)
        elif kind == "agreement" and sender == self.lead:
            # The lead's own words, for us to give members while it is away, and
            # the group's name, sealed by the lead (not the relay's word), for our console.
            self.agreement, self.resources = body.text, body.resources
            self.group_name = display.clean(body.group or "") or self.group_name
        elif kind == "hello":
            self._hello_from(sender, body.name)
        elif kind not in MEMBERS_ONLY:
            await super().on_private(sender, body)

    async def _take_key(self, sender: bytes, body: Any) -> None:
        """A key from the lead (or the co-facilitator holding the keys)."""
        keys = self._need_verifier().keys
        if body.epoch != keys.epoch or body.key != keys.current:
            # A restarted lead let us in again: once it has our introduce, it takes the room.
            handover = self._handover() if body.intro and self._held_room and sender == self.lead else None
            keys.install(body.epoch, body.key, self.clock())
            self._held_room = self._held_room and sender != self.lead
            if body.intro:
                self._need_verifier().restart_baseline(sender, body.since or 0)
                await self._send_direct(sender, "introduce", name=self.name, epoch=body.epoch)
            if handover:
                await self._send_direct(self.lead, "handover", **handover)
                self.emit(ev.HandedOver())
            self.emit(ev.KeyChanged(body.epoch))
            self._retry_pending()
        await self._send_direct(sender, "key_ok", epoch=keys.epoch)

    def _handover(self) -> dict[str, Any] | None:
        """Who is seated and our key, for a lead taking the room back."""
        keys = self._need_verifier().keys
        if keys.current is None:
            return None
        members = [{"vk": vk, "name": name, "role": "cofacilitator" if vk in self.cos else "member"}
                   for vk, name in self.seated.items()]
        return {"epoch": keys.epoch, "key": keys.current, "members": members}

    async def _hand_over(self) -> None:
        if handover := self._handover():
            await self._send_direct(self.lead, "handover", **handover)
            self.emit(ev.HandedOver())

    # --- rosters: who is seated, as the keyholder says ---------------------------------------
    def on_group_message(self, sender: bytes, body: Any, seq: int) -> None:
        if body.kind == "roster" and sender != self.identity.vk and body.epoch >= self._roster_epoch:
            self._roster_epoch = body.epoch  # (one that waited for its key may come after a newer one)
            self._follow_roster(sender, body)
        super().on_group_message(sender, body, seq)

    def _follow_roster(self, sender: bytes, body: Any) -> None:
        verifier = self._need_verifier()
        verifier.trust.apply_roster(sender, body.members)
        me = self.identity.vk
        cos = {m.vk: m.delegation for m in body.members if m.role == "cofacilitator" and m.delegation}
        if me in cos:
            self.cos = cos
            self._need_sealer().delegation = cos[me]
        before, self.seated = self.seated, {}
        for m in body.members:
            if m.role == "facilitator":
                self.lead_name = m.name
            elif m.vk == me:
                self.name = m.name  # as the lead named us, so our rosters say the same
            else:
                self.seated[m.vk] = m.name
                self.waiting.pop(m.vk, None)
        self.online = set()
        for vk in self.seated:
            if vk not in self._away:
                if vk in before:
                    self.online.add(vk)
                else:
                    self._seated_elsewhere(vk)
        verifier.set_roster(body.epoch, {m.vk for m in body.members})
        self.emit(ev.RosterChanged(body.epoch, tuple((m.vk, m.name, m.role) for m in body.members)))
        self._emit_briefing()  # its items are about people seated now

    async def _rekey(self) -> None:
        if self.is_keyholder:
            self._held_room = True
        await super()._rekey()
