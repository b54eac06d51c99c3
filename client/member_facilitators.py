"""Whom a member trusts as a facilitator, and where it writes (docs/PROTOCOL.md
"Co-facilitators"): the lead pinned by the link and the co-facilitators it
delegated (client/trust.py); a member's private kinds go to every one of them
the relay lists as connected (``here``: the relay's word decides where to
write and what the member is told, never whom to trust).

A mixin of MemberSession (client/member_session.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from holdspace.client import events as ev
from holdspace.client.session import SessionError

if TYPE_CHECKING:
    from holdspace.client.member_session import MemberSession

    _Base = MemberSession
else:
    _Base = object


class Facilitators(_Base):
    """The member session's trusted facilitators and where it writes."""

    delegation_wait = 5.0  # seconds a waiting member's client waits for a listed party's delegation

    @property
    def facilitators(self) -> tuple[bytes, ...]:
        """Everyone this client trusts as a facilitator, the lead first."""
        return self._need_verifier().trust.facilitators if self.verifier else (self.facilitator_vk,)

    def is_facilitator(self, vk: bytes) -> bool:
        return self.verifier is not None and vk in self.verifier.trust

    def is_cofacilitator(self, vk: bytes) -> bool:
        return self.is_facilitator(vk) and vk != self.facilitator_vk

    def targets(self) -> tuple[bytes, ...]:
        """Where a member's private kinds go: every trusted facilitator the relay
        lists as connected (every trusted one when it lists none)."""
        trusted = self.facilitators
        if self.here is None:
            return trusted
        return tuple(vk for vk in trusted if vk in self.here)

    async def _to_each(self, kind: str, **fields: Any) -> int:
        """Sent to every target; how many."""
        targets = self.targets()
        for vk in targets:
            await self._send_direct(vk, kind, **fields)
        return len(targets)

    async def _trust_changed(self) -> None:
        self._update_presence()
        cos = len(self.facilitators) - 1
        if cos != self._cos:  # who reads a member's private words is the member's to know
            self._cos = cos
            self.emit(ev.CoFacilitators(cos))
        await self._greet()
        await self._deliver_waiting()  # a co-facilitator now trusted may be the one connected

    async def _greet(self) -> None:
        """Say hello once to each co-facilitator we trust, when it is connected:
        knocks are sealed to the lead, so this is how it learns our name."""
        for vk in self.targets():
            if vk != self.facilitator_vk and vk not in self._greeted and self.connected:
                self._greeted.add(vk)
                try:
                    await self._send_direct(vk, "hello", name=self.name)
                except SessionError:
                    self._greeted.discard(vk)

    def _facilitator_is(self, present: bool, here: list[bytes] | None = None) -> None:
        self._present = present
        if not present:
            self.here = ()
        else:  # None: the relay did not say which (every trusted one, then)
            self.here = None if here is None else tuple(here)
        was = self.facilitator_here
        self._update_presence()
        if self.facilitator_here and not was:
            self.freshness.doubted = True  # back after none was: a restarted console holds a key we do not

    def _update_presence(self) -> None:
        # A facilitator is here when the relay says one is and it is one we trust:
        # what the member sends is kept at once while none is.
        self.facilitator_here = self._present and bool(self.targets())
        if self.facilitator_here == self._said_here:
            self._stop_waiting()
        elif not self.facilitator_here and self._present and self.here and self.role == "lobby":
            # The relay lists a facilitator party we do not trust yet: a co-facilitator
            # sends its delegation with the agreement at once, so wait for it rather
            # than say nobody is there and then somebody is.
            if self._awaiting_delegation is None:
                self._awaiting_delegation = self.spawn(self._wait_for_delegation())
        else:
            self._say_presence()
        self._seen_facilitator = self._seen_facilitator or self.facilitator_here

    def _stop_waiting(self) -> None:
        waiting, self._awaiting_delegation = self._awaiting_delegation, None
        if waiting is not None and waiting is not asyncio.current_task():
            waiting.cancel()

    def _say_presence(self) -> None:
        self._stop_waiting()
        self._said_here = self.facilitator_here
        self.emit(ev.FacilitatorPresence(self.facilitator_here, seen=self._seen_facilitator))

    async def _wait_for_delegation(self) -> None:
        await asyncio.sleep(self.delegation_wait)
        if self.facilitator_here != self._said_here:
            self._say_presence()
