"""Identities and the keys made from them, built only from PyNaCl.

Identities are Ed25519 keys; their X25519 Box keys are derived from them. A
safety code is what two people compare out of band to know a key is who it
says it is.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import nacl.encoding
import nacl.secret
import nacl.utils
from nacl.hash import blake2b
from nacl.public import Box, PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from holdspace.client.errors import CryptoError
from holdspace.relay.protocol import VK_LEN, auth_message

SAFETY_CONTEXT = b"holdspace-safety-v1"
KEY_LEN = nacl.secret.SecretBox.KEY_SIZE


# --- encodings ----------------------------------------------------------------


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise CryptoError("malformed", "not base64url") from exc


# --- keys -----------------------------------------------------------------------


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


def make_box(identity: Identity, peer_vk: bytes) -> Box:
    try:
        return Box(identity.box_secret, box_public_key(peer_vk))
    except CryptoError:
        raise
    except Exception as exc:
        raise CryptoError("bad_key", "cannot make a box with that key") from exc


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
