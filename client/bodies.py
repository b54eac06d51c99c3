"""End-to-end message bodies (inside the ciphertext; the relay never sees them),
as msgspec Structs: one class per kind, decoded and checked in one step.

Every body carries ``k`` (kind, the msgspec tag), ``room``, ``n`` (the sender's
counter) and ``ts`` (the sender's clock, whole seconds); group bodies add
``epoch`` and direct bodies ``to``. Binding these into what is signed or boxed
means one kind of frame can never be accepted as another, in another room,
epoch, or for another recipient.

The rules are the wire's: bool is not an integer, nil means absent, unknown
keys are ignored, byte fields have exact lengths, texts have limits, integers
are 0 <= i < 2**63. A body also reads like the dict it replaces (``body["text"]``,
``body.get("cw")``, ``"details" in body``, ``==`` a dict), so everything that
shows it reads a body, a roster entry or a knock the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal, Union

import msgspec
from msgspec import Meta, Struct

from holdspace.relay.protocol import MAX_INT, ROOM_LEN, VK_LEN

U63 = Annotated[int, Meta(ge=0, le=MAX_INT)]
Room = Annotated[bytes, Meta(min_length=ROOM_LEN, max_length=ROOM_LEN)]
Vk = Annotated[bytes, Meta(min_length=VK_LEN, max_length=VK_LEN)]
GroupKey = Annotated[bytes, Meta(min_length=32, max_length=32)]
Text = Annotated[str, Meta(max_length=8000)]
Note = Annotated[str, Meta(max_length=2000)]
Name = Annotated[str, Meta(max_length=64)]
Short = Annotated[str, Meta(max_length=200)]
Detail = Annotated[str, Meta(max_length=500)]
# The lead's signature naming a co-facilitator (client/crypto.py sign_delegation).
Delegation = Annotated[bytes, Meta(min_length=64, max_length=64)]

ROSTER_ROLES = ("facilitator", "cofacilitator", "member")
# What the attention panel's items are, and how far a facilitator has got with one.
HANDLING_ITEMS = ("help", "trigger", "step_out", "check_in", "private", "risk", "safeguarding")
HANDLING_STATES = ("ack", "taking", "done")
CHECK_IN_STATUSES = ("ok", "soon", "support")
CONSENT_ANSWERS = ("yes", "no")
DETAIL_FIELDS = ("where", "contact")  # where the member is; whom to contact
DETAIL_LABELS = {"where": "Where you are", "contact": "Who to contact"}


class Fields(Struct, omit_defaults=True, gc=False):
    """A Struct that reads like the dict of its present fields (None is absent)."""

    kind: ClassVar[str | None] = None  # the tag ``k`` of a body; None for parts

    def __getitem__(self, name: str) -> Any:
        if name == "k" and self.kind is not None:
            return self.kind
        if name in self.__struct_fields__:
            value = getattr(self, name)
            if value is not None:
                return value
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def keys(self) -> list[str]:
        present = [f for f in self.__struct_fields__ if getattr(self, f) is not None]
        return ["k", *present] if self.kind is not None else present

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def as_dict(self) -> dict[str, Any]:
        return {name: self[name] for name in self.keys()}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fields):
            return type(self) is type(other) and self.as_dict() == other.as_dict()
        if isinstance(other, dict):
            return self.as_dict() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared like a dict, so not hashable


# --- parts of bodies -------------------------------------------------------------


class RosterEntry(Fields):
    vk: Vk
    name: Name
    role: Literal["facilitator", "cofacilitator", "member"]
    delegation: Delegation | None = None  # required with cofacilitator (client/trust.py checks)


class CoFacilitator(Fields):
    """agreement.cofacilitators: whom a waiting member may also write to."""

    vk: Vk
    delegation: Delegation


class Seat(Fields):
    """handover.members: who is seated, as the co-facilitator that held the room saw it."""

    vk: Vk
    name: Name
    role: Literal["facilitator", "cofacilitator", "member"]


class Waiting(Fields):
    """briefing.waiting: someone in the waiting room, as the lead saw their knock."""

    vk: Vk
    name: Name
    agreed: bool


class OpenItem(Fields):
    """briefing.open: an item still open on the lead's panel, ``ago`` seconds old."""

    member: Vk
    item: Literal["help", "support", "trigger", "step_out", "hand"]
    ago: U63


