"""holdspace wire protocol v1: every frame that crosses a WebSocket.

This module is the contract. The relay and our clients both use it, and a
client written by someone else from docs/PROTOCOL.md must interoperate.

Transport
    WebSocket, binary messages only. Each message is one msgpack map
    (``use_bin_type``) with string keys; ``"t"`` names the frame type.
    Byte fields are msgpack bin. Unknown keys are ignored; an unknown ``t``,
    a text message, or a missing/mistyped field is ``bad_frame``.

Handshake (relay speaks first)
    relay  -> {t: challenge, v: 1, nonce: bin32}
    client -> {t: create, vk: bin32, sig: bin64, room?: bin16, token?: str,
               resume?: int}                                  (facilitator)
           or {t: join, vk: bin32, sig: bin64, room: bin16, invite: bin16,
               knock: bin, resume?: int}                      (member)
    sig = Ed25519 detached signature of b"holdspace/v1/auth" + nonce.
    A client may add v: 1; any other v is refused with ``version``.
    relay  -> {t: ready, room: bin16, role: facilitator|member|lobby, seq: int}

Facilitator controls (anyone else: ``forbidden``)
    {t: invite, hash: bin32, uses?: int, expires?: int seconds from now}
    {t: revoke, hash: bin32}
    {t: admit, member: bin32}   {t: deny, member: bin32}
    {t: hold, member: bin32}    {t: remove, member: bin32, ban?: int seconds}
    {t: close}
Relay -> member: {t: admitted, seq}, {t: held}, {t: closed, reason}
Relay -> facilitator: {t: knock, member, knock}, {t: presence, member, state}

Data
    client -> {t: group, epoch: int, ct: bin}
    relay  -> {t: group, epoch, ct, seq: int, from: bin32}   (to every seated
              party, the sender included)
    client -> {t: direct, to: bin32, ct: bin}
    relay  -> {t: direct, from: bin32, ct: bin}

Errors
    relay -> {t: error, code: str, msg: str}. Fatal errors are followed by a
    WebSocket close with the code in CLOSE_CODES; ``closed`` frames are
    followed by the code in CLOSED_CODES.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

VERSION = 1
AUTH_CONTEXT = b"holdspace/v1/auth"

VK_LEN = 32
SIG_LEN = 64
ROOM_LEN = 16
INVITE_LEN = 16
HASH_LEN = 32
NONCE_LEN = 32

MAX_INT = 2**63 - 1

ERROR_CODES = (
    "bad_frame",
    "bad_auth",
    "version",
    "no_room",
    "room_taken",
    "bad_invite",
    "banned",
    "forbidden",
    "not_seated",
    "room_full",
    "lobby_full",
    "rate_limited",
    "too_large",
    "internal",
)
# WebSocket close code that follows a fatal error: 4010 + position in the list.
CLOSE_CODES = {code: 4010 + i for i, code in enumerate(ERROR_CODES)}
# WebSocket close code that follows {t: closed, reason}.
CLOSED_CODES = {"removed": 4003, "denied": 4004, "room_closed": 4005}

ROLES = ("facilitator", "member", "lobby")
PRESENCE_STATES = ("online", "offline", "gone")
CLOSED_REASONS = tuple(CLOSED_CODES)


class ProtocolError(Exception):
    """Any input that is not a valid frame. ``code`` is a protocol error code."""

    def __init__(self, code: str, msg: str = "") -> None:
        if code not in CLOSE_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(msg or code)
        self.code = code
        self.msg = msg or code


# --- field types -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bin:
    """A msgpack bin field: exactly ``size`` bytes, or at most ``max`` bytes."""

    size: int | None = None
    max: int | None = None

    def check(self, name: str, value: Any) -> bytes:
        if not isinstance(value, bytes):
            raise ProtocolError("bad_frame", f"{name} must be bytes")
        if self.size is not None and len(value) != self.size:
            raise ProtocolError("bad_frame", f"{name} must be {self.size} bytes")
        if self.max is not None and len(value) > self.max:
            raise ProtocolError("bad_frame", f"{name} is longer than {self.max} bytes")
        return value


@dataclass(frozen=True, slots=True)
class Int:
    min: int = 0
    max: int = MAX_INT

    def check(self, name: str, value: Any) -> int:
        # bool is an int in Python; on the wire it is a different type.
        if not isinstance(value, int) or isinstance(value, bool):
            raise ProtocolError("bad_frame", f"{name} must be an integer")
        if not self.min <= value <= self.max:
            raise ProtocolError("bad_frame", f"{name} is out of range")
        return value


@dataclass(frozen=True, slots=True)
class Str:
    max: int = 4096
    choices: tuple[str, ...] | None = None

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ProtocolError("bad_frame", f"{name} must be a string")
        if len(value) > self.max:
            raise ProtocolError("bad_frame", f"{name} is too long")
        if self.choices is not None and value not in self.choices:
            raise ProtocolError("bad_frame", f"{name} must be one of {', '.join(self.choices)}")
        return value


@dataclass(frozen=True, slots=True)
class Bool:
    def check(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ProtocolError("bad_frame", f"{name} must be true or false")
        return value


@dataclass(frozen=True, slots=True)
class Opt:
    """An optional field: may be absent (or nil, which counts as absent)."""

    inner: Any


Schema = dict[str, Any]

VK = Bin(VK_LEN)
CT = Bin()  # bounded by the frame size limit

CLIENT_FRAMES: dict[str, Schema] = {
    "create": {
        "vk": VK,
        "sig": Bin(SIG_LEN),
        "room": Opt(Bin(ROOM_LEN)),
        "token": Opt(Str(max=256)),
        "resume": Opt(Int()),
        "v": Opt(Int()),
    },
    "join": {
        "vk": VK,
        "sig": Bin(SIG_LEN),
        "room": Bin(ROOM_LEN),
        "invite": Bin(INVITE_LEN),
        "knock": Bin(),
        "resume": Opt(Int()),
        "v": Opt(Int()),
    },
    "invite": {"hash": Bin(HASH_LEN), "uses": Opt(Int(min=1)), "expires": Opt(Int(min=1))},
    "revoke": {"hash": Bin(HASH_LEN)},
    "admit": {"member": VK},
    "deny": {"member": VK},
    "hold": {"member": VK},
    "remove": {"member": VK, "ban": Opt(Int())},
    "close": {},
    "group": {"epoch": Int(), "ct": CT},
    "direct": {"to": VK, "ct": CT},
}

RELAY_FRAMES: dict[str, Schema] = {
    "challenge": {"v": Int(), "nonce": Bin(NONCE_LEN)},
    "ready": {"room": Bin(ROOM_LEN), "role": Str(choices=ROLES), "seq": Int()},
    "knock": {"member": VK, "knock": Bin()},
    "presence": {"member": VK, "state": Str(choices=PRESENCE_STATES)},
    "admitted": {"seq": Int()},
    "held": {},
    "closed": {"reason": Str(choices=CLOSED_REASONS)},
    "group": {"epoch": Int(), "ct": CT, "seq": Int(), "from": VK},
    "direct": {"from": VK, "ct": CT},
    "error": {"code": Str(max=64), "msg": Str(max=1024)},
}



def validate(raw: Any, schemas: dict[str, Schema], what: str = "frame") -> dict[str, Any]:
    """Check a decoded map against ``schemas``; return only the known fields."""
    if not isinstance(raw, dict):
        raise ProtocolError("bad_frame", f"a {what} must be a map")
    kind = raw.get("t")
    if not isinstance(kind, str):
        raise ProtocolError("bad_frame", f"a {what} needs a string 't'")
    schema = schemas.get(kind)
    if schema is None:
        raise ProtocolError("bad_frame", f"unknown {what} type {kind[:32]!r}")
    return {"t": kind, **check_fields(raw, schema, kind)}


def check_fields(raw: Any, schema: Schema, what: str) -> dict[str, Any]:
    """Check a map's fields against ``schema``; return only the known ones."""
    if not isinstance(raw, dict):
        raise ProtocolError("bad_frame", f"a {what} must be a map")
    out: dict[str, Any] = {}
    for name, field in schema.items():
        value = raw.get(name)
        if isinstance(field, Opt):
            if value is None:
                continue
            field = field.inner
        elif name not in raw:
            raise ProtocolError("bad_frame", f"{what} needs {name!r}")
        out[name] = field.check(name, value)
    return out


