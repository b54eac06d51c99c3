"""Typed events emitted by the client core (client/session.py and the
facilitator and member sessions built on it).

The UI, demo bots and tests consume these; none of them touch sockets or
crypto. Member identities are 32-byte verify keys (``vk``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Event:
    """Base class of everything a session reports."""


@dataclass(frozen=True)
class Connected(Event):
    """The relay accepted us. role: facilitator | member | lobby."""

    role: str
    room: bytes
    seq: int
    resumed: bool = False


@dataclass(frozen=True)
class ConnectionLost(Event):
    """The link to the relay dropped; the session retries after ``retry_in`` s."""

    reason: str
    retry_in: float


@dataclass(frozen=True)
class SessionEnded(Event):
    """The session is over for us. reason: denied | removed | room_closed |
    left | relay_refused | gave_up | closed."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class RelayError(Event):
    """The relay refused something we sent (a protocol error code)."""

    code: str
    msg: str


@dataclass(frozen=True)
class Rejected(Event):
    """A frame was refused by our own checks: it could not be decrypted or
    verified, or broke a rule (see crypto.Reject reasons)."""

    reason: str
    sender: bytes | None = None
    detail: str = ""


@dataclass(frozen=True)
class Gap(Event):
    """Messages from ``sender`` are missing: its counter jumped, or frames that
    waited for their key were dropped. ``private``: in its direct messages to us."""

    sender: bytes
    missing: int
    private: bool = False


# --- facilitator side ---------------------------------------------------------


@dataclass(frozen=True)
class Knock(Event):
    """Someone is in the waiting room. ``name`` is what they asked to be called."""

    member: bytes
    name: str
    client: str
    safety_code: str
    # Seated before a console restart (they accepted the agreement then); the
    # facilitator confirms them by safety code before they get a key again.
    returning: bool = False
    # The hash of the invite they came in with, as the relay reports it (b"": not said).
    invite: bytes = b""
    # Came with the lead's co-facilitator link, its own client asking to co-facilitate.
    cofacilitator: bool = False


@dataclass(frozen=True)
class Presence(Event):
    """A member's connection changed. state: online | offline | gone."""

    member: bytes
    state: str


@dataclass(frozen=True)
class RosterChanged(Event):
    """Who is seated changed and everyone has been given a new key."""

    epoch: int
    members: tuple[tuple[bytes, str, str], ...]  # (vk, name, role)


@dataclass(frozen=True)
class KeysUnconfirmed(Event):
    """These seated members have not confirmed holding the key of ``epoch`` a
    few seconds after it was sent (it is being sent again); empty: all have."""

    epoch: int
    members: tuple[bytes, ...]


# --- co-facilitators (docs/PROTOCOL.md "Co-facilitators") -----------------------


@dataclass(frozen=True)
class Promoted(Event):
    """Co-facilitator side: the lead let us in and made us a co-facilitator."""


@dataclass(frozen=True)
class LeadPresence(Event):
    """Co-facilitator side: the lead's connection went (``present`` False: we may
    now hold the keys) or came back. ``left``: it went after its own sealed
    ``leaving`` (its console quit, leaving the session running), not a drop."""

    present: bool
    left: bool = False


@dataclass(frozen=True)
class CoFacilitatorPresence(Event):
    """A co-facilitator's connection went or came back (``left``: as LeadPresence)."""

    vk: bytes
    name: str
    present: bool
    left: bool = False


@dataclass(frozen=True)
class Handling(Event):
    """The other facilitator ``by`` acknowledged, took or finished (``state``: ack,
    taking, done) an attention item (``item``) of ``member``."""

    member: bytes
    item: str
    state: str
    by: str
    sender: bytes = b""  # the facilitator's key: its marks go when it does


@dataclass(frozen=True)
class HandedOver(Event):
    """Co-facilitator side: we held the room and handed it back to the lead."""


@dataclass(frozen=True)
class Briefed(Event):
    """The lead, letting us (a co-facilitator) in, said who in the waiting room
    has accepted the agreement (``agreed``) and which items its panel holds open
    (``items``: member, item, seconds ago); or a co-facilitator that handed the
    room back to us (the lead) said which items its panel holds open."""

    agreed: tuple[bytes, ...]
    items: tuple[tuple[bytes, str, int], ...]


# --- member side -------------------------------------------------------------


@dataclass(frozen=True)
class AgreementOffered(Event):
    """The facilitator sent the group agreement; call ``agree()`` to accept."""

    text: str
    resources: str


@dataclass(frozen=True)
class Admitted(Event):
    """The facilitator let us in (their signed roster lists us, so this is not
    merely the relay's word)."""


@dataclass(frozen=True)
class NamedAs(Event):
    """The facilitator's roster names us otherwise than the name we chose
    (another member in the room has it): the group sees us as ``name``."""

    name: str


@dataclass(frozen=True)
class Held(Event):
    """The facilitator moved us back to the waiting room."""


@dataclass(frozen=True)
class ResourcesSent(Event):
    """The facilitator sent crisis resources privately: show them prominently."""

    text: str


@dataclass(frozen=True)
class ConsentRequested(Event):
    """The facilitator asks to share the member's emergency details with
    ``contact`` (may be empty). Answer with ``MemberSession.answer_consent``."""

    reason: str
    contact: str = ""


@dataclass(frozen=True)
class CutOff(Event):
    """For over a minute nothing has shown that our group key is still the
    current one (a relay may be holding back what the facilitator sends): we
    stop sending under it and reconnect."""


@dataclass(frozen=True)
class CoFacilitators(Event):
    """How many co-facilitators this member trusts changed: who reads what it sends privately."""

    count: int


@dataclass(frozen=True)
class FacilitatorPresence(Event):
    """Whether a facilitator is connected (the relay's word: it only ever changes
    what a member is told, never which keys or messages are trusted).
    ``seen``: this client had counted a facilitator present before in this
    session (else "dropped" and "back" would be untrue for the member)."""

    present: bool
    seen: bool = True


@dataclass(frozen=True)
class KeyChanged(Event):
    """We hold the key of a new epoch."""

    epoch: int


# --- messages (both sides) ----------------------------------------------------


@dataclass(frozen=True)
class GroupMessage(Event):
    """A verified group message. kind: chat | hand | bye | roster | floor | notice.
    ``body`` is the holdspace.client.bodies Struct of that kind (it reads like a map)."""

    sender: bytes
    kind: str
    body: dict[str, Any] = field(hash=False)
    seq: int = 0


@dataclass(frozen=True)
class DirectMessage(Event):
    """A verified private message to us (see holdspace.client.bodies.DIRECT_KINDS)."""

    sender: bytes
    kind: str
    body: dict[str, Any] = field(hash=False)
