"""Who may come into a room: invites (by hash) and bans, each bounded.

Plain Python: no asyncio, no clock (``now`` is passed in).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from holdspace.relay.frames import HASH_LEN


def invite_hash(secret: bytes) -> bytes:
    """What the relay stores for an invite secret (it never keeps the secret)."""
    return hashlib.blake2b(secret, digest_size=HASH_LEN).digest()


@dataclass(slots=True)
class Ticket:
    """One invite: how often and until when it lets someone knock."""

    uses_left: int | None  # None: unlimited
    expires_at: float | None  # None: for the room's lifetime

    def live(self, now: float) -> bool:
        return (self.uses_left is None or self.uses_left > 0) and (
            self.expires_at is None or now < self.expires_at
        )


class Invites(dict[bytes, Ticket]):
    """A room's live invites by hash; past ``cap`` the oldest goes first."""

    def add(self, digest: bytes, ticket: Ticket, cap: int) -> None:
        self.pop(digest, None)
        _evict_oldest(self, cap)
        self[digest] = ticket

    def use(self, digest: bytes, now: float) -> bool:
        """Spend one use of the invite with ``digest``; False if it is not live."""
        ticket = self.get(digest)
        if ticket is None or not ticket.live(now):
            return False
        if ticket.uses_left is not None:
            ticket.uses_left -= 1
            if ticket.uses_left == 0:
                del self[digest]
        return True

    def prune(self, now: float) -> None:
        for digest in [d for d, ticket in self.items() if not ticket.live(now)]:
            del self[digest]


class Bans(dict[bytes, "float | None"]):
    """Refused keys: vk -> until (None: the room's lifetime); past ``cap`` the
    oldest ban goes first."""

    def add(self, vk: bytes, until: float | None, cap: int) -> None:
        self.pop(vk, None)
        _evict_oldest(self, cap)
        self[vk] = until

    def banned(self, vk: bytes, now: float) -> bool:
        if vk not in self:
            return False
        until = self[vk]
        return until is None or now < until

    def prune(self, now: float) -> None:
        for vk in [vk for vk in self if not self.banned(vk, now)]:
            del self[vk]


def _evict_oldest(entries: dict[bytes, object], cap: int) -> None:
    """Make room for one more entry; dicts keep insertion order, oldest first."""
    while entries and len(entries) >= cap:
        del entries[next(iter(entries))]
