"""Helpers for the co-facilitator tests: a co-facilitator let in and promoted,
a console killed, what members are shown."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.member_session import MemberSession
from holdspace.client.session import Session
from tests.session_helpers import FAST, Watcher


async def kill(fac: FacilitatorSession) -> None:
    """The console's process dies: its socket goes with no closing handshake."""
    assert fac._ws is not None
    fac._ws.transport.abort()
    await fac.stop()


async def kill_link(session: FacilitatorSession) -> None:
    """The connection dies under a session that lives on (and tries to reconnect)."""
    assert session._ws is not None
    session._ws.transport.abort()


async def bring_co(fac: FacilitatorSession, fw: Watcher,
                   name: str = "Bo") -> tuple[FacilitatorSession, Watcher]:
    """Make a co-facilitator link, join with it, be let in and promoted."""
    link = await fac.create_co_invite()
    co = FacilitatorSession.cofacilitator(link, Identity.generate(), name, **FAST)
    cw = Watcher(co)
    started = await co.start()
    assert isinstance(started, ev.Connected) and started.role == "lobby", started
    knocked = await fw.expect(ev.Knock, lambda e: e.member == co.identity.vk)
    assert knocked.cofacilitator and knocked.safety_code == co.safety_code
    await fac.admit(co.identity.vk)
    await cw.expect(ev.Promoted)
    await cw.expect(ev.RosterChanged, lambda e: (co.identity.vk, name, "cofacilitator") in e.members)
    assert co.role == "cofacilitator" and fac.role == "facilitator"
    assert co.facilitator_code == fac.safety_code and not co.is_keyholder and fac.is_keyholder
    return co, cw


async def named_in_roster(watch: Watcher, vk: bytes) -> None:
    await watch.expect(ev.GroupMessage,
                       lambda e: e.kind == "roster" and any(m["vk"] == vk for m in e.body["members"]))


async def can_send(member: MemberSession, text: str) -> None:
    """The member's chat goes out: its client waits (up to 5 s) for the facilitator
    holding the keys to prove its key current, and raises if that never comes."""
    await member.chat(text)


def vk_of(session: Session) -> bytes:
    return session.identity.vk
