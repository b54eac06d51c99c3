"""The acceptance rules of protocol v1 on who may send what, to whom, in which room and epoch."""

from __future__ import annotations

import pytest
from crypto_world import DIRECT_SAMPLES, GROUP_SAMPLES, OTHER_ROOM, ROOM, T0, refused, world

from holdspace.client import bodies as payloads
from holdspace.client.crypto import Sealer, seal_direct, seal_knock
from holdspace.client.errors import REASONS, CryptoError
from holdspace.client.identity import make_box


# --- acceptance rules, one by one -----------------------------------------------------------------


def test_wrong_room_is_refused(world):
    elsewhere = Sealer(world.fac.identity, OTHER_ROOM, world.fac.verifier)
    ct = elsewhere.group("notice", world.epoch, world.key, text="meant for another group")
    refused("wrong_room", world.sam.verifier.open_group, world.fac.vk, world.epoch, ct, T0)
    direct = elsewhere.direct(world.sam.vk, "private", text="meant for another group")
    refused("wrong_room", world.sam.verifier.open_direct, world.fac.vk, direct, only_facilitator=True)


def test_wrong_epoch_is_refused(world):
    # Sealed with epoch 1's key but claiming epoch 2 inside: the relay's epoch
    # label and the signed one must agree.
    ct = world.ana.sealer.group("chat", 2, world.key, text="hi")
    refused("wrong_epoch", world.sam.verifier.open_group, world.ana.vk, world.epoch, ct, T0)


def test_a_group_frame_from_someone_not_in_the_roster_is_refused(world):
    # Eve holds the key (say it leaked) and signs properly: still not let in.
    ct = world.eve.sealer.group("chat", world.epoch, world.key, text="hello, I'm new")
    refused("not_in_roster", world.sam.verifier.open_group, world.eve.vk, world.epoch, ct, T0)
    refused("not_in_roster", world.fac.verifier.open_group, world.eve.vk, world.epoch, ct, T0)


def test_no_roster_for_the_epoch_means_only_the_facilitator_is_heard(world):
    keys = world.sam.verifier.keys
    keys.install(2, world.key, T0)  # a key arrives before its roster
    ct = world.ana.sealer.group("chat", 2, world.key, text="hi")
    refused("not_in_roster", world.sam.verifier.open_group, world.ana.vk, 2, ct, T0)
    roster = world.fac.sealer.group("roster", 2, world.key, members=[])
    assert world.sam.verifier.open_group(world.fac.vk, 2, roster, T0).body["k"] == "roster"


def test_a_removed_member_is_refused_in_every_epoch_at_once_but_others_in_flight_frames_count(world):
    """Issue 10: the old key's 30 s window is for frames in flight from people
    still in the group; a removed member's frames (replayed by a relay under the
    old epoch, say) are refused the moment the roster without them arrives."""
    v = world.sam.verifier
    in_flight = world.ana.sealer.group("chat", 1, world.key, text="said just before")
    own = world.sam.sealer.group("chat", 1, world.key, text="also just before")  # Sam's own ack
    new_key = bytes(range(32))
    v.keys.install(2, new_key, T0)
    v.set_roster(2, {world.fac.vk, world.sam.vk})  # Ana removed
    refused("not_in_roster", v.open_group, world.ana.vk, 1, in_flight, T0 + 1)
    assert v.open_group(world.sam.vk, 1, own, T0 + 1).body["text"] == "also just before"
    after = world.ana.sealer.group("chat", 2, new_key, text="still here?")
    refused("not_in_roster", v.open_group, world.ana.vk, 2, after, T0 + 1)


@pytest.mark.parametrize("kind", sorted(payloads.FACILITATOR_ONLY_GROUP))
def test_facilitator_only_group_kinds_from_a_member_are_refused(world, kind):
    ct = world.ana.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    err = refused("facilitator_only", world.sam.verifier.open_group, world.ana.vk, world.epoch, ct, T0)
    assert err.detail == kind
    # The same body from the facilitator is fine.
    ok = world.fac.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    assert world.sam.verifier.open_group(world.fac.vk, world.epoch, ok, T0).body["k"] == kind


