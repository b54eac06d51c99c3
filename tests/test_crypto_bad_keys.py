"""Malformed keys (wrong length or type, low-order, non-canonical, off-curve) are errors, never crashes."""

from __future__ import annotations

import nacl.secret
import pytest
from crypto_world import ROOM, T0, refused, world
from ed25519_points import _BASE, _IDENTITY, _L, BAD_POINTS, SMALL_ORDER_VKS, TORSION, _encode, _mul

from holdspace.client.crypto import Verifier, open_knock, pack, seal_direct, seal_knock
from holdspace.client.epochs import EpochKeys
from holdspace.client.identity import Identity, box_public_key, make_box, verify_key


def test_the_torsion_points_are_the_known_ones():
    # Cross-check the arithmetic in ed25519_points.py against encodings published with libsodium
    # and in the Ed25519 literature.
    assert sorted(TORSION) == [1, 2, 4, 8]
    assert [len(TORSION[o]) for o in (1, 2, 4, 8)] == [1, 1, 2, 4]
    assert TORSION[1] == [bytes([1] + [0] * 31)]
    assert TORSION[2] == [bytes.fromhex("ec" + "ff" * 30 + "7f")]
    assert bytes(32) in TORSION[4]
    assert bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05") in TORSION[8]
    assert bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a") in TORSION[8]
    assert _mul(_L, _BASE) == _IDENTITY
    assert _encode(_BASE) == bytes.fromhex("58" + "66" * 31)


# --- malformed keys: errors, never crashes -------------------------------------------------

WRONG_LENGTHS = [b"", bytes(1), bytes(31), bytes(33), bytes(64)]


@pytest.mark.parametrize("vk", WRONG_LENGTHS + [bytearray(32), "a" * 32, None, 7],
                         ids=lambda v: f"{type(v).__name__}{len(v) if hasattr(v, '__len__') else ''}")
def test_wrong_length_or_type_vk_is_bad_key(vk):
    me = Identity.generate()
    refused("bad_key", verify_key, vk)
    refused("bad_key", box_public_key, vk)
    refused("bad_key", make_box, me, vk)
    refused("bad_key", seal_knock, me, vk, "Sam", "x")
    refused("bad_key", open_knock, me, vk, bytes(64))


@pytest.mark.parametrize("vk", BAD_POINTS, ids=lambda v: v.hex()[:8] + ".." + v.hex()[-4:])
def test_low_order_and_invalid_points_are_bad_key(vk):
    me = Identity.generate()
    verify_key(vk)  # the right length: only its use as a point is refused
    refused("bad_key", box_public_key, vk)
    refused("bad_key", make_box, me, vk)
    refused("bad_key", seal_knock, me, vk, "Sam", "x")
    refused("bad_key", open_knock, me, vk, bytes(64))
    verifier = Verifier(me, ROOM, vk)
    refused("bad_key", verifier.box_for, vk)
    # A facilitator reading a direct "from" that key; a member whose link pinned it.
    refused("bad_key", Verifier(me, ROOM, Identity.generate().vk).open_direct, vk, bytes(80),
            only_facilitator=False)
    refused("bad_key", verifier.open_direct, vk, bytes(80), only_facilitator=True)


@pytest.mark.parametrize("vk", SMALL_ORDER_VKS, ids=lambda v: v.hex()[:8])
def test_low_order_sender_in_a_roster_still_cannot_get_a_group_frame_accepted(world, vk):
    # Even if a (buggy) roster listed such a key, nothing it "signs" verifies.
    world.sam.verifier.set_roster(world.epoch, {world.fac.vk, vk})
    forged = nacl.secret.SecretBox(world.key).encrypt(bytes(64) + pack(
        {"k": "chat", "room": ROOM, "epoch": 1, "n": 1, "ts": 0, "text": "hi"}))
    refused("bad_signature", world.sam.verifier.open_group, vk, world.epoch, forged, T0)


def test_a_real_key_is_accepted_by_the_same_checks():
    # The positive control for the two tests above.
    me, peer = Identity.generate(), Identity.generate()
    assert bytes(box_public_key(peer.vk)) == bytes(peer.signing_key.verify_key.to_curve25519_public_key())
    make_box(me, peer.vk)


@pytest.mark.parametrize("key", [b"", bytes(16), bytes(31), bytes(33), bytearray(32), "k" * 32, None],
                         ids=repr)
def test_wrong_length_group_key_is_bad_key(key):
    keys = EpochKeys()
    refused("bad_key", keys.install, 1, key, T0)
    assert keys.current is None and keys.epoch == -1


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)], ids=len)
def test_wrong_length_seed_is_bad_key(seed):
    refused("bad_key", Identity.from_seed, seed)


def test_a_key_direct_with_a_wrong_length_key_is_malformed(world):
    body = {"k": "key", "room": ROOM, "to": world.sam.vk, "n": 1, "ts": 0, "epoch": 2, "key": bytes(31)}
    ct = seal_direct(make_box(world.fac.identity, world.sam.vk), body)
    refused("malformed", world.sam.verifier.open_direct, world.fac.vk, ct, only_facilitator=True)
