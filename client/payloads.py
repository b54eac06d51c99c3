"""End-to-end payload bodies (inside the ciphertext; the relay never sees them).

Every body carries ``k`` (kind), ``room``, ``n`` (sender's counter) and ``ts``
(sender's clock, seconds); group bodies add ``epoch`` and direct bodies ``to``.
Binding these into what is signed/boxed means one kind of frame can never be
accepted as another, in another room, epoch, or for another recipient.
"""

from __future__ import annotations

from typing import Any

from holdspace.relay.protocol import VK_LEN, Bin, Bool, Int, Opt, ProtocolError, Str, check_fields

TEXT = Str(max=8000)
NOTE = Opt(Str(max=2000))
NAME = Str(max=64)
KEY = Bin(32)

_GROUP_COMMON = {"room": Bin(16), "epoch": Int(), "n": Int(), "ts": Int()}
_DIRECT_COMMON = {"room": Bin(16), "to": Bin(VK_LEN), "n": Int(), "ts": Int()}

ROSTER_ROLES = ("facilitator", "member")
CHECK_IN_STATUSES = ("ok", "soon", "support")
CONSENT_ANSWERS = ("yes", "no")
DETAIL_FIELDS = ("where", "contact")  # where the member is; whom to contact
DETAIL_LABELS = {"where": "Where you are", "contact": "Who to contact"}


ROSTER_ENTRY = {"vk": Bin(VK_LEN), "name": NAME, "role": Str(choices=ROSTER_ROLES)}


class _RosterEntries:
    """roster.members: a list of {vk, name, role} maps."""

    def check(self, name: str, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or len(value) > 256:
            raise ProtocolError("bad_frame", f"{name} must be a list")
        return [check_fields(entry, ROSTER_ENTRY, "roster entry") for entry in value]


class _Details:
    """consent_reply.details: a map of optional short texts the member chose to share."""

    def check(self, name: str, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ProtocolError("bad_frame", f"{name} must be a map")
        field = Str(max=500)
        # Unknown keys are ignored, as everywhere in the protocol.
        return {k: field.check(f"{name}.{k}", value[k]) for k in DETAIL_FIELDS
                if value.get(k) is not None}


GROUP_KINDS: dict[str, dict[str, Any]] = {
    "chat": {"text": TEXT, "cw": Opt(Str(max=200))},
    "hand": {"up": Bool()},
    "bye": {},
    "roster": {"members": _RosterEntries()},
    "floor": {"to": Bin(VK_LEN)},
    "notice": {"text": TEXT},
}
FACILITATOR_ONLY_GROUP = frozenset({"roster", "floor", "notice"})

DIRECT_KINDS: dict[str, dict[str, Any]] = {
    "key": {"epoch": Int(), "key": KEY, "intro": Opt(Bool())},
    "private": {"text": TEXT},
    "trigger": {"note": NOTE},
    "step_out": {"note": NOTE},
    "back": {},
    "check_in": {"text": TEXT},
    "check_in_reply": {"status": Str(choices=CHECK_IN_STATUSES), "text": NOTE},
    "help": {},
    "introduce": {"name": NAME},
    "agreement": {"text": TEXT, "resources": TEXT},
    "agree": {},
    # Safeguarding (docs/SAFEGUARDING.md): the member's client shows resources at
    # once, asks the member plainly, and shares details only when they say yes.
    "resources": {"text": TEXT},
    "consent_request": {"reason": Str(max=2000), "contact": Opt(Str(max=200))},
    "consent_reply": {"answer": Str(choices=CONSENT_ANSWERS), "details": Opt(_Details())},
}
# Kinds a member accepts only from the facilitator (all directs, in fact: members
# drop any direct not from the pinned facilitator).
FACILITATOR_ONLY_DIRECT = frozenset({"key", "check_in", "agreement", "resources",
                                     "consent_request"})

KNOCK = {"name": NAME, "client": Str(max=64)}


def _with_common(kinds: dict[str, dict[str, Any]], common: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"k": Str(max=32), **common, **fields} for k, fields in kinds.items()}


_GROUP_SCHEMAS = _with_common(GROUP_KINDS, _GROUP_COMMON)
_DIRECT_SCHEMAS = _with_common(DIRECT_KINDS, _DIRECT_COMMON)


def _check_kind(raw: Any, schemas: dict[str, dict[str, Any]], what: str) -> dict[str, Any]:
    """A body is dispatched on its kind ``k`` the way a frame is on ``t``."""
    kind = raw.get("k") if isinstance(raw, dict) else None
    if not isinstance(kind, str) or kind not in schemas:
        raise ProtocolError("bad_frame", f"unknown {what} kind")
    return check_fields(raw, schemas[kind], what)


def check_group_body(raw: Any) -> dict[str, Any]:
    return _check_kind(raw, _GROUP_SCHEMAS, "message")


def check_direct_body(raw: Any) -> dict[str, Any]:
    return _check_kind(raw, _DIRECT_SCHEMAS, "private message")


def check_knock(raw: Any) -> dict[str, Any]:
    return check_fields(raw, KNOCK, "knock")


def describe(details: dict[str, str]) -> str:
    """Emergency details as the member (or facilitator) reads them."""
    lines = [f"{DETAIL_LABELS[k]}: {details[k]}" for k in DETAIL_FIELDS if details.get(k)]
    return "\n".join(lines) or "(no details)"
