"""Group frames sent but not yet echoed by the relay, to send again after a
reconnection (docs/PROTOCOL.md, "Resending").

The relay echoes every group frame to its sender; until that echo comes, the
frame may have died with a relay node. A frame is known by its sealed bytes
(``ct``), which nobody else can produce. Receivers drop a frame they already
have (same sender, same counter), so sending one twice costs nothing. Bounded:
past MAX_FRAMES or MAX_BYTES the oldest is forgotten (it was probably
delivered; if not, receivers report the gap as for any loss).
"""

from __future__ import annotations

from collections import OrderedDict

MAX_FRAMES = 50  # all of them resent at once stays within a relay's default burst (60)
MAX_BYTES = 1024 * 1024


class Unechoed:
    def __init__(self, max_frames: int = MAX_FRAMES, max_bytes: int = MAX_BYTES) -> None:
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self._frames: OrderedDict[bytes, bytes] = OrderedDict()  # ct -> the frame as sent
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    def sent(self, ct: bytes, frame: bytes) -> None:
        self._frames[ct] = frame
        self._bytes += len(frame)
        while len(self._frames) > self.max_frames or self._bytes > self.max_bytes:
            self._bytes -= len(self._frames.popitem(last=False)[1])

    def echoed(self, ct: bytes) -> None:
        """The relay delivered it (to us, so to everyone seated)."""
        frame = self._frames.pop(ct, None)
        if frame is not None:
            self._bytes -= len(frame)

    def pending(self) -> list[bytes]:
        """Every frame still unechoed, oldest first."""
        return list(self._frames.values())

    def clear(self) -> None:
        self._frames.clear()
        self._bytes = 0
