"""Helpers for tests that drive real sessions through a real relay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from holdspace.client import events as ev
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession
from holdspace.client.session import Session

E = TypeVar("E", bound=ev.Event)
FAST = {"backoff": (0.05, 0.5)}
TIMEOUT = 5.0


class Watcher:
    """Collects a session's events from the moment it is made; waits on them
    with a timeout instead of sleeping."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.queue = session.subscribe()
        self.seen: list[ev.Event] = []

    async def expect(self, cls: type[E], pred: Callable[[E], bool] = lambda e: True,
                     timeout: float = TIMEOUT) -> E:
        async with asyncio.timeout(timeout):
            while True:
                event = await self.queue.get()
                self.seen.append(event)
                if isinstance(event, cls) and pred(event):
                    return event

    def drain(self) -> list[ev.Event]:
        while not self.queue.empty():
            self.seen.append(self.queue.get_nowait())
        return self.seen

    def of(self, cls: type[E]) -> list[E]:
        return [e for e in self.drain() if isinstance(e, cls)]


async def open_room(relay_url: str, **kwargs: Any) -> tuple[FacilitatorSession, Watcher, InviteLink]:
    fac = FacilitatorSession(relay_url, Identity.generate(), name="Alex",
                             agreement="Be kind.", resources="Call 999.", **{**FAST, **kwargs})
    watch = Watcher(fac)
    started = await fac.start()
    assert isinstance(started, ev.Connected), started
    link = await fac.create_invite()
    return fac, watch, link


async def knock(link: InviteLink, name: str, **kwargs: Any) -> tuple[MemberSession, Watcher]:
    member = MemberSession(link, name, **{**FAST, **kwargs})
    watch = Watcher(member)
    started = await member.start()
    assert isinstance(started, ev.Connected) and started.role == "lobby", started
    await watch.expect(ev.AgreementOffered)
    return member, watch


async def seat(fac: FacilitatorSession, fwatch: Watcher, link: InviteLink,
               name: str, **kwargs: Any) -> tuple[MemberSession, Watcher]:
    """Knock, accept the agreement, be admitted, hold the key and roster."""
    member, watch = await knock(link, name, **kwargs)
    await member.agree()
    vk = member.identity.vk
    await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == vk)
    await fac.admit(vk)
    await watch.expect(ev.Admitted)
    await watch.expect(ev.GroupMessage,
                       lambda e: e.kind == "roster" and any(m["vk"] == vk for m in e.body["members"]))
    return member, watch


def texts(watch: Watcher) -> list[str]:
    return [e.body["text"] for e in watch.of(ev.GroupMessage) if e.kind == "chat"]


async def finish(fac: FacilitatorSession, *members: MemberSession) -> None:
    """Close the room and stop the members' sessions."""
    await fac.close_room()
    for member in members:
        await member.stop()