class Details(Fields):
    """consent_reply.details: short texts the member chose to share."""

    where: Detail | None = None
    contact: Detail | None = None


class Knock(Fields):
    """Sealed in a join's ``knock`` (Box member -> facilitator)."""

    name: Name
    client: Annotated[str, Meta(max_length=64)]
    role: Literal["cofacilitator"] | None = None  # a co-facilitator's client knocking


class Body(Fields, tag_field="k"):
    """What every body carries; ``k`` is its kind."""

    room: Room
    n: U63
    ts: U63


# --- group bodies (signed, then sealed with the epoch key) ------------------------


class GroupBody(Body):
    epoch: U63


class Chat(GroupBody, tag="chat"):
    text: Text
    cw: Short | None = None


class Hand(GroupBody, tag="hand"):
    up: bool


Bye = msgspec.defstruct("Bye", [], bases=(GroupBody,), tag="bye")  # no fields of its own


class Roster(GroupBody, tag="roster"):
    members: Annotated[list[RosterEntry], Meta(max_length=256)]


class Floor(GroupBody, tag="floor"):
    to: Vk


class Notice(GroupBody, tag="notice"):
    text: Text


# --- direct bodies (Box sender -> recipient) ------------------------------------------


class _Addressed(Body):
    to: Vk


class DirectBody(_Addressed, kw_only=True):
    # Every direct from a co-facilitator carries the lead's delegation, so a
    # member who has not seen a roster yet (waiting) can still trust it.
    delegation: Delegation | None = None


class Key(DirectBody, tag="key"):
    epoch: U63
    key: GroupKey
    intro: bool | None = None
    # With intro (the console restarted): every counter of the facilitator's
    # new run is above this, so nothing it sealed before the restart is taken.
    since: U63 | None = None


class KeyOk(DirectBody, tag="key_ok"):
    """The member holds the key of ``epoch``; sent on every key and every
    HEARTBEAT_SECONDS, and answered by key_current."""

    epoch: U63


class KeyCurrent(DirectBody, tag="key_current"):
    """The facilitator's current epoch, in answer to the member's key_ok whose
    counter was ``asked``: proof, on the member's own clock, that its key is current."""

    epoch: U63
    asked: U63


class Private(DirectBody, tag="private"):
    text: Text


class _Noted(DirectBody):
    note: Note | None = None


Trigger = msgspec.defstruct("Trigger", [], bases=(_Noted,), tag="trigger")
StepOut = msgspec.defstruct("StepOut", [], bases=(_Noted,), tag="step_out")


Back = msgspec.defstruct("Back", [], bases=(DirectBody,), tag="back")  # no fields of its own


class CheckIn(DirectBody, tag="check_in"):
    text: Text


class CheckInReply(DirectBody, tag="check_in_reply"):
    status: Literal["ok", "soon", "support"]
    text: Note | None = None


Help = msgspec.defstruct("Help", [], bases=(DirectBody,), tag="help")  # no fields of its own


class Introduce(DirectBody, tag="introduce"):
    name: Name
    epoch: U63  # of the key with intro it answers: accepted once, only then


class Agreement(DirectBody, tag="agreement"):
    text: Text
    resources: Text
    cofacilitators: Annotated[list[CoFacilitator], Meta(max_length=2)] | None = None
    group: Name | None = None  # the group's name, for a co-facilitator's console only


Agree = msgspec.defstruct("Agree", [], bases=(DirectBody,), tag="agree")  # no fields of its own


# Safeguarding (docs/SAFEGUARDING.md): the member's client shows resources at
# once, asks the member plainly, and shares details only when they say yes.
class Resources(DirectBody, tag="resources"):
    text: Text


