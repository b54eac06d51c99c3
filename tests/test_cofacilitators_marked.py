"""QA2 #12: members saw a co-facilitator's lines as a plain member's. Both
consoles had been killed; the lead, restarted alone, let the members back in
with rosters that could not list the co-facilitator (it was not there), and
members stopped trusting it for good, so when it came back and the lead let it
in again, its lines carried no mark. A roster signed by the lead that lists it
again is the lead's word, and trusts it again; nothing else does."""

from __future__ import annotations

from holdspace.client import chatlines
from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from tests.cofacilitator_helpers import kill, named_in_roster, vk_of
from tests.session_helpers import FAST, Watcher, finish, open_room, seat


async def test_a_co_facilitator_back_after_both_consoles_restarted_is_marked_again(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    robin, rw = await seat(fac, fw, link, "Robin")  # a member really named Robin
    co_link = await fac.create_co_invite()
    co = FacilitatorSession.cofacilitator(co_link, Identity.generate(), "Robin", **FAST)
    await co.start()
    await fw.expect(ev.Knock, lambda e: e.member == vk_of(co))
    await fac.admit(vk_of(co))
    await named_in_roster(sw, vk_of(co))
    assert sam.is_cofacilitator(vk_of(co))
    await kill(co)
    await kill(fac)
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True, **FAST)
    aw = Watcher(again)
    await again.start()
    for member in (sam, robin):
        await aw.expect(ev.Knock, lambda e, m=member: e.member == vk_of(m))
        await again.admit(vk_of(member))
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 3)
    assert not sam.is_cofacilitator(vk_of(co))  # the lead's roster without it: not trusted now
    back = FacilitatorSession.cofacilitator(co_link, co.identity, "Robin", **FAST)
    await back.start()
    await aw.expect(ev.Knock, lambda e: e.member == vk_of(co))
    await again.admit(vk_of(co))
    await named_in_roster(sw, vk_of(co))
    await back.chat("Hello all, Robin here, co-facilitating")
    await robin.chat("Hello, I am Robin too")
    lines = {}
    for _ in range(2):
        got = await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
        lines[got.sender] = chatlines.group_line(got, sam.name_of, vk_of(sam), sam.facilitators)
    co_line, member_line = lines[vk_of(co)], lines[vk_of(robin)]
    assert co_line.mark and "(co-facilitator): Hello all" in co_line.lines[0]
    assert not member_line.mark and "co-facilitator" not in member_line.lines[0]
    await back.stop()
    await finish(again, sam, robin)
