"""Flip a byte of any sealed kind, or seal garbage: refused with a reason, never a crash."""

from __future__ import annotations

import msgpack
import nacl.secret
import pytest
from crypto_world import (
    DIRECT_SAMPLES,
    GROUP_SAMPLES,
    ROOM,
    SETTINGS,
    T0,
    direct_ends,
    make_world,
    refused,
    world,
)
from hypothesis import given
from hypothesis import strategies as st

from holdspace.client import bodies as payloads
from holdspace.client.crypto import open_knock, seal_knock
from holdspace.client.errors import REASONS, CryptoError
from holdspace.client.identity import Identity, make_box


def test_samples_cover_every_kind():
    # A new kind must get a sample here, so it is tamper-tested too.
    assert set(GROUP_SAMPLES) == set(payloads.GROUP_KINDS)
    assert set(DIRECT_SAMPLES) == set(payloads.DIRECT_KINDS)


# --- flip a byte: every sealed kind ------------------------------------------------------


def _flips(ct: bytes):
    """Every position, each with a different bit, and one all-bits flip."""
    for i in range(len(ct)):
        yield i, ct[:i] + bytes([ct[i] ^ (1 << (i % 8))]) + ct[i + 1:]
    yield 0, bytes([ct[0] ^ 0xFF]) + ct[1:]


@pytest.mark.parametrize("kind", sorted(payloads.GROUP_KINDS))
def test_flipping_any_byte_of_a_group_frame_is_refused(world, kind):
    ct = world.fac.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    for i, bad in _flips(ct):
        with pytest.raises(CryptoError) as info:
            world.sam.verifier.open_group(world.fac.vk, world.epoch, bad, T0)
        assert info.value.reason == "undecryptable", (i, info.value)
    # The untouched frame still opens: the refusals left no state behind.
    assert world.sam.verifier.open_group(world.fac.vk, world.epoch, ct, T0).body["k"] == kind


@pytest.mark.parametrize("kind", sorted(payloads.GROUP_KINDS))
def test_an_insider_with_the_key_cannot_alter_a_signed_group_message(world, kind):
    """Ana holds the group key: she can re-seal, but any change to what Alex
    signed (signature or message) is caught."""
    ct = world.fac.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    signed = nacl.secret.SecretBox(world.key).decrypt(ct)
    for i, bad in _flips(signed):
        resealed = nacl.secret.SecretBox(world.key).encrypt(bad)
        with pytest.raises(CryptoError) as info:
            world.sam.verifier.open_group(world.fac.vk, world.epoch, resealed, T0)
        assert info.value.reason == "bad_signature", (i, info.value)


@pytest.mark.parametrize("kind", sorted(payloads.DIRECT_KINDS))
def test_flipping_any_byte_of_a_direct_is_refused(world, kind):
    sender, reader = direct_ends(world, kind)
    ct = sender.sealer.direct(reader.vk, kind, **DIRECT_SAMPLES[kind])
    members_only = reader is world.sam
    for i, bad in _flips(ct):
        with pytest.raises(CryptoError) as info:
            reader.verifier.open_direct(sender.vk, bad, only_facilitator=members_only)
        assert info.value.reason == "undecryptable", (i, info.value)
    assert reader.verifier.open_direct(sender.vk, ct, only_facilitator=members_only).body["k"] == kind


def test_flipping_any_byte_of_a_knock_is_refused():
    fac, member = Identity.generate(), Identity.generate()
    ct = seal_knock(member, fac.vk, "Sam", "holdspace/0.1")
    for i, bad in _flips(ct):
        with pytest.raises(CryptoError) as info:
            open_knock(fac, member.vk, bad)
        assert info.value.reason == "undecryptable", (i, info.value)
    assert open_knock(fac, member.vk, ct)["name"] == "Sam"


@SETTINGS
@given(data=st.data())
def test_any_byte_changed_to_any_value_is_refused(data):
    w = make_world()
    kind = data.draw(st.sampled_from(sorted(payloads.GROUP_KINDS)))
    ct = w.fac.sealer.group(kind, w.epoch, w.key, **GROUP_SAMPLES[kind])
    i = data.draw(st.integers(0, len(ct) - 1))
    mask = data.draw(st.integers(1, 255))
    bad = ct[:i] + bytes([ct[i] ^ mask]) + ct[i + 1:]
    refused("undecryptable", w.sam.verifier.open_group, w.fac.vk, w.epoch, bad, T0)


@SETTINGS
@given(ct=st.binary(max_size=400))
def test_arbitrary_bytes_are_refused_never_crash(ct):
    w = make_world()
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_group(w.fac.vk, w.epoch, ct, T0)
    assert info.value.reason in REASONS
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_direct(w.fac.vk, ct, only_facilitator=True)
    assert info.value.reason in REASONS
    with pytest.raises(CryptoError) as info:
        open_knock(w.fac.identity, w.sam.vk, ct)
    assert info.value.reason in REASONS


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=20)
    | st.binary(max_size=40) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_BODY_KEYS = st.sampled_from(["k", "room", "epoch", "n", "ts", "to", "text", "cw", "up",
                              "members", "key", "name", "status", "note", "resources", "t"])
_BODIES = st.dictionaries(_BODY_KEYS, _VALUES | st.sampled_from(
    sorted(payloads.GROUP_KINDS) + sorted(payloads.DIRECT_KINDS)), max_size=10) | _VALUES


@SETTINGS
@given(body=_BODIES)
def test_a_properly_sealed_but_malformed_body_is_refused_never_crashes(body):
    """An insider (holding the key, correctly signing) sends nonsense: refused
    with a reason, or accepted only if it really is a valid body."""
    w = make_world()
    plain = msgpack.packb(body, use_bin_type=True)
    group_ct = nacl.secret.SecretBox(w.key).encrypt(w.ana.identity.sign(plain))
    direct_ct = bytes(make_box(w.ana.identity, w.fac.vk).encrypt(plain))
    for open_it in (lambda: w.sam.verifier.open_group(w.ana.vk, w.epoch, group_ct, T0),
                    lambda: w.fac.verifier.open_direct(w.ana.vk, direct_ct, only_facilitator=False)):
        try:
            opened = open_it()
        except CryptoError as exc:
            assert exc.reason in REASONS
        else:
            assert opened.body["room"] == ROOM and opened.body["k"] in {
                *payloads.GROUP_KINDS, *payloads.DIRECT_KINDS}


@SETTINGS
@given(inner=st.binary(max_size=120))
def test_sealed_garbage_inside_is_refused(inner):
    w = make_world()
    group_ct = nacl.secret.SecretBox(w.key).encrypt(inner)
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_group(w.ana.vk, w.epoch, group_ct, T0)
    assert info.value.reason in {"bad_signature", "malformed"}
    signed = nacl.secret.SecretBox(w.key).encrypt(w.ana.identity.sign(inner))
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_group(w.ana.vk, w.epoch, signed, T0)
    assert info.value.reason == "malformed"
