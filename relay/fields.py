"""Field specs for msgpack maps checked by hand: exact byte lengths, integer
ranges, short strings, true/false, lists, optional fields.

The relay's own frames are msgspec Structs (relay/frames.py); protocol.py
describes them with these specs too, for documentation and generated tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from holdspace.relay.errors import ProtocolError
from holdspace.relay.frames import MAX_INT


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
class ListOf:
    """A msgpack array whose every item is ``item`` (``here``: a list of vks)."""

    item: Any

    def check(self, name: str, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ProtocolError("bad_frame", f"{name} must be a list")
        return [self.item.check(name, entry) for entry in value]


@dataclass(frozen=True, slots=True)
class Opt:
    """An optional field: may be absent (or nil, which counts as absent)."""

    inner: Any


Schema = dict[str, Any]


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
