"""Issue 13 item 1: a co-facilitator, with real sessions through a real relay.

The lead makes a co-facilitator link; the co-facilitator is let in and
promoted; members write to both; the two tell each other who handles what;
the lead's console killed, the co-facilitator keeps the room (admits, removes,
rekeys) with no member action. (The lead coming back: test_cofacilitators_return.py.)
"""

from __future__ import annotations

import time

import pytest

from holdspace.client import chatlines
from holdspace.client import events as ev
from holdspace.client.errors import CryptoError
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.member_session import MemberSession
from holdspace.client.session import SessionError
from tests.cofacilitator_helpers import (bring_co, can_send, heard, kill, named_in_roster, two_cos_lead_killed,
                                         vk_of)
from tests.lead_process import LeadProcess
from tests.session_helpers import FAST, Watcher, finish, knock, open_room, seat, texts


async def test_a_co_facilitator_is_let_in_promoted_and_hears_what_members_ask(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw)
    bo = co.identity.vk
    # Sam trusts Bo from the lead's signed roster, and greets them
    await named_in_roster(sw, bo)
    assert sam.is_cofacilitator(bo) and sam.name_of(bo) == "Bo (co-facilitator)"
    # Sam's trigger reaches both
    assert await sam.trigger("the story")
    for w in (fw, cw):
        got = await w.expect(ev.DirectMessage, lambda e: e.kind == "trigger")
        assert got.sender == sam.identity.vk and got.body["note"] == "the story"
    # Bo takes it; the lead's console shows who is handling it
    await co.tell_handling(sam.identity.vk, "trigger", "taking")
    handling = await fw.expect(ev.Handling)
    assert (handling.member, handling.item, handling.state, handling.by) == (sam.identity.vk, "trigger",
                                                                             "taking", "Bo")
    await fac.tell_handling(sam.identity.vk, "trigger", "done")
    assert (await cw.expect(ev.Handling)).by == "Alex"
    with pytest.raises(SessionError):  # not an item of the protocol's list: nothing is sent
        await fac.tell_handling(sam.identity.vk, "knock", "ack")
    # Bo's notice is a facilitator's for Sam
    await co.notice("Two minutes.")
    notice = await sw.expect(ev.GroupMessage, lambda e: e.kind == "notice")
    assert notice.sender == bo
    await co.stop()
    await finish(fac, sam)


async def test_a_member_knocking_is_seen_by_both_and_the_co_admits_them(relay):
    fac, fw, link = await open_room(relay.url)
    co, cw = await bring_co(fac, fw)
    ana, aw = await knock(link, "Ana")
    assert ana.is_cofacilitator(co.identity.vk)  # from the agreement's cofacilitators
    named = await cw.expect(ev.Knock, lambda e: e.member == ana.identity.vk and e.name == "Ana")
    assert named.safety_code == ana.safety_code
    await ana.agree()
    await cw.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    await co.admit(ana.identity.vk)  # the lead holds the keys: it rekeys on Bo's did
    await aw.expect(ev.Admitted)
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "did" and e.body["action"] == "admit")
    assert fac.seated[ana.identity.vk] == "Ana"
    await heard(ana, "hi all", cw)
    await co.stop()
    await finish(fac, ana)


async def test_the_lead_killed_the_co_facilitator_keeps_the_room(relay, record_property):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    eve, ew = await seat(fac, fw, link, "Eve")
    co, cw = await bring_co(fac, fw)
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 4)
    t0 = time.monotonic()
    await kill(fac)
    assert (await cw.expect(ev.LeadPresence)).present is False
    await sw.expect(ev.KeyChanged)
    assert sam.key_from == co.identity.vk and co.is_keyholder
    await can_send(sam, "still here")
    took_over = time.monotonic() - t0
    record_property("summary:co-facilitator took over (lead's socket aborted -> co rekeyed, a member sent)",
                    f"{took_over:.3f} s")
    assert took_over < 5.0
    # Members are not told nobody is there: the co-facilitator is
    assert sam.facilitator_here and not [e for e in sw.drain() if isinstance(e, ev.FacilitatorPresence)]
    # Bo admits a newcomer, who reads the group
    ana, aw = await knock(link, "Ana")
    await cw.expect(ev.Knock, lambda e: e.member == ana.identity.vk and e.name == "Ana")
    await ana.agree()
    await cw.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == ana.identity.vk)
    await co.admit(ana.identity.vk)
    await aw.expect(ev.Admitted)
    await heard(sam, "welcome Ana", aw)
    # Bo removes Eve: she decrypts nothing after
    await co.remove(eve.identity.vk)
    await ew.expect(ev.SessionEnded)
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 4)
    eve_keys = eve.verifier.keys
    await heard(sam, "after Eve", aw)
    assert "after Eve" not in texts(ew) and eve_keys.epoch < co.verifier.keys.epoch
    with pytest.raises(CryptoError):  # she holds no key of the epochs after her removal
        eve_keys.box(co.verifier.keys.epoch, time.time())
    # and the group goes on
    await heard(ana, "thanks", sw)
    await co.close_room()
    for member in (sam, ana):
        await member.stop()


