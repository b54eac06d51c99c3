"""Helpers for the co-facilitator tests: a co-facilitator let in and promoted,
a console killed, what members are shown."""

from __future__ import annotations

from dataclasses import dataclass

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.member_session import MemberSession
from holdspace.client.session import Session
from tests.session_helpers import FAST, Watcher, open_room, seat


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


async def heard(member: MemberSession, text: str, watch: Watcher) -> None:
    """The member's chat goes out and the party ``watch`` follows reads it."""
    await can_send(member, text)
    await watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == text)


def vk_of(session: Session) -> bytes:
    return session.identity.vk


@dataclass
class TwoCos:
    """A room with Sam seated and two co-facilitators, its lead killed: the
    co-facilitator with the smaller key holds it (``holder``)."""

    sam: MemberSession
    sam_watch: Watcher
    holder: FacilitatorSession
    holder_watch: Watcher
    other: FacilitatorSession
    other_watch: Watcher


async def two_cos_lead_killed(relay_url: str) -> TwoCos:
    fac, fw, link = await open_room(relay_url)
    sam, sw = await seat(fac, fw, link, "Sam")
    bo, bw = await bring_co(fac, fw, "Bo")
    cy, yw = await bring_co(fac, fw, "Cy")
    await named_in_roster(bw, vk_of(cy))
    await named_in_roster(sw, vk_of(cy))
    holder, other = sorted((bo, cy), key=vk_of)
    await kill(fac)
    await sw.expect(ev.KeyChanged, lambda e: sam.key_from == vk_of(holder))
    watches = {id(bo): bw, id(cy): yw}
    return TwoCos(sam, sw, holder, watches[id(holder)], other, watches[id(other)])
