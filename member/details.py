"""A member's emergency details (where they are, whom to contact), kept by them.

By default the details live only in the member's client, for the session. A
member may choose to keep them in a local file for next time: the file is
sealed with a key stretched from their passphrase (argon2id) and never holds
the details in the clear. They reach the facilitator only if the member says
yes to a consent request (client/member_session.py, ``answer_consent``).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import msgpack
import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from holdspace.client.files import config_dir, write_private
from holdspace.client.bodies import DETAIL_FIELDS

MAGIC = b"holdspace-details/1\n"
SALT_LEN = nacl.pwhash.argon2id.SALTBYTES
# Interactive limits: a second or less on a modest laptop, fine for a file that
# only ever sits on the member's own machine.
OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
_HEADER = struct.Struct(">QQ")  # opslimit, memlimit: kept so stronger limits can come later

class DetailsError(Exception):
    """The details file cannot be used; the message is for the member."""


def default_path() -> Path:
    return config_dir() / "emergency-details"


def _key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("utf-8"),
                                    salt, opslimit=opslimit, memlimit=memlimit)


def seal(details: dict[str, str], passphrase: str) -> bytes:
    if not passphrase:
        raise DetailsError("Please choose a passphrase.")
    salt = nacl.utils.random(SALT_LEN)
    box = nacl.secret.SecretBox(_key(passphrase, salt, OPSLIMIT, MEMLIMIT))
    plain = msgpack.packb({k: details[k] for k in DETAIL_FIELDS if details.get(k)}, use_bin_type=True)
    return MAGIC + salt + _HEADER.pack(OPSLIMIT, MEMLIMIT) + bytes(box.encrypt(plain))


def unseal(data: bytes, passphrase: str) -> dict[str, str]:
    head = len(MAGIC) + SALT_LEN + _HEADER.size
    if not data.startswith(MAGIC) or len(data) <= head:
        raise DetailsError("This is not a holdspace details file, or it is damaged.")
    salt = data[len(MAGIC):len(MAGIC) + SALT_LEN]
    opslimit, memlimit = _HEADER.unpack(data[len(MAGIC) + SALT_LEN:head])
    if opslimit > nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE or memlimit > nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE:
        raise DetailsError("This details file is damaged.")
    try:
        box = nacl.secret.SecretBox(_key(passphrase, salt, opslimit, memlimit))
        plain = box.decrypt(data[head:])
    except (nacl.exceptions.CryptoError, nacl.exceptions.RuntimeError, ValueError) as exc:
        raise DetailsError("That passphrase does not open the details file "
                           "(or the file is damaged).") from exc
    body = msgpack.unpackb(plain, raw=False)
    if not isinstance(body, dict):
        raise DetailsError("This details file is damaged.")
    return {k: str(body[k]) for k in DETAIL_FIELDS if body.get(k)}


def save(details: dict[str, str], passphrase: str, path: Path | None = None) -> Path:
    """Seal the details into a file only the member can read (0600)."""
    path = path or default_path()
    write_private(path, seal(details, passphrase))
    return path


def load(passphrase: str, path: Path | None = None) -> dict[str, str]:
    path = path or default_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DetailsError("There is no saved details file yet.") from exc
    except OSError as exc:
        raise DetailsError(f"The details file could not be read ({exc.strerror}).") from exc
    return unseal(data, passphrase)


def forget(path: Path | None = None) -> bool:
    """Delete the saved file. False if there was none."""
    try:
        os.remove(path or default_path())
    except FileNotFoundError:
        return False
    return True
