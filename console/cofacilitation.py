"""Two facilitators, as the console sees them (docs/PROTOCOL.md, "Co-facilitators").

Which console this is (the lead's or a co-facilitator's), the other
facilitators and whether the lead is connected, knocks that came through a
co-facilitator link, and who is handling which item of the attention panel.
Plain Python: no screen, no network; time is passed in.

A facilitator is a ``Participant`` whose ``role`` is not "member": the people
table marks them in a column of its own (no member's name can reach it), and
nothing member-only (the attention panel's risk scanning, counts, share of
voice) applies to them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from holdspace.client.display import clean
from holdspace.console.attention_queue import AttentionItem, Kind
from holdspace.console.people import MEMBER, Participant, Place

LEAD, CO = "facilitator", "cofacilitator"
ROLE_WORDS = {LEAD: "lead facilitator", CO: "co-facilitator"}

# What this console tells the other facilitator about an item of its panel
# (the protocol's `handling.item`); kinds that are not shared are not here.
ITEM_OF: dict[Kind, str] = {
    Kind.HELP: "help", Kind.SUPPORT: "check_in", Kind.CHECK_IN_REPLY: "check_in",
    Kind.CONSENT: "safeguarding", Kind.TRIGGER: "trigger", Kind.RISK: "risk",
    Kind.CHECK_IN_DUE: "step_out", Kind.STEP_OUT: "step_out", Kind.PRIVATE: "private",
}
# ... and which items of this panel a `handling` from the other one is about.
KINDS_OF: dict[str, frozenset[Kind]] = {
    "help": frozenset({Kind.HELP}),
    "trigger": frozenset({Kind.TRIGGER}),
    "step_out": frozenset({Kind.STEP_OUT, Kind.CHECK_IN_DUE}),
    # Checking in privately is how a facilitator answers someone finding it hard
    # or stepped out, so it covers those items too.
    "check_in": frozenset({Kind.SUPPORT, Kind.CHECK_IN_REPLY, Kind.CHECK_IN_DUE, Kind.TRIGGER,
                           Kind.STEP_OUT}),
    "private": frozenset({Kind.PRIVATE}),
    "risk": frozenset({Kind.RISK}),
    "safeguarding": frozenset({Kind.HELP, Kind.SUPPORT, Kind.CONSENT, Kind.RISK, Kind.TRIGGER}),
}
STATE_WORDS = {"ack": "is handling this", "taking": "is handling this", "done": "has dealt with this"}

LEAD_GONE = "The lead facilitator's connection dropped. You are keeping the room."
# Only after the lead's own sealed word that it is leaving (client/cofacilitation.py).
LEAD_LEFT = "{who} left the session. You are keeping the room."
LEAD_BACK = "The lead facilitator is back."
CO_LINK_TEXT = "Send this link to your co-facilitator only. It works once, for one hour."


@dataclass(frozen=True)
class Mark:
    """The other facilitator said they are handling items of this kind."""

    by: str  # "Jo (co-facilitator)"
    state: str  # ack | taking | done
    at: float
    vk: bytes = b""  # whose mark


class CoFacilitation:
    """What this console knows about facilitating with someone else."""

    def __init__(self, people: dict[bytes, Participant], role: str = LEAD) -> None:
        self.people = people  # the session model's participants (facilitators among them)
        self.role = role
        self.promoted = role == LEAD  # a co-facilitator waits until the lead lets them in
        self.lead_present = True
        # Knocks through a co-facilitator link (vk -> whether they come back to a
        # restarted lead, having been one before).
        self.co_knocks: dict[bytes, bool] = {}
        self.marks: dict[tuple[bytes, str], Mark] = {}

    @property
    def is_co(self) -> bool:
        return self.role == CO

    def header_words(self) -> str:
        """What the header says first: nothing on the lead's console."""
        if not self.is_co:
            return ""
        return ROLE_WORDS[CO] + ("" if self.lead_present else ", keeping the room")

    @property
    def shared(self) -> bool:
        """Whether there is another facilitator to keep informed."""
        return self.is_co or any(p.role != MEMBER for p in self.people.values())

    def others_here(self, me: bytes) -> list[str]:
        """The other facilitators connected now, as this screen names them."""
        return [self.label(p.vk) for p in self.people.values() if p.role != MEMBER and p.vk != me and p.online]

    # --- who is a facilitator -----------------------------------------------------------
    def is_facilitator(self, vk: bytes | None) -> bool:
        p = self.people.get(vk) if vk is not None else None
        return p is not None and p.role != MEMBER

    def vks(self, me: bytes, lead: bytes) -> tuple[bytes, ...]:
        """Every facilitator's key, the lead first: whose lines are marked ◆."""
        others = (p.vk for p in self.people.values() if p.role != MEMBER and p.vk != lead)
        return tuple(dict.fromkeys((lead, me, *others)))

    def label(self, who: bytes | str) -> str:
        """"Jo (co-facilitator)": how another facilitator, by key or by the name
        their session knows them by, is named on this screen."""
        facilitators = [p for p in self.people.values() if p.role != MEMBER]
        p = next((p for p in facilitators if who in (p.vk, p.name)), None)
        if p is not None:
            return f"{p.label} ({ROLE_WORDS[p.role]})"
        return f"{who} (facilitator)" if isinstance(who, str) and who else "The other facilitator"

    def facilitator(self, vk: bytes, name: str, role: str, present: bool, now: float) -> Participant:
        """Someone who facilitates with us: seated, marked, never a member."""
        p = self.people.get(vk)
        if p is None:
            p = self.people[vk] = Participant(vk, knocked_at=now)
        p.name = name or p.name or ("Lead facilitator" if role == LEAD else "Co-facilitator")
        p.role, p.place, p.online, p.agreed = role, Place.SEATED, present, True
        if p.joined_at is None:
            p.joined_at = now
        return p

    def lead(self, vk: bytes | None) -> Participant | None:
        p = self.people.get(vk) if vk is not None else None
        if p is None:
            p = next((q for q in self.people.values() if q.role == LEAD), None)
        return p

    def knocked(self, vk: bytes, co: bool, returning: bool = False) -> None:
        """Someone knocked: with a co-facilitator link (and coming back to a
        restarted lead, having been one), or not."""
        if co:
            self.co_knocks[vk] = returning
        else:
            self.co_knocks.pop(vk, None)
        if vk in self.people:
            self.people[vk].co_knock = co

    def forget_knock(self, vk: bytes) -> None:
        self.knocked(vk, False)

    def promoted_here(self, vk: bytes, now: float) -> None:
        """On the lead's console: the one let in through a co-facilitator knock."""
        self.forget_knock(vk)
        p = self.people.get(vk)
        self.facilitator(vk, p.name if p else "", CO, True, now)

    def lead_seen(self, present: bool, left: bool = False) -> str:
        """The lead's connection came or went (``left``: having said it was
        leaving); the line to show ("" if nothing changed)."""
        if present == self.lead_present:
            return ""
        self.lead_present = present
        lead = self.lead(None)
        if lead is not None:
            lead.online = present
        if present:
            return LEAD_BACK
        return LEAD_LEFT.format(who=self.label(lead.vk)) if left and lead is not None else LEAD_GONE

    def roster(self, members: tuple[tuple[bytes, str, str], ...], me: bytes, now: float) -> None:
        """A co-facilitator's console learns names from the lead's signed roster:
        knocks are sealed to the lead, so it may not have seen them."""
        listed = set()
        for vk, name, role in members:
            listed.add(vk)
            if vk == me:
                continue
            if role != MEMBER:
                self.facilitator(vk, name, role, role != LEAD or self.lead_present, now)
                continue
            p = self.people.get(vk)
            if p is None:
                p = self.people[vk] = Participant(vk, name=name, place=Place.SEATED, agreed=True,
                                                  joined_at=now, knocked_at=now)
            else:  # the keyholder names everyone seated, whatever we called them while they waited
                p.name = name
        for p in self.people.values():  # a facilitator the lead no longer lists
            if p.role == CO and p.vk not in listed:
                p.place = Place.GONE

    # --- shared attention -----------------------------------------------------------------
    def handled(self, member: bytes, item: str, state: str, by: bytes | str, now: float,
                vk: bytes = b"") -> None:
        if item in KINDS_OF and state in STATE_WORDS:
            self.marks[(member, item)] = Mark(clean(self.label(by)), state, now, vk)

    def release(self, vk: bytes) -> None:
        """A facilitator went (dropped or left): what they were handling is
        nobody's now. What they finished stays finished."""
        self.marks = {key: m for key, m in self.marks.items() if m.vk != vk or m.state == "done"}

    def mark(self, items: list[AttentionItem]) -> list[AttentionItem]:
        """The panel's items, each the other facilitator is handling saying so:
        still on the panel (nothing is lost if they are cut off), but marked."""
        if not self.marks:
            return items
        return [self._marked(item) for item in items]

    def _holds(self, mark: Mark) -> bool:
        """A mark of someone no longer here (removed, say) says nothing of now."""
        p = self.people.get(mark.vk)
        return mark.state == "done" or p is None or (p.online and p.place is not Place.GONE)

    def _marked(self, item: AttentionItem) -> AttentionItem:
        # Only a mark made since the item came: a new trigger is new work.
        marks = [m for (vk, name), m in self.marks.items()
                 if vk == item.vk and item.kind in KINDS_OF[name] and m.at >= item.created and self._holds(m)]
        if not marks:
            return item
        mark = max(marks, key=lambda m: m.at)
        return dataclasses.replace(item, summary=f"{item.summary} — {mark.by} {STATE_WORDS[mark.state]}")
