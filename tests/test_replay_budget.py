"""relay.replay: every room's replay ring within one budget, shared fairly."""

from __future__ import annotations

from holdspace.relay.replay import FRAME_OVERHEAD, ReplayBudget, ReplayRing

KIB = 1024


def fill(ring: ReplayRing, frames: int, size: int, first_seq: int = 1) -> list[bytes]:
    sent = [bytes([n % 256]) * size for n in range(frames)]
    for seq, data in enumerate(sent, first_seq):
        ring.append((seq, data))
    return sent


def test_the_budget_holds_and_a_modest_room_keeps_everything() -> None:
    budget = ReplayBudget(1024 * KIB)
    quiet = ReplayRing(512, budget)
    kept = fill(quiet, 50, KIB)
    floods = [ReplayRing(512, budget) for _ in range(8)]
    for ring in floods:
        fill(ring, 512, 16 * KIB)
    assert budget.used <= budget.limit
    assert quiet.after(0) == kept  # within its fair share: nothing lost
    assert sum(ring.bytes for ring in [quiet, *floods]) == budget.used


def test_the_oldest_frames_go_first_from_the_room_holding_the_most() -> None:
    budget = ReplayBudget(100 * (KIB + FRAME_OVERHEAD))
    big, small = ReplayRing(512, budget), ReplayRing(512, budget)
    fill(small, 20, KIB)
    sent = fill(big, 200, KIB)
    assert small.bytes == 20 * (KIB + FRAME_OVERHEAD)
    assert big.after(0) == sent[-80:]  # the newest 80: what is left of the budget
    # the small room grows: the big one, far over its share, pays for it
    fill(small, 10, KIB, first_seq=21)
    assert len(small) == 30 and len(big) == 70


def test_a_forgotten_room_gives_its_bytes_back() -> None:
    budget = ReplayBudget(64 * KIB)
    ring = ReplayRing(512, budget)
    fill(ring, 10, KIB)
    ring.clear()
    assert budget.used == 0 and not budget.rings and len(ring) == 0


def test_a_frame_larger_than_the_whole_budget_is_not_kept() -> None:
    budget = ReplayBudget(KIB)
    ring = ReplayRing(512, budget)
    fill(ring, 1, 4 * KIB)
    assert len(ring) == 0 and budget.used == 0
