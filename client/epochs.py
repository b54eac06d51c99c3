"""The group keys a party holds, one per epoch."""

from __future__ import annotations

from dataclasses import dataclass, field

import nacl.secret

from holdspace.client.errors import CryptoError
from holdspace.client.identity import KEY_LEN

OLD_KEY_SECONDS = 30.0


@dataclass
class EpochKeys:
    """The current epoch's key, and the previous one for a short while (frames
    in flight), then wiped."""

    epoch: int = -1
    # The first epoch of our latest run in the group: every epoch from it to
    # ``epoch`` was ours to read (a member away but still seated was in those
    # rosters, keys or not). Out of the group (held, or the seat lost with a
    # relay restart), the next key starts a new run: what was said in between
    # was not for us, so it is not "missing" (crypto.py).
    unbroken_since: int = -1
    _out: bool = True
    _boxes: dict[int, nacl.secret.SecretBox] = field(default_factory=dict)
    _raw: dict[int, bytes] = field(default_factory=dict)
    _expiry: dict[int, float] = field(default_factory=dict)

    @property
    def current(self) -> bytes | None:
        return self._raw.get(self.epoch)

    def install(self, epoch: int, key: bytes, now: float) -> None:
        """Take a new key; only for an epoch above the current one."""
        if not isinstance(key, bytes) or len(key) != KEY_LEN:
            raise CryptoError("bad_key", "a group key is 32 bytes")
        if epoch <= self.epoch:
            raise CryptoError("stale_key", f"epoch {epoch} is not above {self.epoch}")
        if self.epoch in self._raw:
            self._expiry[self.epoch] = now + OLD_KEY_SECONDS
        if self._out:
            self.unbroken_since, self._out = epoch, False
        self.epoch = epoch
        self._raw[epoch] = key
        self._boxes[epoch] = nacl.secret.SecretBox(key)
        self.expire(now)

    def left_group(self) -> None:
        """We are out of the group (in the waiting room) until the next key."""
        self._out = True

    def ours(self, epoch: int) -> bool:
        """Whether ``epoch`` is in our latest run in the group."""
        return self.unbroken_since <= epoch <= self.epoch

    def held_after(self, epoch: int) -> list[tuple[int, bytes]]:
        """Every key still held for an epoch above ``epoch``, oldest first."""
        return sorted((e, key) for e, key in self._raw.items() if e > epoch)

    def box(self, epoch: int, now: float) -> nacl.secret.SecretBox:
        self.expire(now)
        box = self._boxes.get(epoch)
        if box is None:
            raise CryptoError("no_key", f"epoch {epoch}")
        return box

    def expire(self, now: float) -> None:
        for epoch, until in list(self._expiry.items()):
            if until <= now:
                self.forget(epoch)

    def forget(self, epoch: int) -> None:
        self._boxes.pop(epoch, None)
        self._raw.pop(epoch, None)
        self._expiry.pop(epoch, None)

    def wipe(self) -> None:
        for epoch in list(self._raw):
            self.forget(epoch)