async def test_the_lead_removes_a_co_facilitator_and_members_stop_trusting_it(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw)
    bo = co.identity.vk
    await named_in_roster(sw, bo)
    # Who reads a member's private words is the member's to know: told as on the member page.
    told = await sw.expect(ev.CoFacilitators)
    assert told.count == 1 and "reaches them both" in chatlines.co_facilitators_line(told.count)
    await fac.remove(bo)
    await cw.expect(ev.SessionEnded)
    await sw.expect(ev.GroupMessage,
                    lambda e: e.kind == "roster" and all(m["vk"] != bo for m in e.body["members"]))
    assert not sam.is_facilitator(bo) and sam.targets() == (fac.identity.vk,)
    told = await sw.expect(ev.CoFacilitators)
    assert told.count == 0 and "reaches the facilitator only" in chatlines.co_facilitators_line(0)
    await finish(fac, sam)


async def test_with_two_co_facilitators_the_smallest_key_holds_the_room(relay):
    room = await two_cos_lead_killed(relay.url)
    sam, holder, other = room.sam, room.holder, room.other
    assert sam.key_from == vk_of(holder) and holder.is_keyholder and not other.is_keyholder
    await can_send(sam, "two of you")
    # the other co-facilitator reads the group under the keyholder's key, and hears Sam
    await room.other_watch.expect(ev.GroupMessage,
                                  lambda e: e.kind == "chat" and e.body["text"] == "two of you")
    assert await sam.ask_for_help()
    for w in (room.holder_watch, room.other_watch):
        await w.expect(ev.DirectMessage, lambda e: e.kind == "help")
    await other.stop()
    await holder.close_room()
    await sam.stop()


async def test_a_member_knocking_with_the_co_link_is_no_co_facilitator(relay):
    """The knock must come with the co-facilitator link and say so itself."""
    fac, fw, link = await open_room(relay.url)
    co_link = await fac.create_co_invite()
    ana, _ = await knock(co_link, "Ana")
    assert not (await fw.expect(ev.Knock)).cofacilitator
    await finish(fac, ana)


async def test_members_mark_a_co_facilitators_lines_and_name_their_role(relay):
    from holdspace.client import chatlines

    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    co, cw = await bring_co(fac, fw)
    await named_in_roster(sw, vk_of(co))
    await co.chat("Hello, I'm co-facilitating.")
    await can_send(ana, "Hi")
    lines = {}
    for _ in range(2):
        got = await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
        lines[got.sender] = chatlines.group_line(got, sam.name_of, vk_of(sam), sam.facilitators)
    assert lines[vk_of(co)].mark and "Bo (co-facilitator):" in lines[vk_of(co)].lines[0]
    assert not lines[vk_of(ana)].mark and "(co-facilitator)" not in lines[vk_of(ana)].lines[0]
    await co.private(vk_of(sam), "How are you?")
    private = await sw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    line = chatlines.from_facilitator(private, sam.name_of, fac.identity.vk)
    assert line.mark and "Bo (co-facilitator): How are you?" in line.lines[0]
    await co.stop()
    await finish(fac, sam, ana)


async def test_a_consent_reply_goes_only_to_who_asked_and_the_co_can_hold(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw)
    await named_in_roster(sw, vk_of(co))
    await co.send_direct(vk_of(sam), "consent_request", reason="I am worried about you.")
    await sw.expect(ev.ConsentRequested)
    await sam.answer_consent(True, {"where": "home"})
    reply = await cw.expect(ev.DirectMessage, lambda e: e.kind == "consent_reply")
    assert reply.body["details"]["where"] == "home"
    assert not [e for e in fw.drain() if isinstance(e, ev.DirectMessage) and e.kind == "consent_reply"]
    # Bo holds Sam: the lead, holding the keys, rekeys on Bo's did
    epoch = fac.verifier.keys.epoch
    await co.hold(vk_of(sam))
    await sw.expect(ev.Held)
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "did" and e.body["action"] == "hold")
    await cw.expect(ev.RosterChanged, lambda e: all(m[0] != vk_of(sam) for m in e.members))
    assert fac.verifier.keys.epoch > epoch and vk_of(sam) in fac.waiting
    await co.stop()
    await finish(fac, sam)


