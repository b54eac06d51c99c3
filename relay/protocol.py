"""holdspace wire protocol v1: every frame that crosses a WebSocket.

This module is the contract. The relay and our clients both use it, and a
client written by someone else from docs/PROTOCOL.md must interoperate. The
frames themselves are the msgspec Structs in relay/frames.py.

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
    relay  -> {t: ready, room: bin16, role: facilitator|cofacilitator|member|lobby,
               seq: int, facilitator?: bool, here?: [bin32]}

Facilitator controls (anyone else: ``forbidden``)
    {t: invite, hash: bin32, uses?: int, expires?: int seconds from now}
    {t: revoke, hash: bin32}
    {t: admit, member: bin32}   {t: deny, member: bin32}
    {t: hold, member: bin32}    {t: remove, member: bin32, ban?: int seconds}
    {t: close}
    {t: promote, member: bin32}   (the lead only: a seated member becomes a co-facilitator)
A co-facilitator may send every control but promote, on members only.
Relay -> member: {t: admitted, seq}, {t: held}, {t: closed, reason},
                 {t: facilitator, present, here?} (the connected facilitator parties)
Relay -> facilitator parties: {t: knock, member, knock, invite?},
                 {t: presence, member, state, knock?, role?}; {t: promoted} to the promoted

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

import hashlib
import hmac
from typing import Any, get_args

import msgpack
import msgspec

from holdspace.relay import frames
from holdspace.relay.errors import CLOSE_CODES, CLOSED_CODES, ERROR_CODES, ProtocolError
from holdspace.relay.fields import Bin, Bool, Int, ListOf, Opt, Schema, Str, check_fields
from holdspace.relay.frames import (
    HASH_LEN,
    INVITE_LEN,
    MAX_INT,
    NONCE_LEN,
    ROOM_LEN,
    SIG_LEN,
    VK_LEN,
    ClientFrame,
    Frame,
    RelayFrame,
    tag,
)

__all__ = [
    "AUTH_CONTEXT", "CLIENT_FRAMES", "CLOSE_CODES", "CLOSED_CODES", "CLOSED_REASONS", "ERROR_CODES",
    "HASH_LEN", "INVITE_LEN", "MAX_INT", "NONCE_LEN", "PRESENCE_STATES", "RELAY_FRAMES", "ROLES",
    "ROOM_LEN", "SIG_LEN", "VERSION", "VK_LEN", "Bin", "Bool", "FrameSet", "Int", "ListOf", "Opt",
    "ProtocolError", "Schema", "Str", "auth_message", "check_fields", "decode_client",
    "decode_relay", "encode", "error", "frame", "pack", "read_client", "read_relay", "room_id_for",
    "room_is_bound", "unpack", "validate",
]

VERSION = 1
AUTH_CONTEXT = b"holdspace/v1/auth"
ROLES: tuple[str, ...] = get_args(frames.Role)
PRESENCE_STATES: tuple[str, ...] = get_args(frames.PresenceState)
CLOSED_REASONS: tuple[str, ...] = get_args(frames.ClosedReason)
MAX_MESSAGE_CHARS = 300  # of a bad_frame's text, which may quote what was sent


class FrameSet(dict[str, Schema]):
    """The frames one side may send: ``t`` -> the field specs of its Struct
    (for documentation and generated tests), plus the msgspec decoder that
    checks them."""

    def __init__(self, types: tuple[type[Frame], ...], union: Any) -> None:
        super().__init__((tag(cls), _schema(cls)) for cls in types)
        self.decoder = msgspec.msgpack.Decoder(union)


def _schema(cls: type[Frame]) -> Schema:
    info = msgspec.inspect.type_info(cls)
    return {f.encode_name: _spec(f.type) if f.required else Opt(_spec(_not_none(f.type)))
            for f in info.fields}


def _not_none(t: msgspec.inspect.Type) -> msgspec.inspect.Type:
    assert isinstance(t, msgspec.inspect.UnionType)
    (inner,) = [member for member in t.types if not isinstance(member, msgspec.inspect.NoneType)]
    return inner


def _spec(t: msgspec.inspect.Type) -> Any:
    ins = msgspec.inspect
    if isinstance(t, ins.BytesType):
        if t.min_length is not None and t.min_length == t.max_length:
            return Bin(t.min_length)
        return Bin(max=t.max_length)
    if isinstance(t, ins.IntType):
        return Int(min=t.ge if t.ge is not None else 0, max=t.le if t.le is not None else MAX_INT)
    if isinstance(t, ins.StrType):
        return Str() if t.max_length is None else Str(max=t.max_length)
    if isinstance(t, ins.LiteralType):
        return Str(choices=tuple(t.values))
    if isinstance(t, ins.BoolType):
        return Bool()
    if isinstance(t, ins.ListType):
        return ListOf(_spec(t.item_type))
    raise TypeError(f"no field spec for {t!r}")


CLIENT_FRAMES = FrameSet(frames.CLIENT_TYPES, ClientFrame)
RELAY_FRAMES = FrameSet(frames.RELAY_TYPES, RelayFrame)


# --- decoding ------------------------------------------------------------------------


def _read(decoder: msgspec.msgpack.Decoder, data: bytes | str) -> Any:
    if isinstance(data, str):
        raise ProtocolError("bad_frame", "text messages are not accepted; send binary msgpack")
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise ProtocolError("bad_frame", _explain(exc)) from None
    except msgspec.DecodeError:
        raise ProtocolError("bad_frame", "not a msgpack message") from None


def _explain(exc: msgspec.ValidationError) -> str:
    """msgspec's account of a bad frame as one sentence without its markup:
    "Expected `int`, got `bool` - at `$.epoch`" -> "epoch: expected int, got bool"."""
    text, _, where = str(exc).partition(" - at `$.")
    text = text.replace("`object`", "a map").replace("Object missing", "missing").replace("`", "")
    field = where.rstrip("`")
    if field == "t" and text.startswith("Invalid value"):
        text = f"unknown frame type {text.removeprefix('Invalid value ').strip(chr(39))[:32]!r}"
    elif field:
        text = f"{field}: {text[:1].lower()}{text[1:]}"
    return text[:MAX_MESSAGE_CHARS]


def read_client(data: bytes | str) -> ClientFrame:
    """A frame the relay received from a client, as its Struct."""
    return _read(CLIENT_FRAMES.decoder, data)


def read_relay(data: bytes | str) -> RelayFrame:
    """A frame a client received from the relay, as its Struct."""
    return _read(RELAY_FRAMES.decoder, data)


def as_dict(f: Frame) -> dict[str, Any]:
    """A Struct as the map it was on the wire: ``t`` first, absent fields left out."""
    return msgspec.to_builtins(f, builtin_types=(bytes,))


def decode_client(data: bytes | str) -> dict[str, Any]:
    """A frame the relay received from a client, as a map."""
    return as_dict(read_client(data))


def decode_relay(data: bytes | str) -> dict[str, Any]:
    """A frame a client received from the relay, as a map."""
    return as_dict(read_relay(data))


def unpack(data: bytes | str) -> Any:
    """msgpack bytes -> Python object, or ProtocolError. Text frames are refused."""
    if isinstance(data, str):
        raise ProtocolError("bad_frame", "text messages are not accepted; send binary msgpack")
    try:
        # strict_map_key keeps maps keyed by str/bytes only; raw=False decodes str.
        return msgpack.unpackb(data, raw=False, strict_map_key=True, use_list=True)
    except Exception as exc:  # msgpack raises many types: all mean "not msgpack"
        raise ProtocolError("bad_frame", "not a msgpack message") from exc


def validate(raw: Any, schemas: dict[str, Schema], what: str = "frame") -> dict[str, Any]:
    """Check a decoded map against ``schemas``; return only the known fields.
    A FrameSet checks with its Structs, exactly as decoding would."""
    if isinstance(schemas, FrameSet):
        try:
            data = msgspec.msgpack.encode(raw)
        except TypeError:  # e.g. a msgpack extension type: no frame holds one
            raise ProtocolError("bad_frame", f"a {what} holds a value of an unknown type") from None
        return as_dict(_read(schemas.decoder, data))
    if not isinstance(raw, dict):
        raise ProtocolError("bad_frame", f"a {what} must be a map")
    kind = raw.get("t")
    if not isinstance(kind, str):
        raise ProtocolError("bad_frame", f"a {what} needs a string 't'")
    schema = schemas.get(kind)
    if schema is None:
        raise ProtocolError("bad_frame", f"unknown {what} type {kind[:32]!r}")
    return {"t": kind, **check_fields(raw, schema, kind)}


# --- encoding ------------------------------------------------------------------------

encode = msgspec.msgpack.Encoder().encode  # a Struct -> its frame's bytes


def pack(obj: dict[str, Any]) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def frame(t: str, **fields: Any) -> bytes:
    """Encode a frame; None-valued optional fields are left out."""
    return pack({"t": t, **{k: v for k, v in fields.items() if v is not None}})


def error(code: str, msg: str = "") -> bytes:
    if code not in CLOSE_CODES:
        raise ValueError(f"unknown error code {code!r}")
    return encode(frames.Error(code, msg or code))


ROOM_CONTEXT = b"holdspace/v1/room"
ROOM_SALT_LEN = 6  # the rest of the room id binds it to the facilitator's key


def room_id_for(vk: bytes, salt: bytes) -> bytes:
    """A room id only the facilitator with ``vk`` can open: its salt, then
    BLAKE2b(ROOM_CONTEXT + vk + salt) to make up ROOM_LEN bytes."""
    tag = hashlib.blake2b(ROOM_CONTEXT + vk + salt, digest_size=ROOM_LEN - ROOM_SALT_LEN).digest()
    return salt + tag


def room_is_bound(room: bytes, vk: bytes) -> bool:
    """Whether ``room`` is an id the facilitator with ``vk`` may open."""
    return len(room) == ROOM_LEN and hmac.compare_digest(room, room_id_for(vk, room[:ROOM_SALT_LEN]))


def auth_message(nonce: bytes) -> bytes:
    """What a client signs to answer a challenge."""
    return AUTH_CONTEXT + nonce