class ConsentRequest(DirectBody, tag="consent_request"):
    reason: Note
    contact: Short | None = None


class ConsentReply(DirectBody, tag="consent_reply"):
    answer: Literal["yes", "no"]
    details: Details | None = None


# Co-facilitators (docs/PROTOCOL.md "Co-facilitators").
class Hello(DirectBody, tag="hello"):
    """Member -> a co-facilitator it just trusted: knocks are sealed to the lead,
    so this is how a co-facilitator learns the member's name."""

    name: Name


class Handling(DirectBody, tag="handling"):
    """Between facilitators: who is handling an item of the attention panel."""

    member: Vk
    item: Literal["help", "trigger", "step_out", "check_in", "private", "risk", "safeguarding"]
    state: Literal["ack", "taking", "done"]


class Did(DirectBody, tag="did"):
    """Between facilitators: one acted on a member; the keyholder rekeys on it."""

    action: Literal["admit", "deny", "hold", "remove"]
    member: Vk
    name: Name | None = None


class Handover(DirectBody, tag="handover"):
    """Co-facilitator -> a lead who reclaimed the room: who is seated, and the key."""

    epoch: U63
    key: GroupKey
    members: Annotated[list[Seat], Meta(max_length=256)]


class Briefing(DirectBody, tag="briefing"):
    """Lead -> a co-facilitator it just let in: who waits (knocks are sealed to the
    lead) and what its panel holds open, so both consoles show the same."""

    waiting: Annotated[list[Waiting], Meta(max_length=64)]
    open: Annotated[list[OpenItem], Meta(max_length=256)]


# Between facilitators: its console is closing and leaving the session running
# (not a dropped connection), so the others can say it left.
Leaving = msgspec.defstruct("Leaving", [], bases=(DirectBody,), tag="leaving")  # no fields of its own


def _by_kind(*classes: type[Fields]) -> dict[str, type[Any]]:
    for cls in classes:
        cls.kind = cls.__struct_config__.tag  # type: ignore[assignment]
    return {cls.kind: cls for cls in classes}  # type: ignore[misc]


GROUP_KINDS = _by_kind(Chat, Hand, Bye, Roster, Floor, Notice)
DIRECT_KINDS = _by_kind(Key, KeyOk, KeyCurrent, Private, Trigger, StepOut, Back, CheckIn, CheckInReply, Help,
                        Introduce, Agreement, Agree, Resources, ConsentRequest, ConsentReply,
                        Hello, Handling, Did, Handover, Leaving, Briefing)
FACILITATOR_ONLY_GROUP = frozenset({"roster", "floor", "notice"})
# Kinds a member accepts only from a facilitator it trusts (the pinned lead or a
# delegated co-facilitator: all directs, in fact, members drop any other).
FACILITATOR_ONLY_DIRECT = frozenset({"key", "key_current", "check_in", "agreement",
                                     "resources", "consent_request"})
# Kinds only facilitators send each other (the lead and its co-facilitators).
BETWEEN_FACILITATORS = frozenset({"handling", "did", "handover", "leaving", "briefing"})
BRIEFING_ITEMS = ("help", "support", "trigger", "step_out", "hand")

_group = msgspec.msgpack.Decoder(Union[tuple(GROUP_KINDS.values())])  # noqa: UP007
_direct = msgspec.msgpack.Decoder(Union[tuple(DIRECT_KINDS.values())])  # noqa: UP007
_knock = msgspec.msgpack.Decoder(Knock)
encode = msgspec.msgpack.Encoder().encode

# Anything a decoder refuses: not msgpack, not a map, an unknown kind, a missing
# or mistyped field, a value out of range.
BodyError = msgspec.DecodeError

decode_group = _group.decode
decode_direct = _direct.decode
decode_knock = _knock.decode


def describe(details: Any) -> str:
    """Emergency details as the member (or facilitator) reads them."""
    lines = [f"{DETAIL_LABELS[k]}: {details[k]}" for k in DETAIL_FIELDS if details.get(k)]
    return "\n".join(lines) or "(no details)"
