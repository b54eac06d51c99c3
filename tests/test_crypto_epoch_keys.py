"""Epoch keys only move forward; the previous key lingers 30 seconds, then is wiped."""

from __future__ import annotations

from crypto_world import T0, refused, world

from holdspace.client.epochs import OLD_KEY_SECONDS


def test_keys_only_move_forward(world):
    keys = world.sam.verifier.keys
    refused("stale_key", keys.install, 1, bytes(32), T0)  # same epoch, other key
    refused("stale_key", keys.install, 0, bytes(32), T0)
    assert keys.current == world.key and keys.epoch == 1
    keys.install(5, bytes(range(32)), T0)
    refused("stale_key", keys.install, 4, world.key, T0)
    assert keys.epoch == 5


def test_the_old_key_is_kept_30_seconds_then_wiped(world):
    v = world.sam.verifier
    in_flight = world.fac.sealer.group("notice", 1, world.key, text="in flight")
    late = world.fac.sealer.group("notice", 1, world.key, text="too late")
    new_key = bytes(range(32))
    t = T0 + 100
    v.keys.install(2, new_key, t)
    v.set_roster(2, {world.fac.vk, world.sam.vk})
    assert v.keys.current == new_key
    assert v.open_group(world.fac.vk, 1, in_flight, t + OLD_KEY_SECONDS - 0.1).body["text"] == "in flight"
    refused("no_key", v.open_group, world.fac.vk, 1, late, t + OLD_KEY_SECONDS)
    assert 1 not in v.keys._raw and 1 not in v.keys._boxes  # wiped, not just hidden
    refused("no_key", v.open_group, world.fac.vk, 1, late, t)  # no going back in time
    assert OLD_KEY_SECONDS == 30.0


def test_only_the_previous_key_lingers_and_wipe_forgets_everything(world):
    keys = world.sam.verifier.keys
    keys.install(2, bytes([2]) * 32, T0 + 10)
    keys.install(3, bytes([3]) * 32, T0 + 20)
    keys.expire(T0 + 10 + OLD_KEY_SECONDS)
    assert sorted(keys._raw) == [2, 3]
    keys.expire(T0 + 20 + OLD_KEY_SECONDS)
    assert sorted(keys._raw) == [3]
    keys.wipe()
    assert keys.current is None and not keys._raw and not keys._boxes
    refused("no_key", keys.box, 3, T0)
