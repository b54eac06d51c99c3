"""A room's replay ring: the last group frames, for members who come back.

Plain Python (no asyncio, no clock): the relay keeps each room's most recent
encoded group frames so that a party reconnecting with ``resume: seq`` gets
what it missed. Old frames fall off the front.
"""

from __future__ import annotations

from collections import deque


class ReplayRing:
    """The last ``frames`` encoded group frames of one room, oldest first."""

    __slots__ = ("_frames", "bytes")

    def __init__(self, frames: int) -> None:
        self._frames: deque[tuple[int, bytes]] = deque(maxlen=frames)
        self.bytes = 0  # encoded bytes held now

    def __len__(self) -> int:
        return len(self._frames)

    def append(self, entry: tuple[int, bytes]) -> None:
        """Keep ``(seq, data)``; the oldest frame goes when the ring is full."""
        frames = self._frames
        if len(frames) == frames.maxlen:
            self.bytes -= len(frames[0][1])
        frames.append(entry)
        self.bytes += len(entry[1])

    def after(self, seq: int) -> list[bytes]:
        """Encoded frames with a seq above ``seq`` still held, in order."""
        return [data for s, data in self._frames if s > seq]
