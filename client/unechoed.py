"""Group frames sent but not yet echoed by the relay, to send again after a
reconnection (docs/PROTOCOL.md, "Resending").

The relay echoes every group frame to its sender; until that echo comes, the
frame may have died with a relay node. Even an echo is no proof for KEEP_ECHOED
seconds: a relay node echoes its own clients' frames before it has passed them
on to the other nodes, and may die in between. A frame is known by its sealed
bytes (``ct``), which nobody else can produce. Receivers drop a frame they
already have (same sender, same counter), so sending one twice costs nothing.
Bounded: past MAX_FRAMES or MAX_BYTES the oldest is forgotten (it was probably
delivered; if not, receivers report the gap as for any loss).
"""

from __future__ import annotations

from collections import OrderedDict

MAX_FRAMES = 50  # all of them resent at once stays within a relay's default burst (60)
MAX_BYTES = 1024 * 1024
KEEP_ECHOED = 2.0  # seconds an echoed frame is still resent after a reconnection


class Unechoed:
    def __init__(self, max_frames: int = MAX_FRAMES, max_bytes: int = MAX_BYTES) -> None:
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        # ct -> (the frame as sent, when its echo came or None), oldest first
        self._frames: OrderedDict[bytes, tuple[bytes, float | None]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    def sent(self, ct: bytes, frame: bytes, now: float) -> None:
        self._frames[ct] = (frame, None)
        self._bytes += len(frame)
        self._forget(now)

    def echoed(self, ct: bytes, now: float) -> None:
        """The relay delivered it (to us, so to everyone seated)."""
        kept = self._frames.get(ct)
        if kept is not None and kept[1] is None:
            self._frames[ct] = (kept[0], now)
        self._forget(now)

    def pending(self, now: float) -> list[bytes]:
        """Every frame still unechoed, or echoed very lately, oldest first."""
        self._forget(now)
        return [frame for frame, _ in self._frames.values()]

    def clear(self) -> None:
        self._frames.clear()
        self._bytes = 0

    def _forget(self, now: float) -> None:
        for ct, (frame, echoed_at) in list(self._frames.items()):
            past = echoed_at is not None and now - echoed_at > KEEP_ECHOED
            if past or len(self._frames) > self.max_frames or self._bytes > self.max_bytes:
                del self._frames[ct]
                self._bytes -= len(frame)