@pytest.mark.parametrize("kind", sorted(payloads.FACILITATOR_ONLY_DIRECT))
def test_facilitator_only_direct_kinds_from_a_member_are_refused(world, kind):
    ct = world.ana.sealer.direct(world.fac.vk, kind, **DIRECT_SAMPLES[kind])
    refused("facilitator_only", world.fac.verifier.open_direct, world.ana.vk, ct, only_facilitator=False)


def test_a_signature_by_someone_other_than_from_is_refused(world):
    ct = world.ana.sealer.group("chat", world.epoch, world.key, text="this is Ana")
    refused("bad_signature", world.sam.verifier.open_group, world.fac.vk, world.epoch, ct, T0)
    refused("bad_signature", world.fac.verifier.open_group, world.sam.vk, world.epoch, ct, T0)
    # A roster Ana signed, relabelled as the facilitator's.
    roster = world.ana.sealer.group("roster", world.epoch, world.key, members=[])
    refused("bad_signature", world.sam.verifier.open_group, world.fac.vk, world.epoch, roster, T0)


def test_a_direct_for_someone_else_is_refused(world):
    """Box(a, b) and Box(b, a) share a key: a relay could reflect Alex's direct to
    Sam back to Alex "from Sam". The signed-in recipient stops it."""
    to_sam = world.fac.sealer.direct(world.sam.vk, "private", text="Are you okay?")
    refused("wrong_recipient", world.fac.verifier.open_direct, world.sam.vk, to_sam, only_facilitator=False)
    # And a box made for Sam but addressed inside to Ana.
    body = {"k": "private", "room": ROOM, "to": world.ana.vk, "n": 1, "ts": 0, "text": "x"}
    ct = seal_direct(make_box(world.fac.identity, world.sam.vk), body)
    refused("wrong_recipient", world.sam.verifier.open_direct, world.fac.vk, ct, only_facilitator=True)


def test_a_direct_opened_by_the_wrong_party_does_not_decrypt(world):
    to_sam = world.fac.sealer.direct(world.sam.vk, "private", text="Are you okay?")
    refused("undecryptable", world.ana.verifier.open_direct, world.fac.vk, to_sam, only_facilitator=True)


def test_a_member_refuses_directs_not_from_the_facilitator(world):
    ct = world.ana.sealer.direct(world.sam.vk, "private", text="psst")
    refused("not_from_facilitator", world.sam.verifier.open_direct, world.ana.vk, ct, only_facilitator=True)
    key = world.eve.sealer.direct(world.sam.vk, "key", epoch=9, key=bytes(32))
    refused("not_from_facilitator", world.sam.verifier.open_direct, world.eve.vk, key, only_facilitator=True)
    assert world.sam.verifier.keys.epoch == 1


def test_a_direct_cannot_pass_as_a_group_frame_or_the_reverse(world):
    direct = world.fac.sealer.direct(world.sam.vk, "private", text="x")
    refused("undecryptable", world.sam.verifier.open_group, world.fac.vk, world.epoch, direct, T0)
    group = world.fac.sealer.group("notice", world.epoch, world.key, text="x")
    refused("undecryptable", world.sam.verifier.open_direct, world.fac.vk, group, only_facilitator=True)
    knock = seal_knock(world.sam.identity, world.fac.vk, "Sam", "x")
    # A knock is a Box from Sam to Alex, but not a valid direct body.
    refused("malformed", world.fac.verifier.open_direct, world.sam.vk, knock, only_facilitator=False)


def test_a_group_frame_for_an_epoch_we_do_not_hold_is_no_key(world):
    ct = world.fac.sealer.group("notice", 7, bytes(32), text="x")
    refused("no_key", world.sam.verifier.open_group, world.fac.vk, 7, ct, T0)


def test_every_reason_has_plain_words():
    assert all(isinstance(text, str) and text for text in REASONS.values())
    assert CryptoError("something_new").plain == "a message could not be verified"
