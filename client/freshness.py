"""Whether a member's group key is still the current one, on the member's own clock.

A relay that withholds every newer key and frame could keep a member sending
under an old key that a removed member also holds. So a member asks the
facilitator (``key_ok``, with the counter ``n`` it was sent under) and the
facilitator answers with its current epoch (``key_current``, echoing ``n``). An
answer naming the member's epoch proves that epoch was current at some moment
after the question was sent; the key counts as current until STALE_SECONDS after
that question. No clocks are compared, and a held-back answer only shortens it.
Plain bookkeeping: the session sends, waits and reconnects.
"""

from __future__ import annotations

STALE_SECONDS = 60.0  # a key unproven for this long is not used any more
HEARTBEAT_SECONDS = 20.0  # how often a seated member asks


class KeyFreshness:
    def __init__(self, stale_after: float = STALE_SECONDS) -> None:
        self.stale_after = stale_after
        self.epoch = -1
        self.installed_at = 0.0
        self.proven_until: float | None = None  # None: not proven since the key came
        self._asked: dict[int, float] = {}  # question's counter -> when it was sent
        # A facilitator came back after none was connected: it may be a restarted
        # console that has not let us back in, so nothing is sent before a new proof.
        self.doubted = False

    def new_key(self, epoch: int, now: float) -> None:
        self.epoch, self.installed_at, self.proven_until = epoch, now, None

    def asked(self, n: int, now: float) -> None:
        self._asked = {k: t for k, t in self._asked.items() if now - t < self.stale_after}
        self._asked[n] = now

    def answered(self, asked: int, current_epoch: int) -> str:
        """``fresh`` (our key is proven current), ``behind`` (the facilitator is
        on a newer key we do not hold) or ``ignored`` (not an answer to a question
        of ours still open, or about a key older than ours)."""
        sent_at = self._asked.pop(asked, None)
        if sent_at is None or current_epoch < self.epoch:
            return "ignored"
        if current_epoch > self.epoch:
            return "behind"
        self.doubted = False
        until = sent_at + self.stale_after
        self.proven_until = until if self.proven_until is None else max(self.proven_until, until)
        return "fresh"

    def current(self, now: float) -> bool:
        return not self.doubted and self.proven_until is not None and now < self.proven_until

    def stale(self, now: float) -> bool:
        """Unproven for too long: since the last proof, or since the key came."""
        deadline = self.installed_at + self.stale_after if self.proven_until is None else self.proven_until
        return now >= deadline
