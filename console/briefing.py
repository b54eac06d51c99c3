"""What a lead's console tells a co-facilitator it lets in, and how the
co-facilitator's console takes it (docs/PROTOCOL.md "Co-facilitators",
``briefing``): the items still open on the lead's panel, so both panels show
the same. Only that something is open and since when travels: a member's
words (a trigger's note, a private message) stay with whom they were sent to.
Plain Python: no screen, no network; time is passed in.
"""

from __future__ import annotations

from holdspace.console.attention_queue import Kind
from holdspace.console.facilitator import SessionModel
from holdspace.console.people import Place

# Items of the lead's panel a co-facilitator is told of, as the protocol names them.
BRIEFED: dict[Kind, str] = {
    Kind.HELP: "help", Kind.SUPPORT: "support", Kind.TRIGGER: "trigger",
    Kind.STEP_OUT: "step_out", Kind.CHECK_IN_DUE: "step_out", Kind.HAND: "hand",
}
TOLD_AS = {name: kind for kind, name in BRIEFED.items() if kind is not Kind.CHECK_IN_DUE}
SAME_MOMENT = 10.0  # seconds: the lead's word on an item and the member's own, for the same request
# What the co-facilitator's item says beside the kind: no member's words.
DETAILS: dict[Kind, dict[str, str]] = {Kind.SUPPORT: {"status": "support", "text": ""},
                                       Kind.TRIGGER: {"note": ""}}


def open_items(model: SessionModel, now: float) -> list[tuple[bytes, str, int]]:
    """The lead's open items to tell: member, item, seconds since it began."""
    told = []
    for item in model.attention(now):
        name = BRIEFED.get(item.kind)
        p = model.participants.get(item.vk)
        if name is None or p is None:
            continue
        since = p.stepped_out_since if name == "step_out" and p.stepped_out_since is not None else item.created
        told.append((item.vk, name, int(max(0.0, now - since))))
    return told


def _have(model: SessionModel, vk: bytes, kind: Kind, since: float) -> bool:
    """Whether this panel has that item already: open, or dealt with here since
    (the member may have sent it to us too, and we were quicker than the lead's word)."""
    return any(item.acknowledged_at is None or item.created >= since - SAME_MOMENT
               for item in model.queue.open_items(vk, kind))


def take_briefing(model: SessionModel, agreed: tuple[bytes, ...],
                  items: tuple[tuple[bytes, str, int], ...], now: float) -> None:
    """On a co-facilitator's console: the lead's word on who in the waiting room
    accepted the agreement, and its open items, each from when it began (an item
    of that kind this console already has open is not shown twice)."""
    for vk in agreed:
        p = model.participants.get(vk)
        if p is not None and p.place in (Place.WAITING, Place.HELD):
            p.agreed = True
    for vk, name, ago in items:
        p, kind, since = model.participants.get(vk), TOLD_AS.get(name), now - ago
        if p is None or p.place is Place.GONE or kind is None or _have(model, vk, kind, since):
            continue
        if kind is Kind.STEP_OUT:
            p.stepped_out_since = since
            model.queue.raise_(kind, vk, since, escalate_at=since + model.check_in_seconds)
        elif kind is not Kind.HAND:
            model.queue.raise_(kind, vk, since, **DETAILS.get(kind, {}))
        elif p.place is Place.SEATED and p.hand_since is None:
            p.hand_since = since
            model.queue.raise_(kind, vk, since)
