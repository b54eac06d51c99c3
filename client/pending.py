"""Group frames that came before their key or roster, held a short while.

After a resume the relay may replay frames before the key that opens them, and
a new member's first words can come before the roster that lists them. Such
frames wait here, each sender in its own bounded line, so one member (or a
relay naming many senders) can never push out another's; whatever is dropped,
for room, or for age in an epoch of our latest run in the group
(client/epochs.py), is counted so the session can say messages may be missing;
one from while we were out of the group (held, or our seat lost with a relay
restart) was not for us.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

PER_SENDER = 64  # frames held for one sender
SENDERS = 128  # senders with frames held (a room seats at most 64)
WAIT_SECONDS = 30.0  # how long a frame may wait for its key or roster


class PendingFrames:
    def __init__(self, per_sender: int = PER_SENDER, senders: int = SENDERS,
                 wait: float = WAIT_SECONDS) -> None:
        self.per_sender = per_sender
        self.senders = senders
        self.wait = wait
        self._lines: dict[bytes, deque[tuple[float, dict[str, Any]]]] = {}

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def add(self, sender: bytes, frame: dict[str, Any], arrived: float) -> int:
        """Hold ``frame`` (arrived at ``arrived``); return how many of this sender's frames were dropped
        to make room (the oldest go first), or 1 if there is no room at all."""
        line = self._lines.get(sender)
        if line is None:
            if len(self._lines) >= self.senders:
                return 1  # never at another sender's expense
            line = self._lines[sender] = deque()
        dropped = 0
        if len(line) >= self.per_sender:
            line.popleft()
            dropped = 1
        line.append((arrived, frame))
        return dropped

    def take(self, now: float, ours: Callable[[int], bool] = lambda epoch: True,
             ) -> tuple[list[tuple[float, dict[str, Any]]], dict[bytes, int]]:
        """Every frame still in time with when it arrived (to hold it again with
        its age if it still cannot be opened), and how many each sender lost to
        age of the frames in epochs ``ours`` says we were keyed for."""
        frames: list[tuple[float, dict[str, Any]]] = []
        expired: dict[bytes, int] = {}
        for sender, line in self._lines.items():
            for arrived, frame in line:
                if now - arrived > self.wait:
                    if ours(frame["epoch"]):
                        expired[sender] = expired.get(sender, 0) + 1
                else:
                    frames.append((arrived, frame))
        self._lines.clear()
        return frames, expired
