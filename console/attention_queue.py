"""The attention queue: what needs the facilitator, most urgent first.

Items are raised and resolved by the session model (facilitator.py); the
facilitator acknowledges them. One panel ordered by urgency, not by arrival
(DESIGN.md, "The facilitator's attention"). Time is passed in, never read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from holdspace.client.display import clean
from holdspace.console.people import Participant, Place


class Kind(StrEnum):
    """What an attention item is about."""

    HELP = "help"
    SUPPORT = "support"  # a check-in answered "I need support"
    TRIGGER = "trigger"
    RISK = "risk"  # risk language spotted on this machine
    CONSENT = "consent"  # a member answered a safeguarding consent request
    CHECK_IN_DUE = "check_in_due"  # a step-out past the check-in time
    LEFT_WITHOUT_WORD = "left_without_word"
    OFFLINE = "offline"  # connection dropped a moment ago; may come back
    PRIVATE = "private"
    KNOCK = "knock"
    CO_KNOCK = "co_knock"  # a knock through a co-facilitator link (a knock's look, not stored)
    HAND = "hand"
    CHECK_IN_REPLY = "check_in_reply"  # "I'm okay" / "back soon"
    STEP_OUT = "step_out"  # within the check-in time: a running timer


# Most urgent first. Kinds sharing a tier are ordered by age, oldest first.
# Safeguarding (a call for help, a check-in answered "support", an answer to a
# consent request) is the top tier.
URGENCY: tuple[tuple[Kind, ...], ...] = (
    (Kind.HELP, Kind.SUPPORT, Kind.CONSENT),
    (Kind.TRIGGER,),
    (Kind.RISK,),
    (Kind.CHECK_IN_DUE,),
    (Kind.LEFT_WITHOUT_WORD,),
    (Kind.OFFLINE,),
    (Kind.PRIVATE,),
    (Kind.CO_KNOCK,),
    (Kind.KNOCK,),
    (Kind.HAND,),
    (Kind.CHECK_IN_REPLY,),
    (Kind.STEP_OUT,),
)
RANK: dict[Kind, int] = {kind: tier for tier, kinds in enumerate(URGENCY) for kind in kinds}

# Worth a terminal bell: someone may not be safe.
URGENT = frozenset(
    {Kind.HELP, Kind.SUPPORT, Kind.CONSENT, Kind.TRIGGER, Kind.RISK, Kind.CHECK_IN_DUE, Kind.LEFT_WITHOUT_WORD}
)

# A situation left waiting becomes more urgent: a step-out past the check-in
# time, a dropped connection that does not come back.
ESCALATES_TO = {Kind.STEP_OUT: Kind.CHECK_IN_DUE, Kind.OFFLINE: Kind.LEFT_WITHOUT_WORD}


@dataclass(frozen=True)
class AttentionItem:
    """One line of the attention panel, as it reads at a given moment."""

    id: int
    kind: Kind
    vk: bytes
    summary: str
    created: float
    rank: int
    urgent: bool


def _urgency(item: AttentionItem) -> tuple[int, float, int]:
    return item.rank, item.created, item.id


@dataclass
class StoredItem:
    """An attention item as stored; ``AttentionItem`` is how it reads at ``now``."""

    id: int
    kind: Kind
    vk: bytes
    created: float
    details: dict[str, str]
    escalate_at: float | None = None
    acknowledged_at: float | None = None
    resolved: bool = False
    announced: bool = False

    def kind_at(self, now: float) -> Kind:
        if self.escalate_at is not None and now >= self.escalate_at:
            return ESCALATES_TO[self.kind]
        return self.kind

    def is_open(self, now: float) -> bool:
        if self.resolved:
            return False
        if self.acknowledged_at is None:
            return True
        # Acknowledging a running timer must not hide it becoming overdue.
        return self.escalate_at is not None and self.acknowledged_at < self.escalate_at <= now


class AttentionQueue:
    """Raised, resolved and acknowledged items about the people of a session."""

    def __init__(self, people: Mapping[bytes, Participant]) -> None:
        self.people = people
        self._items: dict[int, StoredItem] = {}
        # The items not yet resolved, which is all the panel ever looks at: a
        # long session raises thousands of items (every hand), nearly all done.
        self._unresolved: dict[int, StoredItem] = {}

    def items(self, now: float) -> list[AttentionItem]:
        """What still needs doing: by urgency, then oldest first."""
        items = [self._view(item, now) for item in self._unresolved.values() if item.is_open(now)]
        return sorted(items, key=_urgency)

    def acknowledge(self, item_id: int, now: float) -> bool:
        """Take an item off the panel. False if there is no such open item."""
        item = self._items.get(item_id)
        if item is None or not item.is_open(now):
            return False
        item.acknowledged_at = now
        return True

    def take_new_urgent(self, now: float) -> list[AttentionItem]:
        """Urgent items not announced yet, each returned once (ring the bell)."""
        # Looked for among the stored items: reading every item out (its words)
        # is what the panel does already, once per redraw.
        new = [item for item in self._unresolved.values()
               if not item.announced and item.kind_at(now) in URGENT and item.is_open(now)]
        for item in new:
            item.announced = True
        return sorted((self._view(item, now) for item in new), key=_urgency)

    def raise_(self, kind: Kind, vk: bytes, now: float, *,
               escalate_at: float | None = None, **details: str) -> StoredItem:
        for item in self._unresolved.values():
            # The same thing again while it is still on the panel: nothing new to show.
            if (item.kind, item.vk, item.details) == (kind, vk, details) \
                    and item.acknowledged_at is None:
                return item
        item = StoredItem(len(self._items) + 1, kind, vk, now, details, escalate_at)
        self._items[item.id] = self._unresolved[item.id] = item
        return item

    def open_items(self, vk: bytes, *kinds: Kind) -> Iterator[StoredItem]:
        return (i for i in self._unresolved.values() if i.vk == vk and i.kind in kinds)

    def resolve(self, vk: bytes, *kinds: Kind) -> None:
        """The situation ended (hand lowered, member back...): the items go."""
        for item in list(self.open_items(vk, *kinds)):
            item.resolved = True
            del self._unresolved[item.id]

    def _view(self, item: StoredItem, now: float) -> AttentionItem:
        kind = item.kind_at(now)
        if kind is Kind.KNOCK and item.details.get("co"):
            # Stored as a knock, so that everything that ends a knock ends it too.
            kind = Kind.CO_KNOCK
        p = self.people[item.vk]
        summary = clean(_summary(kind, item, p, now) + _gone(kind, p))
        return AttentionItem(item.id, kind, item.vk, summary, item.created, RANK[kind], kind in URGENT)


# --- plain, kind words for a volunteer under stress -----------------------------

_REPLIES = {
    "ok": "answered your check-in: doing okay",
    "soon": "answered your check-in: back soon",
    "support": "asked for support now",
}


def _ago(seconds: float) -> str:
    return "just now" if seconds < 60 else f"{int(seconds // 60)} min ago"


def _span(seconds: float) -> str:
    return "under a minute" if seconds < 60 else f"{int(seconds // 60)} min"


def _with_note(text: str, note: str | None) -> str:
    return f"{text}: {note}" if note else text


def _gone(kind: Kind, p: Participant) -> str:
    """Said after an item whose person is no longer here: no key acts on them."""
    if p.place is not Place.GONE or kind is Kind.LEFT_WITHOUT_WORD:
        return ""
    return f" — {p.label} was removed" if p.removed else f" — {p.label} has left"


def _step_out_text(p: Participant, item: StoredItem, now: float) -> str:
    since = p.stepped_out_since if p.stepped_out_since is not None else item.created
    text = _with_note(f"{p.label} stepped out {_ago(now - since)}", p.step_out_note)
    if p.last_check_in is not None and p.last_check_in >= since:
        text += f" — you checked in {_ago(now - p.last_check_in)}"
    return text


def _summary(kind: Kind, item: StoredItem, p: Participant, now: float) -> str:
    who, d = p.label, item.details
    match kind:
        case Kind.HELP if p.place in (Place.WAITING, Place.HELD):
            return f"{who} (waiting room) is asking for help now"
        case Kind.HELP:
            return f"{who} is asking for help now"
        case Kind.SUPPORT | Kind.CHECK_IN_REPLY:
            return _with_note(f"{who} {_REPLIES[d['status']]}", d["text"])
        case Kind.TRIGGER:
            return _with_note(f"{who} is finding this hard", d["note"])
        case Kind.RISK:
            label = d.get("label") or d["category"].replace("_", " ")
            matched = f"; matched \u201c{d['term']}\u201d" if d.get("term") else ""
            return (f"{who} wrote something that may need a safeguarding check "
                    f"({label}, {d['severity']}{matched}): \"{d['quote']}\"")
        case Kind.CONSENT:
            said = ("agreed to share their details — Enter to see them" if d["answer"] == "yes"
                    else "said no to sharing their details")
            return f"{who} {said}"
        case Kind.CHECK_IN_DUE:
            return _step_out_text(p, item, now) + " — check in now"
        case Kind.STEP_OUT:
            return _step_out_text(p, item, now)
        case Kind.LEFT_WITHOUT_WORD:
            went = "left" if p.place is Place.GONE else "went offline"
            return f"{who} {went} without saying goodbye"
        case Kind.OFFLINE:
            return f"{who} went offline {_ago(now - item.created)} — they may be reconnecting"
        case Kind.PRIVATE:
            return f"{who} sent you a private message: {d['text']}"
        case Kind.KNOCK if d.get("returning"):
            said = f" — {p.waiting_said}" if p.waiting_said else ""
            return (f"{who} was in the group before your console restarted — safety code "
                    f"{p.safety_code} — check the code, then a lets them back in{said}")
        case Kind.KNOCK:
            agreed = ("has accepted the group agreement" if p.agreed
                      else "has not accepted the group agreement yet")
            said = f" — {p.waiting_said}" if p.waiting_said else ""
            link = f" {d['link']}" if d.get("link") else ""
            flag = f" — note: {who} {d['flag']}" if d.get("flag") else ""
            return (f"{who} is waiting to join{link}{flag} — safety code {p.safety_code} — "
                    f"{agreed}{said}")
        case Kind.CO_KNOCK:
            return (f"{who} wants to join as your co-facilitator — safety code {p.safety_code} — "
                    "ask them to read it to you; a to decide")
        case Kind.HAND:
            return f"{who} raised a hand — waiting {_span(now - item.created)}"
