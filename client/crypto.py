"""Sealing and opening end-to-end frames, and the acceptance rules of protocol v1.

Group messages are signed by the sender, then sealed with the epoch's SecretBox
key; direct messages are sealed with Box. Every nonce is PyNaCl's random one,
travelling with the ciphertext. What is signed or boxed binds kind, room,
epoch/recipient and the sender's counter (client/bodies.py), so a frame cannot
be replayed or passed off as another. Every refusal is a ``CryptoError``.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import msgpack
import msgspec
import nacl.exceptions
import nacl.secret
import nacl.utils
from nacl.bindings import crypto_box_afternm, crypto_box_open_afternm
from nacl.public import Box
from nacl.signing import VerifyKey

from holdspace.client import bodies
from holdspace.client.epochs import EpochKeys
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, make_box, verify_key
from holdspace.client.trust import Trust, delegation_valid, sign_delegation

__all__ = ["Counter", "Opened", "Sealer", "Verifier", "delegation_valid", "open_knock", "pack",
           "seal_direct", "seal_group", "seal_knock", "sign_delegation", "unpack"]

_OPEN_FAILED = (nacl.exceptions.CryptoError, ValueError, TypeError)
NONCE_LEN = Box.NONCE_SIZE
# Rosters of epochs before the newest kept: a frame resent after a reconnection
# may come a few rekeys late (its sender's key is still held, epochs.py).
ROSTERS_KEPT = 4
RECENT_KEPT = 128  # counters per sender remembered, to tell a resent frame from a replay
# A counter jump this large is a sender that restarted (counters start at the
# clock in microseconds: one second away is a million), never frames lost: a
# relay would have to drop a million of one sender's frames, far past any rate limit.
RESTART_JUMP = 1_000_000


def pack(body: dict[str, Any] | bodies.Fields) -> bytes:
    if isinstance(body, dict):  # hand-built bodies (tests, hostile parties)
        return msgpack.packb(body, use_bin_type=True)
    return bodies.encode(body)


def unpack(data: bytes) -> Any:
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # any msgpack failure means a malformed body
        raise CryptoError("malformed", "not msgpack") from exc


class Counter:
    """A sender's message counter. It starts at the clock (in microseconds) so it
    still only grows after a restart, without writing anything to disk."""

    __slots__ = ("_last",)

    def __init__(self, start: int | None = None) -> None:
        self._last = time.time_ns() // 1000 if start is None else start

    def next(self) -> int:
        self._last += 1
        return self._last


# --- sealing ------------------------------------------------------------------------


def seal_group(identity: Identity, key: bytes, body: dict[str, Any] | bodies.Fields) -> bytes:
    return nacl.secret.SecretBox(key).encrypt(identity.sign(pack(body)))


def seal_direct(box: Box, body: dict[str, Any] | bodies.Fields) -> bytes:
    return bytes(box.encrypt(pack(body)))


def seal_knock(identity: Identity, facilitator_vk: bytes, name: str, client: str,
               role: str | None = None) -> bytes:
    return seal_direct(make_box(identity, facilitator_vk), bodies.Knock(name=name, client=client, role=role))


def open_knock(identity: Identity, member_vk: bytes, ct: bytes) -> bodies.Knock:
    plain = _box_open(make_box(identity, member_vk), ct)
    try:
        return bodies.decode_knock(plain)
    except bodies.BodyError as exc:
        raise CryptoError("malformed", str(exc)) from exc


# Box.encrypt and Box.decrypt with the box's precomputed key, minus the wrapper
# objects they build around each message: the same libsodium calls, the same
# random nonce and the same nonce || ciphertext bytes, for a cost that shows in
# every direct (bench/crypto_bench.py measures it against Box itself).
def _box_seal(shared_key: bytes, plain: bytes) -> bytes:
    nonce = nacl.utils.random(NONCE_LEN)
    return nonce + crypto_box_afternm(plain, nonce, shared_key)


def _box_unseal(shared_key: bytes, ct: bytes) -> bytes:
    return crypto_box_open_afternm(ct[NONCE_LEN:], ct[:NONCE_LEN], shared_key)


def _box_open(box: Box, ct: bytes) -> bytes:
    try:
        return box.decrypt(ct)
    except _OPEN_FAILED as exc:
        raise CryptoError("undecryptable") from exc


# --- the acceptance rules -------------------------------------------------------------


class Opened(msgspec.Struct, frozen=True, gc=False):
    """A frame that passed every check (a Struct: cheap to build for every message)."""

    sender: bytes
    body: Any  # a bodies.GroupBody or bodies.DirectBody
    gap: int = 0  # how many of the sender's messages went missing before it


class Verifier:
    """Opens incoming frames for one party and applies every acceptance rule of
    protocol v1: keys, roster, signature, room, epoch, recipient, counters, and
    whom to take facilitator kinds from (client/trust.py)."""

    def __init__(self, identity: Identity, room: bytes, facilitator_vk: bytes) -> None:
        self.identity = identity
        self.vk = identity.vk  # derived from the signing key on every access otherwise
        self.room = room
        self.facilitator_vk = facilitator_vk
        self.trust = Trust(room, facilitator_vk)
        self.keys = EpochKeys()
        self._rosters: dict[int, frozenset[bytes]] = {}
        self._newest_roster: tuple[int, frozenset[bytes]] = (-1, frozenset())
        self._floor: dict[bytes, int] = {}  # sender -> counters at or below are refused
        self._last_group: dict[bytes, int] = {}
        self._group_epoch: dict[bytes, int] = {}  # sender -> epoch of its last group frame
        self._recent_group: dict[bytes, deque[int]] = {}  # sender -> counters lately accepted
        self._last_direct: dict[bytes, int] = {}
        self._boxes: dict[bytes, Box] = {}
        self._shared: dict[bytes, bytes] = {}  # peer -> its box's precomputed key
        self._verify_keys: dict[bytes, VerifyKey] = {}

    # rosters -----------------------------------------------------------------
    def set_roster(self, epoch: int, members: frozenset[bytes] | set[bytes]) -> None:
        self._rosters[epoch] = frozenset(members)
        if epoch >= self._newest_roster[0]:
            self._newest_roster = (epoch, self._rosters[epoch])
        for old in [e for e in self._rosters if e < epoch - ROSTERS_KEPT]:
            del self._rosters[old]

    def roster_known(self, epoch: int) -> bool:
        return epoch in self._rosters

    def box_for(self, peer_vk: bytes) -> Box:
        box = self._boxes.get(peer_vk)
        if box is None:
            box = self._boxes[peer_vk] = make_box(self.identity, peer_vk)
        return box

    def shared_key(self, peer_vk: bytes) -> bytes:
        shared = self._shared.get(peer_vk)
        if shared is None:
            shared = self._shared[peer_vk] = self.box_for(peer_vk).shared_key()
        return shared

    def restart_baseline(self, sender: bytes, since: int = 0) -> None:
        """The sender restarted (a key with intro): its counters jumped forward on
        purpose, so do not report that jump as missing messages; and every counter
        of its new run is above ``since``, so refuse anything at or below it
        (what it sealed before the restart, replayed)."""
        self._last_group.pop(sender, None)
        self._group_epoch.pop(sender, None)
        self._recent_group.pop(sender, None)
        self._last_direct.pop(sender, None)
        self._floor[sender] = max(since, self._floor.get(sender, 0))

    # group ---------------------------------------------------------------------
    def open_group(self, sender: bytes, epoch: int, ct: bytes, now: float) -> Opened:
        box = self.keys.box(epoch, now)
        try:
            signed = box.decrypt(ct)
        except _OPEN_FAILED as exc:
            raise CryptoError("undecryptable") from exc
        is_facilitator = sender in self.trust
        if not is_facilitator:
            # Listed in that epoch's roster, and still in the newest one: after a
            # removal, frames from the removed key are refused in every epoch at once.
            roster = self._rosters.get(epoch)
            if roster is None or sender not in roster or sender not in self._newest_roster[1]:
                raise CryptoError("not_in_roster")
        try:
            key = self._verify_keys.get(sender)
            if key is None:
                key = self._verify_keys[sender] = verify_key(sender)
            message = key.verify(signed)
        except (nacl.exceptions.BadSignatureError, ValueError, TypeError) as exc:
            raise CryptoError("bad_signature") from exc
        try:
            body = bodies.decode_group(message)
        except bodies.BodyError as exc:
            raise CryptoError("malformed", str(exc)) from exc
        if body.room != self.room:
            raise CryptoError("wrong_room")
        if body.epoch != epoch:
            raise CryptoError("wrong_epoch")
        if body.kind in bodies.FACILITATOR_ONLY_GROUP and not is_facilitator:
            raise CryptoError("facilitator_only", body.kind)
        if body.kind == "roster":
            self.trust.check_roster(body.members)
        since = self._group_epoch.get(sender, epoch)
        gap = self._advance(self._last_group, sender, body.n)
        self._group_epoch[sender] = epoch
        if not self.keys.ours(since):
            gap = 0  # the jump spans epochs we were not keyed for: nothing of ours is missing
        return Opened(sender, body, _lost(gap))

    # direct ---------------------------------------------------------------------
    def open_direct(self, sender: bytes, ct: bytes, *, only_facilitator: bool) -> Opened:
        trusted = sender in self.trust
        shared = self._shared.get(sender)
        if shared is None:
            # A member keeps the box keys of its facilitators only: a relay naming
            # endless senders of its own must not grow what the member holds.
            keep = trusted or not only_facilitator
            shared = self.shared_key(sender) if keep else make_box(self.identity, sender).shared_key()
        try:
            body = bodies.decode_direct(_box_unseal(shared, ct))
        except bodies.BodyError as exc:
            raise CryptoError("malformed", str(exc)) from exc
        except _OPEN_FAILED as exc:
            raise CryptoError("undecryptable") from exc
        if body.room != self.room:
            raise CryptoError("wrong_room")
        if body.to != self.vk:
            raise CryptoError("wrong_recipient")
        if only_facilitator and not trusted and body.delegation is not None:
            # A member hearing from a co-facilitator it had not heard of yet (a
            # waiting member sees no roster): the lead's signature makes it one.
            # (Facilitators learn theirs from rosters, and the lead when it promotes.)
            trusted = self.trust.learn(sender, body.delegation)
        if only_facilitator and not trusted:
            raise CryptoError("not_from_facilitator")
        if not trusted and (body.kind in bodies.FACILITATOR_ONLY_DIRECT
                            or body.kind in bodies.BETWEEN_FACILITATORS):
            raise CryptoError("facilitator_only", body.kind)
        # The counter rule of _advance, written out: this runs for every direct.
        previous = self._last_direct.get(sender)
        if previous is None:
            self._above_floor(sender, body.n)
        elif body.n <= previous:
            raise CryptoError("replayed", f"counter {body.n} after {previous}")
        self._last_direct[sender] = body.n
        return Opened(sender, body, 0 if previous is None else _lost(body.n - previous - 1))

    def _advance(self, last: dict[bytes, int], sender: bytes, n: int) -> int:
        """The counter rule for group frames (``last`` is _last_group)."""
        previous = last.get(sender)
        recent = self._recent_group.get(sender)
        if previous is None:
            self._above_floor(sender, n)
        elif n <= previous:
            if recent is not None and n in recent:
                # A frame we have, sent again by a sender who never saw the relay's echo.
                raise CryptoError("duplicate", f"counter {n}")
            raise CryptoError("replayed", f"counter {n} after {previous}")
        last[sender] = n
        if recent is None:
            recent = self._recent_group[sender] = deque(maxlen=RECENT_KEPT)
        recent.append(n)
        return 0 if previous is None else n - previous - 1

    def _above_floor(self, sender: bytes, n: int) -> None:
        floor = self._floor.get(sender)
        if floor is not None and n <= floor:
            raise CryptoError("replayed", "sealed before its sender restarted")


def _lost(gap: int) -> int:
    """How many of a counter jump were frames lost: none when it is a restart."""
    return 0 if gap >= RESTART_JUMP else gap


class Sealer:
    """Builds outgoing frames for one party: stamps room, counters and time."""

    def __init__(self, identity: Identity, room: bytes, verifier: Verifier) -> None:
        self.identity = identity
        self.room = room
        self.verifier = verifier
        # Every counter starts at the same moment (the clock, in microseconds):
        # after a restart all of them are above ``base`` of the run before.
        self.base = time.time_ns() // 1000
        self.last_n = 0  # the counter of the frame sealed last
        self._group = Counter(self.base)
        self._direct: dict[bytes, tuple[Counter, bytes]] = {}  # recipient -> counter, box key
        self._secret_box: tuple[bytes, nacl.secret.SecretBox] | None = None
        self.delegation: bytes | None = None  # a co-facilitator's: sent with every direct

    def group(self, kind: str, epoch: int, key: bytes, **fields: Any) -> bytes:
        self.last_n = n = self._group.next()
        body = bodies.GROUP_KINDS[kind](self.room, n, int(time.time()), epoch, **fields)
        if self._secret_box is None or self._secret_box[0] != key:
            self._secret_box = (key, nacl.secret.SecretBox(key))
        return self._secret_box[1].encrypt(self.identity.sign(bodies.encode(body)))

    def direct(self, to: bytes, kind: str, **fields: Any) -> bytes:
        peer = self._direct.get(to)
        if peer is None:
            peer = self._direct[to] = (Counter(self.base), self.verifier.shared_key(to))
        counter, shared = peer
        self.last_n = n = counter.next()
        body = bodies.DIRECT_KINDS[kind](self.room, n, int(time.time()), to,
                                         delegation=self.delegation, **fields)
        return _box_seal(shared, bodies.encode(body))
