"""Replay rings: each room's last group frames, for members who come back,
within one memory budget for the whole relay.

Plain Python (no asyncio, no clock). A party reconnecting with ``resume: seq``
gets what it missed from its room's ring. Every ring is capped in frames, and
all rings together in bytes (ReplayBudget): past the budget, frames go oldest
first from the ring holding the most, so a room that keeps within its fair
share (the budget divided by the rooms holding frames) loses nothing to a
room that floods.
"""

from __future__ import annotations

from collections import deque

# What a kept frame costs beyond its bytes: the (seq, data) tuple, the int,
# the bytes object's header. Measured with tracemalloc (bench/run.py).
FRAME_OVERHEAD = 120


class ReplayBudget:
    """Bytes every ring of one relay may hold together."""

    __slots__ = ("limit", "used", "rings")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.rings: set[ReplayRing] = set()  # the rings holding frames

    def fair_share(self) -> int:
        return self.limit // max(1, len(self.rings))

    def make_room(self, grown: ReplayRing) -> None:
        """``grown`` just took a frame and the budget is over: drop oldest
        frames, from ``grown`` while it is over its fair share, else from the
        ring holding the most (over its share, since the total is over)."""
        while self.used > self.limit:
            victim = grown if grown.bytes > self.fair_share() else max(self.rings, key=_held)
            if not victim.drop_oldest():
                return


def _held(ring: ReplayRing) -> int:
    return ring.bytes


class ReplayRing:
    """The last ``frames`` encoded group frames of one room, oldest first."""

    __slots__ = ("_frames", "_frames_max", "bytes", "budget")

    def __init__(self, frames: int, budget: ReplayBudget | None = None) -> None:
        self._frames: deque[tuple[int, bytes]] = deque()
        self._frames_max = frames
        self.bytes = 0  # what the ring costs now, overhead included
        self.budget = budget

    def __len__(self) -> int:
        return len(self._frames)

    def append(self, entry: tuple[int, bytes]) -> None:
        """Keep ``(seq, data)``; the oldest frame goes when the ring is full,
        and others when the relay's budget is spent. (Every group frame comes
        here: the common case is written out.)"""
        frames = self._frames
        cost = len(entry[1]) + FRAME_OVERHEAD
        if len(frames) >= self._frames_max:
            cost -= len(frames.popleft()[1]) + FRAME_OVERHEAD
        elif not frames and self.budget is not None:
            self.budget.rings.add(self)
        frames.append(entry)
        self.bytes += cost
        budget = self.budget
        if budget is not None:
            budget.used += cost
            if budget.used > budget.limit:
                budget.make_room(self)

    def drop_oldest(self) -> bool:
        """Forget the oldest frame; False if there was none."""
        if not self._frames:
            return False
        cost = len(self._frames.popleft()[1]) + FRAME_OVERHEAD
        self.bytes -= cost
        if self.budget is not None:
            self.budget.used -= cost
            if not self._frames:
                self.budget.rings.discard(self)
        return True

    def clear(self) -> None:
        """Forget every frame (the room is gone)."""
        while self.drop_oldest():
            pass

    def entries(self) -> list[tuple[int, bytes]]:
        """Every ``(seq, data)`` held, oldest first."""
        return list(self._frames)

    def after(self, seq: int) -> list[bytes]:
        """Encoded frames with a seq above ``seq`` still held, in order."""
        return [data for s, data in self._frames if s > seq]
