"""The invites this console gave the relay, so that a restarted relay, which
forgot them all, can be given them again as they stand: the uses left and the
time left. Counted from the knocks that came with each (the relay names the
invite's hash in ``knock``), once per member: a knock the relay passes on again
(to a reconnected console) is not a second use, and counting too few only
leaves a link good for a knock more, which the facilitator still decides.
Hashes only, in memory: the console keeps the links themselves elsewhere.

Plain bookkeeping: no asyncio; ``now`` is passed in (a monotonic clock).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Issued:
    uses: int | None  # None: any number
    until: float | None  # None: for the room's lifetime
    by: set[bytes]  # the members who knocked with it

    @property
    def uses_left(self) -> int | None:
        return None if self.uses is None else self.uses - len(self.by)


class InviteBook:
    def __init__(self) -> None:
        self._issued: dict[bytes, Issued] = {}

    def issued(self, digest: bytes, uses: int | None, expires: int | None, now: float) -> None:
        self._issued[digest] = Issued(uses, None if expires is None else now + expires, set())

    def used(self, digest: bytes | None, member: bytes) -> None:
        """``member`` knocked with it."""
        ticket = self._issued.get(digest) if digest else None
        if ticket is not None:
            ticket.by.add(member)

    def once_more(self, digest: bytes | None, *, for_good: bool = False) -> None:
        """One more use of it: the co-facilitator link of one who waits, or (``for_good``:
        for the room's lifetime) of one let in, so that it can knock again at a
        relay that forgot it (a known co-facilitator is let in again unasked)."""
        ticket = self._issued.get(digest) if digest else None
        if ticket is not None and ticket.uses is not None:
            ticket.uses = len(ticket.by) + 1
            if for_good:
                ticket.until = None

    def revoked(self, digest: bytes) -> None:
        self._issued.pop(digest, None)

    def live(self, now: float) -> list[tuple[bytes, int | None, int | None]]:
        """(hash, uses left, whole seconds left) of each invite still good."""
        for digest in [d for d, t in self._issued.items() if t.until is not None and t.until - now < 1]:
            del self._issued[digest]  # (less than a second left: as good as gone)
        return [(digest, t.uses_left, None if t.until is None else int(t.until - now))
                for digest, t in self._issued.items() if t.uses_left is None or t.uses_left > 0]
