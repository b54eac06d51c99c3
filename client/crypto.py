"""End-to-end crypto for holdspace, built only from PyNaCl's constructions.

Identities are Ed25519 keys; Box keys are derived from them. Group messages are
signed by the sender, then sealed with the epoch's SecretBox key; direct messages
are sealed with Box. Every nonce is PyNaCl's random one, travelling with the
ciphertext. What is signed or boxed binds kind, room, epoch/recipient and the
sender's counter, so a frame cannot be replayed or passed off as another.

Everything that goes wrong becomes ``CryptoError(reason)``: callers turn it into
a visible "could not be verified" state, never a crash.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import msgpack
import nacl.encoding
import nacl.exceptions
import nacl.secret
import nacl.utils
from nacl.hash import blake2b
from nacl.public import Box, PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from holdspace.client import payloads
from holdspace.relay.protocol import INVITE_LEN, ROOM_LEN, VK_LEN, ProtocolError, auth_message

SAFETY_CONTEXT = b"holdspace-safety-v1"
KEY_LEN = nacl.secret.SecretBox.KEY_SIZE
OLD_KEY_SECONDS = 30.0

# Reason codes carried by CryptoError and shown (in plain words) to the user.
REASONS = {
    "no_key": "a message arrived for a key we do not hold",
    "undecryptable": "a message could not be decrypted",
    "bad_signature": "a message had a signature that did not match its sender",
    "not_in_roster": "a message came from someone the facilitator has not let in",
    "facilitator_only": "a message only the facilitator may send came from someone else",
    "wrong_room": "a message belonged to another room",
    "wrong_epoch": "a message claimed a different key period than it was sealed with",
    "wrong_recipient": "a private message was addressed to someone else",
    "replayed": "a message was a repeat or out of order",
    "not_from_facilitator": "a private message did not come from the facilitator",
    "stale_key": "an old or repeated key was offered",
    "bad_key": "a key was malformed",
    "malformed": "a message was malformed",
}


class CryptoError(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def plain(self) -> str:
        return REASONS.get(self.reason, "a message could not be verified")


# --- encodings ----------------------------------------------------------------


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise CryptoError("malformed", "not base64url") from exc


def pack(body: dict[str, Any]) -> bytes:
    return msgpack.packb(body, use_bin_type=True)


def unpack(data: bytes) -> Any:
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # any msgpack failure means a malformed body
        raise CryptoError("malformed", "not msgpack") from exc


# --- identities ---------------------------------------------------------------


def verify_key(vk: bytes) -> VerifyKey:
    if not isinstance(vk, bytes) or len(vk) != VK_LEN:
        raise CryptoError("bad_key", "a verify key is 32 bytes")
    return VerifyKey(vk)


def box_public_key(vk: bytes) -> PublicKey:
    """The X25519 key of an identity; refuses invalid and low-order points."""
    try:
        curve = verify_key(vk).to_curve25519_public_key()
    except CryptoError:
        raise
    except Exception as exc:  # libsodium refuses points not on the curve
        raise CryptoError("bad_key", "not a valid public key") from exc
    if _is_low_order(bytes(curve)):
        raise CryptoError("bad_key", "low-order public key")
    return curve


def _is_low_order(curve_pk: bytes) -> bool:
    # A Box with a low-order point yields a predictable shared key; libsodium's
    # crypto_box_beforenm refuses it, so try it against a throwaway key.
    try:
        Box(PrivateKey.generate(), PublicKey(curve_pk))
    except Exception:
        return True
    return False


@dataclass(frozen=True)
class Identity:
    """A party's long-term or per-session signing key."""

    signing_key: SigningKey

    @classmethod
    def generate(cls) -> Identity:
        return cls(SigningKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        if len(seed) != 32:
            raise CryptoError("bad_key", "a seed is 32 bytes")
        return cls(SigningKey(seed))

    @property
    def seed(self) -> bytes:
        return bytes(self.signing_key)

    @property
    def vk(self) -> bytes:
        return bytes(self.signing_key.verify_key)

    @property
    def box_secret(self) -> PrivateKey:
        return self.signing_key.to_curve25519_private_key()

    def answer_challenge(self, nonce: bytes) -> bytes:
        return self.signing_key.sign(auth_message(nonce)).signature

    def sign(self, message: bytes) -> bytes:
        return bytes(self.signing_key.sign(message))


def safety_code(vk: bytes) -> str:
    digest = blake2b(SAFETY_CONTEXT + vk, digest_size=8, encoder=nacl.encoding.RawEncoder)
    digits = f"{int.from_bytes(digest, 'big') % 10**12:012d}"
    return f"{digits[0:4]} {digits[4:8]} {digits[8:12]}"


def invite_hash(secret: bytes) -> bytes:
    return blake2b(secret, digest_size=32, encoder=nacl.encoding.RawEncoder)


def random_bytes(n: int) -> bytes:
    return nacl.utils.random(n)


def new_epoch_key() -> bytes:
    return nacl.utils.random(KEY_LEN)


# --- invite links ---------------------------------------------------------------


@dataclass(frozen=True)
class InviteLink:
    relay_url: str  # ws://host:port or wss://host:port
    room: bytes
    facilitator_vk: bytes
    secret: bytes

    @property
    def link(self) -> str:
        return f"{self.relay_url}/{b64e(self.room)}#{b64e(self.facilitator_vk)}.{b64e(self.secret)}"

    def __str__(self) -> str:
        return self.link


class InviteError(ValueError):
    """An invite link that cannot be used; the message is for the member."""


def parse_invite(link: str) -> InviteLink:
    bad = InviteError(
        "That link does not look like a holdspace invite. Please check you copied "
        "all of it, including the part after the # sign."
    )
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        raise bad from None
    if parts.scheme not in ("ws", "wss") or not parts.netloc or "." not in parts.fragment:
        raise bad
    fac_text, _, secret_text = parts.fragment.partition(".")
    try:
        room = b64d(parts.path.strip("/"))
        fac = b64d(fac_text)
        secret = b64d(secret_text)
    except CryptoError:
        raise bad from None
    if len(room) != ROOM_LEN or len(fac) != VK_LEN or len(secret) != INVITE_LEN:
        raise bad
    try:
        box_public_key(fac)
    except CryptoError:
        raise bad from None
    return InviteLink(f"{parts.scheme}://{parts.netloc}", room, fac, secret)


# --- counters -------------------------------------------------------------------


class Counter:
    """A sender's message counter. It starts at the clock (in microseconds) so it
    still only grows after a restart, without writing anything to disk."""

    def __init__(self, start: int | None = None) -> None:
        self._last = time.time_ns() // 1000 if start is None else start

    def next(self) -> int:
        self._last += 1
        return self._last


# --- sealing ------------------------------------------------------------------------


def seal_group(identity: Identity, key: bytes, body: dict[str, Any]) -> bytes:
    return nacl.secret.SecretBox(key).encrypt(identity.sign(pack(body)))


def seal_direct(box: Box, body: dict[str, Any]) -> bytes:
    return bytes(box.encrypt(pack(body)))


def make_box(identity: Identity, peer_vk: bytes) -> Box:
    try:
        return Box(identity.box_secret, box_public_key(peer_vk))
    except CryptoError:
        raise
    except Exception as exc:
        raise CryptoError("bad_key", "cannot make a box with that key") from exc


def seal_knock(identity: Identity, facilitator_vk: bytes, name: str, client: str) -> bytes:
    return seal_direct(make_box(identity, facilitator_vk), {"name": name, "client": client})


def open_knock(identity: Identity, member_vk: bytes, ct: bytes) -> dict[str, Any]:
    plain = _box_open(make_box(identity, member_vk), ct)
    try:
        return payloads.check_knock(unpack(plain))
    except ProtocolError as exc:
        raise CryptoError("malformed", exc.msg) from exc


def _box_open(box: Box, ct: bytes) -> bytes:
    try:
        return box.decrypt(ct)
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise CryptoError("undecryptable") from exc


# --- keys held by a party -------------------------------------------------------------


@dataclass
class EpochKeys:
    """The group keys a party holds: the current epoch's, and the previous one for
    a short while (frames in flight), then wiped."""

    epoch: int = -1
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
        self.epoch = epoch
        self._raw[epoch] = key
        self._boxes[epoch] = nacl.secret.SecretBox(key)
        self.expire(now)

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


# --- the acceptance rules -------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A frame that passed every check."""

    sender: bytes
    body: dict[str, Any]
    gap: int = 0  # how many of the sender's messages went missing before it


class Verifier:
    """Opens incoming frames for one party and applies every acceptance rule of
    protocol v1: keys, roster, signature, room, epoch, recipient, counters."""

    def __init__(self, identity: Identity, room: bytes, facilitator_vk: bytes) -> None:
        self.identity = identity
        self.vk = identity.vk  # derived from the signing key on every access otherwise
        self.room = room
        self.facilitator_vk = facilitator_vk
        self.keys = EpochKeys()
        self._rosters: dict[int, frozenset[bytes]] = {}
        self._last_group: dict[bytes, int] = {}
        self._last_direct: dict[bytes, int] = {}
        self._boxes: dict[bytes, Box] = {}

    # rosters -----------------------------------------------------------------
    def set_roster(self, epoch: int, members: frozenset[bytes] | set[bytes]) -> None:
        self._rosters[epoch] = frozenset(members)
        for old in [e for e in self._rosters if e < epoch - 1]:
            del self._rosters[old]

    def roster_known(self, epoch: int) -> bool:
        return epoch in self._rosters

    def box_for(self, peer_vk: bytes) -> Box:
        box = self._boxes.get(peer_vk)
        if box is None:
            box = self._boxes[peer_vk] = make_box(self.identity, peer_vk)
        return box

    def restart_baseline(self, sender: bytes) -> None:
        """The sender restarted (a key with intro): its counter jumped forward on
        purpose, so do not report that jump as missing messages."""
        self._last_group.pop(sender, None)
        self._last_direct.pop(sender, None)

    # group ---------------------------------------------------------------------
    def open_group(self, sender: bytes, epoch: int, ct: bytes, now: float) -> Opened:
        box = self.keys.box(epoch, now)
        try:
            signed = box.decrypt(ct)
        except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
            raise CryptoError("undecryptable") from exc
        is_facilitator = sender == self.facilitator_vk
        if not is_facilitator:
            roster = self._rosters.get(epoch)
            if roster is None or sender not in roster:
                raise CryptoError("not_in_roster")
        try:
            message = verify_key(sender).verify(signed)
        except (nacl.exceptions.BadSignatureError, ValueError, TypeError) as exc:
            raise CryptoError("bad_signature") from exc
        body = self._checked(payloads.check_group_body, message)
        if body["room"] != self.room:
            raise CryptoError("wrong_room")
        if body["epoch"] != epoch:
            raise CryptoError("wrong_epoch")
        if body["k"] in payloads.FACILITATOR_ONLY_GROUP and not is_facilitator:
            raise CryptoError("facilitator_only", body["k"])
        gap = self._advance(self._last_group, sender, body["n"])
        return Opened(sender, body, gap)

    # direct ---------------------------------------------------------------------
    def open_direct(self, sender: bytes, ct: bytes, *, only_facilitator: bool) -> Opened:
        if only_facilitator and sender != self.facilitator_vk:
            raise CryptoError("not_from_facilitator")
        plain = _box_open(self.box_for(sender), ct)
        body = self._checked(payloads.check_direct_body, plain)
        if body["room"] != self.room:
            raise CryptoError("wrong_room")
        if body["to"] != self.vk:
            raise CryptoError("wrong_recipient")
        if body["k"] in payloads.FACILITATOR_ONLY_DIRECT and sender != self.facilitator_vk:
            raise CryptoError("facilitator_only", body["k"])
        gap = self._advance(self._last_direct, sender, body["n"])
        return Opened(sender, body, gap)

    @staticmethod
    def _checked(check: Any, message: bytes) -> dict[str, Any]:
        try:
            return check(unpack(message))
        except ProtocolError as exc:
            raise CryptoError("malformed", exc.msg) from exc

    @staticmethod
    def _advance(last: dict[bytes, int], sender: bytes, n: int) -> int:
        previous = last.get(sender)
        if previous is not None and n <= previous:
            raise CryptoError("replayed", f"counter {n} after {previous}")
        last[sender] = n
        return 0 if previous is None else n - previous - 1


class Sealer:
    """Builds outgoing frames for one party: stamps room, counters and time."""

    def __init__(self, identity: Identity, room: bytes, verifier: Verifier) -> None:
        self.identity = identity
        self.room = room
        self.verifier = verifier
        self._group = Counter()
        self._direct: dict[bytes, Counter] = {}

    def group(self, kind: str, epoch: int, key: bytes, **fields: Any) -> bytes:
        body = {"k": kind, "room": self.room, "epoch": epoch, "n": self._group.next(),
                "ts": int(time.time()), **_present(fields)}
        return seal_group(self.identity, key, body)

    def direct(self, to: bytes, kind: str, **fields: Any) -> bytes:
        counter = self._direct.get(to)
        if counter is None:  # not setdefault: building a Counter reads the clock
            counter = self._direct[to] = Counter()
        body = {"k": kind, "room": self.room, "to": to, "n": counter.next(),
                "ts": int(time.time()), **_present(fields)}
        return seal_direct(self.verifier.box_for(to), body)


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
