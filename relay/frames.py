"""Every frame of protocol v1 as a msgspec Struct: the wire format's types.

One class per frame; the tag ``t`` names it on the wire. msgspec checks a
frame as it decodes it, with the protocol's rules: a bool is not an integer,
nil counts as absent only for optional fields, unknown keys are ignored, byte
fields have exact lengths where the protocol fixes one, integers are
0 <= n < 2**63. docs/PROTOCOL.md lists the same types field by field.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

VK_LEN = 32
SIG_LEN = 64
ROOM_LEN = 16
INVITE_LEN = 16
HASH_LEN = 32
NONCE_LEN = 32

MAX_INT = 2**63 - 1


def _bytes(size: int) -> object:
    return Annotated[bytes, Meta(min_length=size, max_length=size)]


Vk = _bytes(VK_LEN)
Sig = _bytes(SIG_LEN)
RoomId = _bytes(ROOM_LEN)
InviteSecret = _bytes(INVITE_LEN)
Hash = _bytes(HASH_LEN)
Nonce = _bytes(NONCE_LEN)
Blob = bytes  # ciphertext, knocks: bounded by the frame size limit
UInt = Annotated[int, Meta(ge=0, le=MAX_INT)]
Count = Annotated[int, Meta(ge=1, le=MAX_INT)]
Token = Annotated[str, Meta(max_length=256)]
Role = Literal["facilitator", "cofacilitator", "member", "lobby"]
FacilitatorRole = Literal["facilitator", "cofacilitator"]
PresenceState = Literal["online", "offline", "gone"]
ClosedReason = Literal["removed", "denied", "room_closed"]


class Frame(msgspec.Struct, tag_field="t", omit_defaults=True, frozen=True):
    """A frame; ``t`` is its tag. Optional fields default to None and are
    left out when encoded."""


# --- client -> relay ---------------------------------------------------------------


class Create(Frame, tag="create"):
    vk: Vk
    sig: Sig
    room: RoomId | None = None
    token: Token | None = None
    resume: UInt | None = None
    v: UInt | None = None


class Join(Frame, tag="join"):
    vk: Vk
    sig: Sig
    room: RoomId
    invite: InviteSecret
    knock: Blob
    resume: UInt | None = None
    v: UInt | None = None


class Invite(Frame, tag="invite"):
    hash: Hash
    uses: Count | None = None
    expires: Count | None = None  # seconds from now


class Revoke(Frame, tag="revoke"):
    hash: Hash


class Admit(Frame, tag="admit"):
    member: Vk


class Deny(Frame, tag="deny"):
    member: Vk


class Hold(Frame, tag="hold"):
    member: Vk


class Remove(Frame, tag="remove"):
    member: Vk
    ban: UInt | None = None  # seconds; absent: the room's lifetime


class Close(Frame, tag="close"):
    pass


class Promote(Frame, tag="promote"):
    """From the lead: this seated member becomes a co-facilitator."""

    member: Vk


class Group(Frame, tag="group"):
    epoch: UInt
    ct: Blob


class Direct(Frame, tag="direct"):
    to: Vk
    ct: Blob


CLIENT_TYPES = (Create, Join, Invite, Revoke, Admit, Deny, Hold, Remove, Close, Promote, Group, Direct)
ClientFrame = (Create | Join | Invite | Revoke | Admit | Deny | Hold | Remove | Close | Promote | Group
               | Direct)


# --- relay -> client ---------------------------------------------------------------


class Challenge(Frame, tag="challenge"):
    v: UInt
    nonce: Nonce


class Ready(Frame, tag="ready"):
    room: RoomId
    role: Role
    seq: UInt
    facilitator: bool | None = None  # to members: False when no facilitator is connected
    here: list[Vk] | None = None  # to members: the connected facilitator parties, lead first


class Knock(Frame, tag="knock"):
    member: Vk
    knock: Blob
    # The hash of the invite the member came in with (absent from older relays).
    invite: Hash | None = None


class Presence(Frame, tag="presence"):
    member: Vk
    state: PresenceState
    knock: Blob | None = None  # the member's own sealed knock, when the relay holds one
    role: FacilitatorRole | None = None  # of the lead or a co-facilitator; absent for members


class FacilitatorHere(Frame, tag="facilitator"):
    """To members: whether a facilitator party (lead or co-facilitator) is
    connected, and which, lead first; sent whenever that set changes."""

    present: bool
    here: list[Vk] | None = None


class Promoted(Frame, tag="promoted"):
    """To a party the lead promoted: it is now a co-facilitator."""


class Admitted(Frame, tag="admitted"):
    seq: UInt


class Held(Frame, tag="held"):
    pass


class Closed(Frame, tag="closed"):
    reason: ClosedReason


class Delivery(Frame, tag="group"):
    """A group frame as the relay sends it on: numbered, with its sender."""

    epoch: UInt
    ct: Blob
    seq: UInt
    sender: Vk = msgspec.field(name="from")


class Forwarded(Frame, tag="direct"):
    """A direct frame as the relay hands it to its recipient."""

    ct: Blob
    sender: Vk = msgspec.field(name="from")


class Error(Frame, tag="error"):
    code: Annotated[str, Meta(max_length=64)]
    msg: Annotated[str, Meta(max_length=1024)]


RELAY_TYPES = (Challenge, Ready, Knock, Presence, FacilitatorHere, Promoted, Admitted, Held, Closed,
               Delivery, Forwarded, Error)
RelayFrame = (Challenge | Ready | Knock | Presence | FacilitatorHere | Promoted | Admitted | Held | Closed
              | Delivery | Forwarded | Error)


def tag(frame_type: type[Frame]) -> str:
    """The ``t`` of a frame class."""
    return frame_type.__struct_config__.tag
