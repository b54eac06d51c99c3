"""Issue 13 item 1: the lead comes back to a room its co-facilitator held, with
real sessions through a real relay: restarted (it knows no one: the
co-facilitator is let in first and hands everyone over) or only reconnected
(it takes the handover at once, with what changed while it was away).
"""

from __future__ import annotations

import pytest

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.session import SessionError
from tests.cofacilitator_helpers import bring_co, can_send, heard, kill, kill_link, named_in_roster, vk_of
from tests.session_helpers import FAST, Watcher, finish, knock, open_room, seat


async def test_a_restarted_lead_takes_the_room_back_through_the_co_facilitator(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw)
    await named_in_roster(sw, co.identity.vk)
    await kill(fac)
    await sw.expect(ev.KeyChanged)
    assert sam.key_from == co.identity.vk
    await can_send(sam, "while Alex was away")
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True, **FAST)
    aw = Watcher(again)
    assert isinstance(await again.start(), ev.Connected)
    await cw.expect(ev.LeadPresence, lambda e: e.present)
    # Bo is shown like a returning member, with the role its own client sealed
    shown = await aw.expect(ev.Knock, lambda e: e.member == co.identity.vk)
    assert shown.returning and shown.cofacilitator and shown.name == "Bo"
    assert shown.safety_code == co.safety_code
    await again.admit(co.identity.vk)
    # Bo hands over: Sam is keyed by the lead again with no let-in of their own
    await sw.expect(ev.KeyChanged, lambda e: sam.key_from == fac.identity.vk)
    await aw.expect(ev.DirectMessage, lambda e: e.kind == "introduce" and e.sender == sam.identity.vk)
    assert again.seated[sam.identity.vk] == "Sam" and sam.identity.vk not in again.waiting
    assert again.is_keyholder and not co.is_keyholder
    await heard(sam, "Alex is back", aw)
    await cw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "Alex is back")
    assert sam.is_cofacilitator(co.identity.vk)  # the lead's new rosters still name Bo
    await co.stop()
    await finish(again, sam)


async def test_a_lead_that_only_reconnected_takes_the_room_back_at_once(relay):
    """No restart: the lead still knows Bo, so Bo's handover is taken as soon as
    the relay reports the lead back, with what changed meanwhile (Ana came in)."""
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    eve, ew = await seat(fac, fw, link, "Eve")
    kit, kw = await seat(fac, fw, link, "Kit")
    co, cw = await bring_co(fac, fw)
    await named_in_roster(sw, vk_of(co))
    fac.relay_url = "ws://127.0.0.1:1"  # its network is down: it cannot reconnect yet
    await kill_link(fac)
    await sw.expect(ev.KeyChanged)
    assert sam.key_from == vk_of(co)
    ana, aw = await knock(link, "Ana")
    await cw.expect(ev.Knock, lambda e: e.name == "Ana")
    await ana.agree()
    await cw.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    await co.admit(vk_of(ana))
    await aw.expect(ev.Admitted)
    await co.remove(vk_of(eve))  # the lead does not hear of it: it is away
    await ew.expect(ev.SessionEnded)
    await co.hold(vk_of(kit))
    await kw.expect(ev.Held)
    fac.relay_url = relay.url  # back
    await cw.expect(ev.LeadPresence, lambda e: e.present)
    await fw.expect(ev.RosterChanged, lambda e: any(m[0] == vk_of(ana) for m in e.members))
    for member, watch in ((sam, sw), (ana, aw)):
        await watch.expect(ev.KeyChanged, lambda e, m=member: m.key_from == fac.identity.vk)
    await heard(ana, "hello Alex", fw)
    assert fac.is_keyholder and not co.is_keyholder and fac.seated[vk_of(ana)] == "Ana"
    assert vk_of(eve) not in fac.seated and fac.verifier.keys.epoch > eve.verifier.keys.epoch
    # Kit, held by Bo, waits: the lead did not let them back in on its own
    assert vk_of(kit) in fac.waiting and vk_of(kit) not in fac.seated
    assert kit.verifier.keys.epoch < fac.verifier.keys.epoch
    await co.stop()
    await finish(fac, sam, ana, kit)


async def test_a_restarted_lead_lets_its_co_facilitator_in_before_anyone(relay):
    """A roster of the lead's without Bo would make members stop trusting Bo for good."""
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw)
    await kill(fac)
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True, **FAST)
    aw = Watcher(again)
    await again.start()
    await aw.expect(ev.Knock, lambda e: e.member == vk_of(sam))
    await aw.expect(ev.Knock, lambda e: e.member == vk_of(co))
    with pytest.raises(SessionError, match="Bo"):
        await again.admit(vk_of(sam))
    await again.remove(vk_of(co))  # the lead does not want them back: the others come in one by one
    await again.admit(vk_of(sam))
    await sw.expect(ev.KeyChanged, lambda e: sam.key_from == fac.identity.vk)
    await finish(again, sam)
