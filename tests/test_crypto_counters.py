"""Per-sender counters: duplicates, replays and gaps are told apart; a restarted party is heard again."""

from __future__ import annotations

from crypto_world import ROOM, T0, make_world, refused, world

from holdspace.client.crypto import Sealer


def test_a_group_frame_that_comes_twice_is_refused_as_a_duplicate(world):
    """A sender resends what the relay never echoed (PROTOCOL.md, Resending):
    a frame already opened is refused as ``duplicate``, which clients do not
    report; an older counter never seen is still ``replayed``."""
    v = world.sam.verifier
    first = world.ana.sealer.group("chat", world.epoch, world.key, text="one")
    skipped = world.ana.sealer.group("chat", world.epoch, world.key, text="never came")
    second = world.ana.sealer.group("chat", world.epoch, world.key, text="two")
    assert v.open_group(world.ana.vk, world.epoch, first, T0).body["text"] == "one"
    refused("duplicate", v.open_group, world.ana.vk, world.epoch, first, T0)
    assert v.open_group(world.ana.vk, world.epoch, second, T0).body["text"] == "two"
    refused("duplicate", v.open_group, world.ana.vk, world.epoch, first, T0)  # older
    refused("duplicate", v.open_group, world.ana.vk, world.epoch, second, T0)
    refused("replayed", v.open_group, world.ana.vk, world.epoch, skipped, T0)


def test_a_replayed_direct_is_refused(world):
    v = world.sam.verifier
    ct = world.fac.sealer.direct(world.sam.vk, "private", text="just for you")
    v.open_direct(world.fac.vk, ct, only_facilitator=True)
    refused("replayed", v.open_direct, world.fac.vk, ct, only_facilitator=True)


def test_counters_are_per_sender(world):
    v = world.sam.verifier
    v.open_group(world.ana.vk, world.epoch, world.ana.sealer.group("chat", 1, world.key, text="a"), T0)
    v.open_group(world.fac.vk, world.epoch, world.fac.sealer.group("chat", 1, world.key, text="f"), T0)
    assert v.open_group(world.ana.vk, 1, world.ana.sealer.group("chat", 1, world.key, text="b"), T0).gap == 0


def test_a_gap_is_reported(world):
    v = world.sam.verifier
    frames = [world.ana.sealer.group("chat", world.epoch, world.key, text=str(i)) for i in range(5)]
    assert v.open_group(world.ana.vk, world.epoch, frames[0], T0).gap == 0
    assert v.open_group(world.ana.vk, world.epoch, frames[3], T0).gap == 2
    refused("replayed", v.open_group, world.ana.vk, world.epoch, frames[2], T0)  # late = refused
    assert v.open_group(world.ana.vk, world.epoch, frames[4], T0).gap == 0


def test_a_gap_in_directs_is_reported(world):
    v = world.sam.verifier
    cts = [world.fac.sealer.direct(world.sam.vk, "private", text=str(i)) for i in range(3)]
    assert v.open_direct(world.fac.vk, cts[0], only_facilitator=True).gap == 0
    assert v.open_direct(world.fac.vk, cts[2], only_facilitator=True).gap == 1


def test_restart_baseline_forgets_counters_so_a_restarted_facilitator_is_heard(world):
    v = world.sam.verifier
    old = world.fac.sealer.direct(world.sam.vk, "private", text="before")
    v.open_direct(world.fac.vk, old, only_facilitator=True)
    v.restart_baseline(world.fac.vk)
    assert v.open_direct(world.fac.vk, world.fac.sealer.direct(world.sam.vk, "private", text="x"),
                         only_facilitator=True).gap == 0


def test_sealer_counters_only_grow():
    w = make_world()
    bodies = []
    for _ in range(3):
        ct = w.ana.sealer.group("hand", 1, w.key, up=True)
        bodies.append(w.fac.verifier.open_group(w.ana.vk, 1, ct, T0).body)
    ns = [b["n"] for b in bodies]
    assert ns == sorted(ns) and len(set(ns)) == 3
    # A restarted client (a new Sealer) still counts above the old one.
    again = Sealer(w.ana.identity, ROOM, w.ana.verifier).group("hand", 1, w.key, up=False)
    assert w.fac.verifier.open_group(w.ana.vk, 1, again, T0).body["up"] is False
