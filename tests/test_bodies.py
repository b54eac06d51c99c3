"""client/bodies.py: the typing rules of docs/PROTOCOL.md's "Types", one by one,
through the same door every body comes in (sealed, then opened by a Verifier)."""

from __future__ import annotations

import msgpack
import pytest

from holdspace.client import bodies
from holdspace.client.crypto import Sealer, Verifier, seal_direct
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, make_box

ROOM = bytes(range(16))


@pytest.fixture
def pair():
    fac, sam = Identity.generate(), Identity.generate()
    return fac, sam, Verifier(fac, ROOM, fac.vk)


def _open(pair, **body):
    """A direct from Sam to the facilitator carrying exactly ``body``."""
    fac, sam, verifier = pair
    raw = {"k": "private", "room": ROOM, "to": fac.vk, "n": 1, "ts": 1_700_000_000, **body}
    ct = seal_direct(make_box(sam, fac.vk), {k: v for k, v in raw.items() if v is not _DROP})
    return verifier.open_direct(sam.vk, ct, only_facilitator=False).body


_DROP = object()


def test_a_well_formed_body_opens_and_reads_like_a_map(pair):
    body = _open(pair, text="hello")
    assert body["k"] == "private" and body["text"] == "hello" and body.text == "hello"
    assert body == {"k": "private", "room": ROOM, "to": pair[0].vk, "n": 1,
                    "ts": 1_700_000_000, "text": "hello"}


@pytest.mark.parametrize("field, value", [
    ("ts", 1_700_000_000.0),  # a float clock is not an integer
    ("n", True),  # bool is not an int
    ("n", 2**63),  # integers stay below 2^63
    ("n", -1),
    ("room", bytes(15)),  # byte fields have exact lengths
    ("room", "x" * 16),  # text is not bin
    ("text", None),  # nil is absent, and text is required
    ("text", _DROP),
    ("text", "x" * 8001),  # limits count characters
    ("k", "no_such_kind"),
])
def test_a_body_that_breaks_a_type_rule_is_refused(pair, field, value):
    with pytest.raises(CryptoError) as info:
        _open(pair, **({"text": "hi"} | {field: value}))
    assert info.value.reason == "malformed"


def test_limits_count_characters_not_bytes(pair):
    assert _open(pair, text="é" * 8000).text == "é" * 8000


def test_unknown_keys_are_ignored_and_nil_means_absent(pair):
    body = _open(pair, k="trigger", note=None, colour="blue")
    assert body["k"] == "trigger" and "note" not in body and body.get("note") is None
    assert "colour" not in body


def test_a_reply_with_nested_details_keeps_only_known_ones(pair):
    body = _open(pair, k="consent_reply", answer="yes",
                 details={"where": "home", "shoe_size": "9", "contact": None})
    assert body["details"] == {"where": "home"}


def test_a_sealed_body_leaves_out_absent_fields():
    fac, sam = Identity.generate(), Identity.generate()
    verifier = Verifier(fac, ROOM, fac.vk)
    ct = Sealer(sam, ROOM, Verifier(sam, ROOM, fac.vk)).direct(fac.vk, "trigger", note=None)
    plain = make_box(fac, sam.vk).decrypt(ct)
    assert set(msgpack.unpackb(plain)) == {"k", "room", "to", "n", "ts"}
    assert verifier.open_direct(sam.vk, ct, only_facilitator=False).body["k"] == "trigger"


def test_every_kind_has_a_class_named_by_its_tag():
    for kinds in (bodies.GROUP_KINDS, bodies.DIRECT_KINDS):
        for kind, cls in kinds.items():
            assert cls.kind == kind == cls.__struct_config__.tag