def unpack(data: bytes | str) -> Any:
    """msgpack bytes -> Python object, or ProtocolError. Text frames are refused."""
    if isinstance(data, str):
        raise ProtocolError("bad_frame", "text messages are not accepted; send binary msgpack")
    try:
        # strict_map_key keeps maps keyed by str/bytes only; raw=False decodes str.
        return msgpack.unpackb(data, raw=False, strict_map_key=True, use_list=True)
    except Exception as exc:  # msgpack raises many types: all mean "not msgpack"
        raise ProtocolError("bad_frame", "not a msgpack message") from exc


def pack(obj: dict[str, Any]) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def decode_client(data: bytes | str) -> dict[str, Any]:
    """A frame the relay received from a client."""
    raw = unpack(data)
    # Fast path for the frame nearly all traffic is: a well-formed group frame
    # is accepted with the checks of CLIENT_FRAMES["group"] written out
    # (msgpack yields exactly int and bytes, and `type(...) is int` leaves out
    # bool). Anything else, even a group frame with one bad field, goes through
    # validate() below, which gives the error.
    if type(raw) is dict and raw.get("t") == "group":
        epoch, ct = raw.get("epoch"), raw.get("ct")
        if type(epoch) is int and 0 <= epoch <= MAX_INT and type(ct) is bytes:
            return {"t": "group", "epoch": epoch, "ct": ct}
    return validate(raw, CLIENT_FRAMES)


def decode_relay(data: bytes | str) -> dict[str, Any]:
    """A frame a client received from the relay."""
    return validate(unpack(data), RELAY_FRAMES)


def frame(t: str, **fields: Any) -> bytes:
    """Encode a frame; None-valued optional fields are left out."""
    return pack({"t": t, **{k: v for k, v in fields.items() if v is not None}})


def error(code: str, msg: str = "") -> bytes:
    if code not in CLOSE_CODES:
        raise ValueError(f"unknown error code {code!r}")
    return frame("error", code=code, msg=msg or code)


def auth_message(nonce: bytes) -> bytes:
    """What a client signs to answer a challenge."""
    return AUTH_CONTEXT + nonce
