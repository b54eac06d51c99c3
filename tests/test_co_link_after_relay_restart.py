"""QA3 N5: a co-facilitator link the lead made and nobody has used yet still
works after the relay restarts (the relay forgot it; the lead gives it again,
for the rest of its hour), and so does the link of a co-facilitator still
waiting to be let in. Real relay, restarted on the same port."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from tests.session_helpers import FAST, open_room, seat


async def restart(relay, member_watch) -> None:
    """The relay restarts, knowing nothing; the seated member is let back in (so
    the lead has had its ready, and sent its invites, before that)."""
    port = relay.port
    await relay.stop()
    await relay.start("127.0.0.1", port)
    await member_watch.expect(ev.Admitted, timeout=10)


async def test_an_unused_co_link_works_after_a_relay_restart_and_while_its_co_waits(relay_factory):
    relay = await relay_factory()
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co_link = await fac.create_co_invite()
    await restart(relay, sw)
    jo = FacilitatorSession.cofacilitator(co_link, Identity.generate(), "Jo", **FAST)
    jw_started = await jo.start()
    try:
        assert isinstance(jw_started, ev.Connected) and jw_started.role == "lobby", jw_started
        vk = jo.identity.vk
        await fw.expect(ev.Knock, lambda e: e.member == vk and e.cofacilitator)
        await restart(relay, sw)  # Jo, still waiting, knocks again with the same link
        await fw.expect(ev.Knock, lambda e: e.member == vk and e.cofacilitator, timeout=10)
        await fac.admit(vk)
        assert vk in fac.cos
    finally:
        await jo.stop()
        await fac.close_room()
        await sam.stop()
