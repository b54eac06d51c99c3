"""The lead's invites at the relay: making and revoking links, and giving a
restarted relay (which forgot them all) each one again as it stands, counted in
client/invite_book.py: the uses and time left, and a co-facilitator's link once
more, so that it can knock again and be let in unasked.

A mixin of FacilitatorSession (client/facilitator_session.py).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from holdspace.client.identity import invite_hash, random_bytes
from holdspace.client.invites import InviteLink
from holdspace.client.session import SessionError
from holdspace.relay import protocol

if TYPE_CHECKING:
    from holdspace.client.facilitator_session import FacilitatorSession

    _Base = FacilitatorSession
else:
    _Base = object


class RoomInvites(_Base):
    async def create_invite(self, uses: int | None = None, expires: int | None = None) -> InviteLink:
        if self.room is None:
            raise SessionError("The room is not open yet.")
        # Links pin the lead (a co-facilitator's links too: members trust the lead).
        link = InviteLink(self.invite_url.rstrip("/"), self.room, self.facilitator_vk, random_bytes(16))
        await self._send(protocol.frame("invite", hash=invite_hash(link.secret), uses=uses, expires=expires))
        self.invite_book.issued(invite_hash(link.secret), uses, expires, self.clock())
        if uses is None and expires is None:
            self.invites.append(link)
        return link

    async def revoke_invite(self, link: InviteLink) -> None:
        await self._send(protocol.frame("revoke", hash=invite_hash(link.secret)))
        self.invite_book.revoked(invite_hash(link.secret))
        with contextlib.suppress(ValueError):
            self.invites.remove(link)

    async def _invites_again(self) -> None:
        """After every ready: a restarted relay forgot every invite (one that did
        not forget has each set as it stands)."""
        for hashed, uses, expires in self.invite_book.live(self.clock()):
            await self._send(protocol.frame("invite", hash=hashed, uses=uses, expires=expires))

    def _co_link_done(self, member: bytes, *, seated: bool) -> None:
        """A co-facilitator let in keeps its link for knocking again at a restarted
        relay; one denied or removed has it no more."""
        digest = self.waiting.get(member, {}).get("invite") or self._co_links.pop(member, None)
        if digest is None:
            return
        if seated:
            self._co_links[member] = digest
            self.invite_book.once_more(digest, for_good=True)
        else:
            self.invite_book.revoked(digest)
