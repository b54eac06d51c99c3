"""Invite links, who came in with which, and people removed from the session.

There are no accounts: a removed member can knock again with a fresh key. The
console cannot stop that, but it can say so. The relay tells which invite a
knock used (its hash, docs/PROTOCOL.md), so a knock through the personal link
of someone removed, or under the same name, or with the same key once a timed
removal ends, is flagged in the waiting room. Plain Python: no screen, no
network; the app does what a removal decides (revoke, replace).
"""

from __future__ import annotations

from dataclasses import dataclass

from holdspace.client.identity import invite_hash
from holdspace.client.invites import InviteLink

PERSONAL_USES = 3  # a few, for a dropped connection or a second device


@dataclass(frozen=True)
class Personal:
    label: str  # whose link: the facilitator's own word, never sent to anyone
    link: InviteLink


@dataclass(frozen=True)
class Removed:
    vk: bytes
    name: str
    invite: bytes  # the hash of the link they came in with (b"": not known)
    at: float


class LinkBook:
    def __init__(self) -> None:
        self.personal: dict[bytes, Personal] = {}
        self.came_with: dict[bytes, bytes] = {}  # member vk -> invite hash
        self.removed: list[Removed] = []

    def add_personal(self, label: str, link: InviteLink) -> Personal:
        personal = Personal(label, link)
        self.personal[invite_hash(link.secret)] = personal
        return personal

    def personal_link_of(self, vk: bytes) -> Personal | None:
        return self.personal.get(self.came_with.get(vk, b""))

    def forget_personal(self, personal: Personal) -> None:
        self.personal.pop(invite_hash(personal.link.secret), None)

    def note_removed(self, vk: bytes, name: str, now: float) -> None:
        self.removed.append(Removed(vk, name, self.came_with.get(vk, b""), now))

    def knocked(self, vk: bytes, name: str, invite: bytes, now: float) -> str:
        """Note which link a knock used; what the waiting-room item should say
        about earlier removals ("" when nothing matches)."""
        if invite:
            self.came_with[vk] = invite
        said: dict[str, str] = {}  # removed name -> what matches, most recent removal first
        for gone in reversed(self.removed):
            matches = []
            if gone.vk == vk:
                matches.append(f"uses the same key as {gone.name}")
            if invite and invite == gone.invite and invite in self.personal:
                matches.append(f"came in with the link {gone.name} used")
            if _same_name(name, gone.name):
                matches.append(f"gives the same name as {gone.name}")
            if matches and gone.name not in said:
                said[gone.name] = (" and ".join(matches)
                                   + f"; {gone.name} was removed {_ago(now - gone.at)}")
        return "; ".join(said.values())

    def came_in_with(self, vk: bytes) -> str:
        """Which link, in words, for the waiting room ("" for the shared one)."""
        personal = self.personal_link_of(vk)
        return f"with the personal link for {personal.label}" if personal else ""


def _same_name(a: str, b: str) -> bool:
    return bool(a.strip()) and " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return f"{minutes // 60} hours ago"
