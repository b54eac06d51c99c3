"""relay.protocol: whatever arrives, decoding gives a frame or a ProtocolError."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdspace.relay.protocol import (
    CLIENT_FRAMES,
    CLOSE_CODES,
    RELAY_FRAMES,
    Bin,
    Bool,
    Int,
    ListOf,
    Opt,
    ProtocolError,
    Str,
    decode_client,
    decode_relay,
    error,
    frame,
    unpack,
    validate,
)

DECODERS = (decode_client, decode_relay)


def field_values(spec: Any) -> st.SearchStrategy[Any]:
    """Valid values for one field of a schema."""
    if isinstance(spec, Opt):
        return st.none() | field_values(spec.inner)
    if isinstance(spec, Bin):
        if spec.size is not None:
            return st.binary(min_size=spec.size, max_size=spec.size)
        return st.binary(max_size=min(spec.max or 256, 256))
    if isinstance(spec, Int):
        return st.integers(spec.min, spec.max)
    if isinstance(spec, Str):
        if spec.choices is not None:
            return st.sampled_from(spec.choices)
        return st.text(max_size=min(spec.max, 64))
    if isinstance(spec, Bool):
        return st.booleans()
    if isinstance(spec, ListOf):
        return st.lists(field_values(spec.item), max_size=3)
    raise TypeError(f"no strategy for {spec!r}")


def frames_of(schemas: dict[str, dict[str, Any]]) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    return st.one_of(*(
        st.tuples(st.just(t), st.fixed_dictionaries({name: field_values(spec) for name, spec in schema.items()}))
        for t, schema in schemas.items()
    ))


msgpack_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats()
    | st.text(max_size=20) | st.binary(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
frame_types = st.sampled_from(sorted(set(CLIENT_FRAMES) | set(RELAY_FRAMES)))


def decodes_or_refuses(decode: Any, data: bytes | str) -> None:
    try:
        decoded = decode(data)
    except ProtocolError as exc:
        assert exc.code == "bad_frame"
    else:
        assert isinstance(decoded, dict) and isinstance(decoded["t"], str)


@given(st.binary(max_size=512))
def test_any_bytes_decode_to_a_frame_or_bad_frame(data: bytes) -> None:
    for decode in DECODERS:
        decodes_or_refuses(decode, data)


@given(st.dictionaries(st.text(max_size=8), msgpack_values, max_size=6), frame_types)
def test_any_msgpack_map_decodes_to_a_frame_or_bad_frame(fields: dict[str, Any], t: str) -> None:
    for candidate in (fields, {**fields, "t": t}):
        data = msgpack.packb(candidate, use_bin_type=True)
        for decode in DECODERS:
            decodes_or_refuses(decode, data)


@given(msgpack_values)
def test_any_msgpack_value_decodes_to_a_frame_or_bad_frame(value: Any) -> None:
    data = msgpack.packb(value, use_bin_type=True)
    for decode in DECODERS:
        decodes_or_refuses(decode, data)


def _round_trip(decode: Any, t: str, fields: dict[str, Any]) -> None:
    present = {k: v for k, v in fields.items() if v is not None}
    assert decode(frame(t, **fields)) == {"t": t, **present}


@given(frames_of(CLIENT_FRAMES))
def test_every_client_frame_round_trips(case: tuple[str, dict[str, Any]]) -> None:
    _round_trip(decode_client, *case)


@given(frames_of(RELAY_FRAMES))
def test_every_relay_frame_round_trips(case: tuple[str, dict[str, Any]]) -> None:
    _round_trip(decode_relay, *case)


@given(frames_of(CLIENT_FRAMES), st.text(min_size=1, max_size=8).filter(lambda k: k != "t"), msgpack_values)
def test_unknown_keys_are_ignored(case: tuple[str, dict[str, Any]], key: str, value: Any) -> None:
    t, fields = case
    if key in fields:
        return
    data = msgpack.packb({"t": t, **{k: v for k, v in fields.items() if v is not None}, key: value},
                         use_bin_type=True)
    assert key not in decode_client(data)


@given(st.text(max_size=64))
def test_text_messages_are_bad_frames(text: str) -> None:
    for decode in DECODERS:
        with pytest.raises(ProtocolError) as raised:
            decode(text)
        assert raised.value.code == "bad_frame"


def test_wrong_lengths_and_types_are_bad_frames() -> None:
    cases = [
        {"t": "direct", "to": b"x" * 31, "ct": b""},
        {"t": "group", "epoch": True, "ct": b""},
        {"t": "group", "epoch": -1, "ct": b""},
        {"t": "group", "epoch": 1, "ct": "text"},
        {"t": "nope"},
        {"t": 1},
        {"no": "t"},
    ]
    for case in cases:
        with pytest.raises(ProtocolError) as raised:
            decode_client(msgpack.packb(case, use_bin_type=True))
        assert raised.value.code == "bad_frame"


def _outcome(decode: Any, data: bytes) -> Any:
    """What decoding gives: the frame, or the error's code and message."""
    try:
        return decode(data)
    except ProtocolError as exc:
        return ("refused", exc.code, exc.msg)


def _generic(data: bytes) -> Any:
    return validate(unpack(data), CLIENT_FRAMES)


group_like = st.fixed_dictionaries(
    {"t": st.sampled_from(["group", "direct", "Group"])},
    optional={"epoch": msgpack_values | st.sampled_from([0, 2**63 - 1, 2**63, -1]),
              "ct": msgpack_values, "to": msgpack_values},
)


@given(group_like | st.dictionaries(st.text(max_size=8), msgpack_values, max_size=4) | msgpack_values)
def test_the_group_fast_path_decodes_as_the_schema_does(value: Any) -> None:
    """decode_client's shortcut for group frames gives the same frame, or the
    same error code and message, as the schema check in validate()."""
    data = msgpack.packb(value, use_bin_type=True)
    assert _outcome(decode_client, data) == _outcome(_generic, data)


def test_the_group_fast_path_agrees_at_the_edges() -> None:
    cases = [
        {"t": "group", "epoch": 0, "ct": b""},
        {"t": "group", "epoch": 2**63 - 1, "ct": b"x" * 300, "extra": 1},
        {"t": "group", "epoch": 2**63, "ct": b""},
        {"t": "group", "epoch": 2**64 - 1, "ct": b""},
        {"t": "group", "epoch": -1, "ct": b""},
        {"t": "group", "epoch": True, "ct": b""},
        {"t": "group", "epoch": 1.0, "ct": b""},
        {"t": "group", "epoch": None, "ct": b""},
        {"t": "group", "ct": b""},
        {"t": "group", "epoch": 1},
        {"t": "group", "epoch": 1, "ct": None},
        {"t": "group", "epoch": 1, "ct": "text"},
        {"t": "group", "epoch": 1, "ct": [b""]},
    ]
    for case in cases:
        data = msgpack.packb(case, use_bin_type=True)
        assert _outcome(decode_client, data) == _outcome(_generic, data), case
    assert CLIENT_FRAMES["group"] == {"epoch": Int(), "ct": Bin()}  # what the fast path checks


def test_error_frames_and_close_codes() -> None:
    assert decode_relay(error("banned")) == {"t": "error", "code": "banned", "msg": "banned"}
    assert CLOSE_CODES["bad_frame"] == 4010 and CLOSE_CODES["internal"] == 4023
    with pytest.raises(ValueError):
        error("no_such_code")
