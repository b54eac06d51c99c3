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


class FailedJoins:
    """Failed handshakes (bad invite, bad signature or token) per source
    address in a sliding window; past ``limit`` the address is refused."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, address: str, now: float) -> bool:
        failures = self._failures.get(address)
        if failures is None:
            return False
        self._expire(address, failures, now)
        return len(failures) >= self.limit

    def record(self, address: str, now: float) -> None:
        self._failures.setdefault(address, deque()).append(now)

    def prune(self, now: float) -> None:
        for address, failures in list(self._failures.items()):
            self._expire(address, failures, now)

    def __len__(self) -> int:
        return len(self._failures)

    def _expire(self, address: str, failures: deque[float], now: float) -> None:
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        if not failures:
            del self._failures[address]
