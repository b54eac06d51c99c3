"""Invite links: ``ws://HOST:PORT/ROOM#FACVK.SECRET``. The fragment pins the
facilitator's key, so a relay cannot stand in for the facilitator."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from holdspace.client.errors import CryptoError
from holdspace.client.identity import b64d, b64e, box_public_key
from holdspace.relay.protocol import INVITE_LEN, ROOM_LEN, VK_LEN


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