async def test_the_lead_process_killed_with_kill_9_the_co_facilitator_takes_over(relay, record_property):
    lead = await LeadProcess.start(relay.url)
    try:
        co = FacilitatorSession.cofacilitator(lead.co_link, Identity.generate(), "Bo", **FAST)
        cw = Watcher(co)
        await co.start()
        await cw.expect(ev.Promoted)
        sam = MemberSession(lead.link, "Sam", **FAST)
        sw = Watcher(sam)
        await sam.start()
        await sw.expect(ev.AgreementOffered)
        await sam.agree()
        await sw.expect(ev.Admitted)
        await named_in_roster(sw, vk_of(co))
        await can_send(sam, "before")
        t0 = time.monotonic()
        await lead.kill()
        await cw.expect(ev.LeadPresence, lambda e: not e.present)
        noticed = time.monotonic() - t0
        await sw.expect(ev.KeyChanged, lambda e: sam.key_from == vk_of(co))
        await can_send(sam, "after")
        took_over = time.monotonic() - t0
        await cw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "after")
    finally:
        if lead.proc.returncode is None:
            await lead.kill()
    record_property("summary:kill -9 of the lead's process: the co-facilitator noticed / took over "
                    "(rekeyed, a member sent)", f"{noticed:.3f} s / {took_over:.3f} s")
    assert took_over < 5.0
    await co.close_room()
    await sam.stop()


async def test_a_co_facilitators_invite_links_pin_the_lead(relay):
    fac, fw, link = await open_room(relay.url)
    co, cw = await bring_co(fac, fw)
    made = await co.create_invite()
    assert made.facilitator_vk == fac.identity.vk and made.room == fac.room
    ana, aw = await knock(made, "Ana")  # the lead's agreement reaches her through Bo's link
    assert ana.agreement is not None
    with pytest.raises(SessionError):
        await co.create_co_invite()
    await co.stop()
    await finish(fac, ana)


async def test_a_member_waiting_when_the_lead_dies_is_let_in_by_the_co(relay):
    """Ana agreed with the lead alone (Bo came later); the lead dies; Bo gives her
    the same agreement, which her client accepts for her, and lets her in."""
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await knock(link, "Ana")
    await ana.agree()
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    co, cw = await bring_co(fac, fw)
    await named_in_roster(sw, vk_of(co))
    await kill(fac)
    await cw.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == vk_of(ana))
    assert len(aw.of(ev.AgreementOffered)) == 1  # she was not asked again
    await co.admit(vk_of(ana))
    await aw.expect(ev.Admitted)
    await heard(ana, "made it", sw)
    await co.close_room()
    for member in (sam, ana):
        await member.stop()


async def test_a_member_knocking_after_the_lead_died_is_never_told_it_dropped_or_came_back(relay):
    """Ana never saw the lead: until Bo's delegation arrives she trusts nobody
    connected, but "dropped" and "back" would be untrue for her."""
    fac, fw, link = await open_room(relay.url)
    co, cw = await bring_co(fac, fw)
    await kill(fac)
    await cw.expect(ev.LeadPresence, lambda e: not e.present)
    ana, aw = await knock(link, "Ana")  # the agreement came from Bo, with his delegation
    await ana.agree()
    await cw.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == vk_of(ana))
    assert ana.facilitator_here
    said = [chatlines.facilitator_line(e) for e in aw.of(ev.FacilitatorPresence)]
    assert not [line for line in said if "dropped" in line or "back" in line], said
    assert said == []  # Bo's delegation came with the agreement: nothing to say at all
    await co.close_room()
    await ana.stop()


async def test_when_the_co_holding_the_keys_drops_too_the_other_takes_over(relay):
    room = await two_cos_lead_killed(relay.url)
    sam, sw, other = room.sam, room.sam_watch, room.other
    await kill(room.holder)
    await sw.expect(ev.KeyChanged, lambda e: sam.key_from == vk_of(other))
    assert other.is_keyholder and sam.facilitator_here
    await can_send(sam, "still held")
    await room.other_watch.expect(ev.GroupMessage,
                                  lambda e: e.kind == "chat" and e.body["text"] == "still held")
    await other.close_room()
    await sam.stop()
