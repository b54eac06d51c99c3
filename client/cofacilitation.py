"""What the lead's session and a co-facilitator's share about facilitating
together (docs/PROTOCOL.md "Co-facilitators"): who holds the keys, telling the
other facilitators what one did or is handling, the roster with delegations,
and a lead taking the room back from a co-facilitator that held it.

A mixin of FacilitatorSession (client/facilitator_session.py): it uses the
session's ``seated``, ``waiting``, ``online``, ``cos`` and its senders.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from holdspace.client import events as ev
from holdspace.client.bodies import BRIEFING_ITEMS, HANDLING_ITEMS, HANDLING_STATES
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, invite_hash
from holdspace.client.invites import InviteLink
from holdspace.client.session import SessionError

CO_INVITE_SECONDS = 3600  # a co-facilitator link works once, within the hour
TELL_WAITING_EVERY = 30.0  # seconds: a waiting member's agree or help passed on to co-facilitators at most so often

if TYPE_CHECKING:
    from holdspace.client.facilitator_session import FacilitatorSession

    _Base = FacilitatorSession
else:
    _Base = object


class Cofacilitation(_Base):
    @classmethod
    def cofacilitator(cls, link: InviteLink, identity: Identity, name: str,
                      **kwargs: Any) -> FacilitatorSession:
        """A co-facilitator's session, joining with the lead's co-facilitator link
        (client/cofacilitator_session.py): ``FacilitatorSession.cofacilitator(...)``."""
        from holdspace.client.cofacilitator_session import CoFacilitatorSession
        return CoFacilitatorSession(link, identity, name, **kwargs)

    # --- who is who ----------------------------------------------------------------------
    @property
    def lead(self) -> bytes:
        """The lead's vk (pinned by the invite link; our own on the lead's side)."""
        return self.facilitator_vk

    @property
    def is_lead(self) -> bool:
        return self.identity.vk == self.facilitator_vk

    @property
    def is_keyholder(self) -> bool:
        """One console makes keys at a time: the lead while the relay reports it
        connected, else the connected co-facilitator with the smallest vk."""
        if self.is_lead:
            return True
        if self.role != "cofacilitator" or self.lead_here:
            return False
        connected = [vk for vk in self.cos if vk in self.online] + [self.identity.vk]
        return min(connected) == self.identity.vk

    def other_facilitators(self) -> list[bytes]:
        """The other facilitator parties connected now, the lead first."""
        others = [self.lead] if not self.is_lead and self.lead_here else []
        return others + [vk for vk in self.cos if vk != self.identity.vk and vk in self.online]

    def facilitator_name(self, vk: bytes) -> str:
        if vk == self.lead:
            return self.lead_name
        return self.seated.get(vk) or "Co-facilitator"

    def _roster_entries(self) -> list[dict[str, Any]]:
        """The lead first (even while away: it is still the lead), then ourselves
        if a co-facilitator, then everyone seated; co-facilitators with the
        lead's delegation."""
        entries = [{"vk": self.lead, "name": self.lead_name if not self.is_lead else self.name,
                    "role": "facilitator"}]
        if not self.is_lead:
            entries.append(self._entry(self.identity.vk, self.name))
        entries += [self._entry(vk, name) for vk, name in self.seated.items()]
        return entries

    def _entry(self, vk: bytes, name: str) -> dict[str, Any]:
        if vk in self.cos:
            return {"vk": vk, "name": name, "role": "cofacilitator", "delegation": self.cos[vk]}
        return {"vk": vk, "name": name, "role": "member"}

    def _seated_elsewhere(self, member: bytes) -> None:
        """Another facilitator seated this member: for our console as if it had
        come online in its seat (the console seats members on admit and presence)."""
        self.online.add(member)
        self.emit(ev.Presence(member, "online"))

    # --- becoming one ---------------------------------------------------------------
    async def create_co_invite(self) -> InviteLink:
        """A co-facilitator link: used once, within the hour; a knock that comes
        with it (its client saying so) is shown as a co-facilitator's."""
        if not self.is_lead:
            raise SessionError("Only the lead facilitator can add a co-facilitator.")
        link = await self.create_invite(uses=1, expires=CO_INVITE_SECONDS)
        self._co_invites.add(invite_hash(link.secret))
        return link

    async def _send_agreement(self, member: bytes) -> None:
        """The agreement, naming the co-facilitators so a waiting member can write
        to them; to one knocking as a co-facilitator, with the group's name too."""
        cos = [{"vk": vk, "delegation": d} for vk, d in self.cos.items()] or None
        co = self.is_lead and (member in self.cos or self.waiting.get(member, {}).get("co"))
        await self._send_direct(member, "agreement", text=self.agreement, resources=self.resources,
                                cofacilitators=cos, group=(self.group_name or None) if co else None)

    def _co_first(self) -> None:
        """After a restart, a co-facilitator waiting to be let in again comes first:
        our roster without them would make members stop trusting them for good,
        and their handover lets everyone else in at once."""
        for entry in self.waiting.values():
            if entry.get("returning") and entry.get("co"):
                raise SessionError(f"Let {entry['name']} (co-facilitator) in first, or remove them: "
                                   "they bring everyone else back with them.")

    # --- telling each other -----------------------------------------------------------
    async def _tell_others(self, kind: str, **fields: Any) -> None:
        for vk in self.other_facilitators():
            with contextlib.suppress(SessionError, CryptoError):
                await self._send_direct(vk, kind, **fields)

    async def tell_handling(self, member: bytes, item: str, state: str) -> None:
        """Tell the other facilitator(s) we acknowledged (``ack``), took (``taking``)
        or finished (``done``) an attention item (help, trigger, step_out,
        check_in, private, risk, safeguarding)."""
        if item not in HANDLING_ITEMS or state not in HANDLING_STATES:
            raise SessionError(f"Not an item the other facilitator can be told of: {item} {state}.")
        await self._tell_others("handling", member=member, item=item, state=state)

    async def brief(self, co: bytes, items: list[tuple[bytes, str, int]], *, again: bool = False) -> None:
        """Tell a co-facilitator just let in who waits (their knocks were sealed to
        us) and the items our panel holds open (member, item, seconds ago).
        ``again``: one back with its link (the relay seats it without a knock; it
        may have restarted): the agreement with the group's name first, as at its knock."""
        if again:
            await self._send_agreement(co)
        waiting = [{"vk": vk, "name": entry["name"], "agreed": bool(entry["agreed"])}
                   for vk, entry in self.waiting.items() if not entry.get("co")][:64]
        open_items = [{"member": vk, "item": item, "ago": max(0, int(ago))}
                      for vk, item, ago in items if item in BRIEFING_ITEMS][:256]
        await self._send_direct(co, "briefing", waiting=waiting, open=open_items)

    async def _tell_of_waiting(self, member: bytes, kind: str) -> None:
        """A waiting member agreed or asked for help: a co-facilitator let in after
        they knocked is not one they trust yet, so it heard neither: tell it."""
        entry = self.waiting.get(member)
        if not self.is_lead or not self.cos or entry is None or not entry["agreed"] or entry.get("co"):
            return
        # A waiting member sending it over and over costs the co-facilitators one word a while.
        if self.clock() - self._told_of.get((member, kind), -TELL_WAITING_EVERY) < TELL_WAITING_EVERY:
            return
        self._told_of[(member, kind)] = self.clock()
        items = [{"member": member, "item": "help", "ago": 0}] if kind == "help" else []
        await self._tell_others("briefing", waiting=[{"vk": member, "name": entry["name"], "agreed": True}],
                                open=items)

    def _briefed(self, body: Any) -> None:
        """The lead: a co-facilitator that held the room says what its panel holds
        open (who waits we know from our own knocks; a co-facilitator's session
        takes the rest: cofacilitator_session.py)."""
        self.emit(ev.Briefed((), tuple((i.member, i.item, i.ago) for i in body.open)))

    async def _between_facilitators(self, sender: bytes, body: Any) -> None:
        """handling, did, handover, leaving, briefing: only ever from a trusted facilitator
        (the verifier refused them from anyone else)."""
        if body.kind == "handling":
            self.emit(ev.Handling(body.member, body.item, body.state, self.facilitator_name(sender),
                                 sender))
        elif body.kind == "did":
            await self._apply_did(body)
            self.emit(ev.DirectMessage(sender, "did", body))
        elif body.kind == "handover":
            await self._take_handover(sender, body)
        elif body.kind == "leaving":
            self._leaving.add(sender)  # said when its connection goes (the relay's word on that)
        elif body.kind == "briefing" and (sender == self.lead) != self.is_lead:
            self._briefed(body)  # the lead's to a co-facilitator, or one's that held the room to the lead

    async def leave_running(self) -> None:
        """Quit this console, leaving the session running: the other facilitators
        are told, sealed, before the connection goes, so their consoles say we
        left rather than that our connection dropped (the relay cannot tell)."""
        await self._tell_others("leaving")
        await self.stop()

    def _went(self, vk: bytes, present: bool) -> bool:
        """Whether a facilitator whose connection came or went had said it was
        leaving; its word counts for this going only."""
        if present:
            self._leaving.discard(vk)
            return False
        return vk in self._leaving

    def _facilitator_presence(self, vk: bytes, present: bool) -> ev.CoFacilitatorPresence:
        return ev.CoFacilitatorPresence(vk, self.facilitator_name(vk), present, left=self._went(vk, present))

    async def _apply_did(self, body: Any) -> None:
        """Another facilitator acted on a member: follow in our view, and rekey
        if we hold the keys."""
        member, action = body.member, body.action
        if member in (self.identity.vk, self.lead):
            return  # nobody acts on a facilitator but the lead, with remove (the roster says)
        if action == "admit":
            entry = self.waiting.pop(member, None)
            # The name we saw (the lead opened its knock) before the one we are told.
            raw = entry["name"] if entry else body.name or "Member"
            self.seated[member] = self._name_for(member, raw)
            self._seated_elsewhere(member)
        elif action == "deny":
            self.waiting.pop(member, None)
        elif action == "hold":
            name = self.seated.pop(member, None)
            if name is not None:
                self.waiting[member] = {"name": name, "agreed": True}
        else:
            self.waiting.pop(member, None)
            self.online.discard(member)
            self.seated.pop(member, None)
            if self.cos.pop(member, None) is not None:
                self._need_verifier().trust.revoke(member)
        if action != "deny":
            self._rekey_soon()

    async def _take_handover(self, sender: bytes, body: Any) -> None:
        """A co-facilitator that held the room while we were gone says who is
        seated: they come back with a key with intro/since, without asking the
        lead to let each one in again (the co-facilitator vouched for them)."""
        if not self.is_lead or sender not in self.cos:
            return  # a restarted lead that has not let it in again: it sends it once let in
        keys = self._need_verifier().keys
        if body.epoch > keys.epoch:  # (we did not restart) our next key goes above theirs
            keys.install(body.epoch, body.key, self.clock())
        listed = {seat.vk: seat.name for seat in body.members if seat.role == "member"}
        # Removed or held while we were away: not in the handover, and not reported
        # seated (nor seated by us) since we came back.
        for vk in [vk for vk in self.seated if vk not in listed and vk not in self.cos
                   and vk not in self._seen_seated]:
            del self.seated[vk]
            self.online.discard(vk)
        for vk, name in listed.items():
            if vk in self.seated or vk == self.identity.vk:
                continue
            self.waiting.pop(vk, None)
            self.seated[vk] = self._name_for(vk, name)
            self._seated_elsewhere(vk)
            if vk not in self._keyed:  # new to this run: it learns our counter base, then its name
                self._needs_intro.add(vk)
        self._rekey_soon()
