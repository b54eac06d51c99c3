"""Rate limits, as plain objects with the time passed in (no clock, no asyncio)."""

from __future__ import annotations

from collections import deque


class TokenBucket:
    """Frames per second with a burst allowance, for one connection.

    ``exhausted`` turns true when the party keeps sending faster than allowed:
    more than a burst's worth of frames refused since the bucket was last full.
    A client that backs off long enough to refill the bucket starts afresh.
    """

    __slots__ = ("rate", "burst", "tokens", "last", "refused")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.last = now
        self.refused = 0

    def allow(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= self.burst:
            self.refused = 0
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.refused += 1
        return False

    @property
    def exhausted(self) -> bool:
        return self.refused > self.burst


class RecentEvents:
    """Events per key (an address, a key) in a sliding window: past ``limit``
    within ``window`` seconds the key is refused. At most ``keys`` keys are
    followed; past that the one seen least recently is forgotten."""

    def __init__(self, limit: int, window: float = 60.0, keys: int | None = None) -> None:
        self.limit = limit
        self.window = window
        self.keys = keys
        self._events: dict[object, deque[float]] = {}

    def blocked(self, key: object, now: float) -> bool:
        events = self._events.get(key)
        if events is None:
            return False
        self._expire(key, events, now)
        return len(events) >= self.limit

    def record(self, key: object, now: float) -> None:
        events = self._events.pop(key, None)
        if events is None:
            events = deque()
            if self.keys is not None and len(self._events) >= self.keys:
                del self._events[next(iter(self._events))]
        events.append(now)
        self._events[key] = events  # moved to the end: the most recently seen

    def prune(self, now: float) -> None:
        for key, events in list(self._events.items()):
            self._expire(key, events, now)

    def __len__(self) -> int:
        return len(self._events)

    def _expire(self, key: object, events: deque[float], now: float) -> None:
        while events and now - events[0] >= self.window:
            events.popleft()
        if not events:
            del self._events[key]


class FailedJoins(RecentEvents):
    """Failed handshakes (bad invite, bad signature or token) per source
    address in a sliding window; past ``limit`` the address is refused."""
