"""Invite links: ``ws://HOST:PORT/ROOM#FACVK.SECRET``, and the same invite for a
browser, ``http://HOST:PORT/join#ROOM.FACVK.SECRET`` (the relay's member page).
Behind a proxy the relay may sit on a path: ``wss://HOST/PATH/ROOM#...`` and
``https://HOST/PATH/join#...``.
The fragment pins the facilitator's key, so a relay cannot stand in for the
facilitator; a browser never sends it to the server."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from holdspace.client.errors import CryptoError
from holdspace.client.identity import b64d, b64e, box_public_key
from holdspace.relay.protocol import INVITE_LEN, ROOM_LEN, VK_LEN


@dataclass(frozen=True)
class InviteLink:
    relay_url: str  # ws://host:port or wss://host:port, perhaps with a path: wss://host/holdspace
    room: bytes
    facilitator_vk: bytes
    secret: bytes

    @property
    def link(self) -> str:
        return f"{self.relay_url}/{b64e(self.room)}#{b64e(self.facilitator_vk)}.{b64e(self.secret)}"

    @property
    def web_link(self) -> str:
        """The same invite for a browser: the relay's member page, every part in the fragment."""
        scheme, _, host = self.relay_url.partition("://")
        http = "https" if scheme == "wss" else "http"
        return f"{http}://{host}/join#{b64e(self.room)}.{b64e(self.facilitator_vk)}.{b64e(self.secret)}"

    def __str__(self) -> str:
        return self.link


class InviteError(ValueError):
    """An invite link that cannot be used; the message is for the member."""


def parse_invite(link: str) -> InviteLink:
    """Either form: the terminal link or the relay's web link."""
    bad = InviteError(
        "That link does not look like a holdspace invite. Please check you copied "
        "all of it, including the part after the # sign."
    )
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        raise bad from None
    scheme, rest = parts.scheme, parts.fragment
    # The last part of the path is the room (or "join" in a web link); what
    # comes before it is the relay's own path behind a proxy.
    relay_path, _, room_text = parts.path.rstrip("/").rpartition("/")
    if scheme in ("http", "https") and room_text == "join":
        scheme = "wss" if scheme == "https" else "ws"
        room_text, _, rest = rest.partition(".")
    if scheme not in ("ws", "wss") or not parts.netloc or "." not in rest:
        raise bad
    fac_text, _, secret_text = rest.partition(".")
    try:
        room = b64d(room_text)
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
    return InviteLink(f"{scheme}://{parts.netloc}{relay_path}", room, fac, secret)
