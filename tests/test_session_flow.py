"""The whole flow through the client core and the real relay."""

from __future__ import annotations

import pytest

from holdspace.client import events as ev
from holdspace.client.member_session import MemberSession
from holdspace.client.session import SessionError
from tests.session_helpers import FAST, Watcher, knock, open_room, seat, texts


async def test_knock_agree_admit_chat_hand_trigger_step_out_remove(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    knocked = [e for e in fw.of(ev.Knock) if e.member == sam.identity.vk]
    assert knocked and knocked[0].name == "Sam"
    assert knocked[0].safety_code == sam.safety_code  # both ends show the same code

    ana, aw = await seat(fac, fw, link, "Ana")
    # Everyone, the sender included, sees the chat, with the right sender.
    await sam.chat("Hello everyone")
    for watch in (fw, sw, aw):
        got = await watch.expect(ev.GroupMessage, lambda e: e.kind == "chat")
        assert got.sender == sam.identity.vk and got.body["text"] == "Hello everyone"
    assert ana.name_of(sam.identity.vk) == "Sam"

    await ana.hand(True)
    hand = await fw.expect(ev.GroupMessage, lambda e: e.kind == "hand")
    assert hand.sender == ana.identity.vk and hand.body["up"] is True

    await sam.trigger("the last story")
    trig = await fw.expect(ev.DirectMessage, lambda e: e.kind == "trigger")
    assert trig.sender == sam.identity.vk and trig.body["note"] == "the last story"

    await ana.step_out("getting water")
    out = await fw.expect(ev.DirectMessage, lambda e: e.kind == "step_out")
    assert out.body["note"] == "getting water"
    await ana.back()
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "back" and e.sender == ana.identity.vk)

    await fac.check_in(ana.identity.vk, "How are you doing?")
    got = await aw.expect(ev.DirectMessage, lambda e: e.kind == "check_in")
    assert got.body["text"] == "How are you doing?"
    await ana.check_in_reply("support", "not great")
    reply = await fw.expect(ev.DirectMessage, lambda e: e.kind == "check_in_reply")
    assert reply.body["status"] == "support"

    epoch_before = ana.verifier.keys.epoch
    await fac.remove(sam.identity.vk)
    ended = await sw.expect(ev.SessionEnded)
    assert ended.reason == "removed"
    # The others are re-keyed without Sam.
    roster = await aw.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                             and all(m["vk"] != sam.identity.vk for m in e.body["members"]))
    assert roster.body["epoch"] > epoch_before

    # Sam cannot come back with the same invite and key.
    again = MemberSession(link, "Sam", identity=sam.identity, **FAST)
    refused = await again.start()
    assert isinstance(refused, ev.SessionEnded) and refused.reason == "banned"
    await fac.close_room()
    await ana.stop()


async def test_members_not_admitted_until_they_accept_the_agreement(relay):
    fac, fw, link = await open_room(relay.url)
    jo, jw = await knock(link, "Jo")
    await fw.expect(ev.Knock, lambda e: e.name == "Jo")
    with pytest.raises(SessionError, match="not accepted the group agreement"):
        await fac.admit(jo.identity.vk)
    await jo.decline()
    await fw.expect(ev.Presence, lambda e: e.member == jo.identity.vk and e.state == "gone")
    await fac.close_room()


async def test_private_messages_both_ways_and_member_to_member_is_impossible(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await fac.private(sam.identity.vk, "Are you okay?")
    got = await sw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    assert got.body["text"] == "Are you okay?"
    await sam.private("Yes, thanks")
    back = await fw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    assert back.body["text"] == "Yes, thanks"
    # A member's client can only address the facilitator; the relay refuses the rest.
    await sam._send_direct(ana.identity.vk, "private", text="psst")
    err = await sw.expect(ev.RelayError)
    assert err.code == "forbidden"
    assert not [e for e in aw.of(ev.DirectMessage) if e.kind == "private"]
    await fac.close_room()


async def test_leaving_says_goodbye_and_rekeys(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await sam.leave()
    bye = await fw.expect(ev.GroupMessage, lambda e: e.kind == "bye")
    assert bye.sender == sam.identity.vk
    await fw.expect(ev.Presence, lambda e: e.member == sam.identity.vk and e.state == "gone")
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 2)
    await fac.close_room()
    closed = await aw.expect(ev.SessionEnded)
    assert closed.reason == "room_closed"


async def test_removed_member_reads_nothing_after_and_newcomer_nothing_before(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")

    # Capture every group frame the relay hands Ana (a seated member).
    frames: list[dict] = []
    original = ana._open_group
    ana._open_group = lambda frame: (frames.append(frame), original(frame))[1]

    await fac.chat("before Lee came")
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    before = list(frames)

    lee, lw = await seat(fac, fw, link, "Lee")
    for frame in before:
        with pytest.raises(Exception):
            lee.verifier.open_group(frame["from"], frame["epoch"], frame["ct"], 0)

    await fac.remove(sam.identity.vk)
    await sw.expect(ev.SessionEnded)
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 3)
    frames.clear()
    await fac.chat("after Sam left")
    await ana.chat("only for those still here")
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and "still here" in e.body["text"])
    assert len(frames) >= 2
    opened = 0
    for frame in frames:
        try:
            sam.verifier.open_group(frame["from"], frame["epoch"], frame["ct"], sam.clock())
            opened += 1
        except Exception:
            pass
    assert opened == 0
    assert "after Sam left" not in texts(sw)
    await fac.close_room()


async def test_reconnect_resumes_missed_messages_without_duplicates(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await sam.drop_link()
    await fw.expect(ev.Presence, lambda e: e.member == sam.identity.vk and e.state == "offline")
    await ana.chat("said while Sam was away")
    back = await sw.expect(ev.Connected)
    assert back.role == "member" and back.resumed
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    await ana.chat("said after Sam came back")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and "came back" in e.body["text"])
    got = texts(sw)
    assert got.count("said while Sam was away") == 1
    assert got.count("said after Sam came back") == 1
    assert not [e for e in sw.of(ev.Rejected) if e.reason != "no_key"]
    await fac.close_room()


async def test_held_member_goes_back_to_waiting_room_and_can_be_let_in_again(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await fac.hold(sam.identity.vk)
    await sw.expect(ev.Held)
    assert sam.role == "lobby" and not sam.seated
    await fac.admit(sam.identity.vk)
    await sw.expect(ev.Admitted)
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                    and any(m["vk"] == sam.identity.vk for m in e.body["members"]))
    await fac.chat("welcome back")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "welcome back")
    await fac.close_room()


async def test_denied_member_is_told(relay):
    fac, fw, link = await open_room(relay.url)
    jo, jw = await knock(link, "Jo")
    await fw.expect(ev.Knock)
    await fac.deny(jo.identity.vk)
    ended = await jw.expect(ev.SessionEnded)
    assert ended.reason == "denied"
    await fac.close_room()


async def test_wrong_invite_is_refused_plainly(relay):
    fac, fw, link = await open_room(relay.url)
    from dataclasses import replace
    bad = replace(link, secret=bytes(16))
    member = MemberSession(bad, "Jo", **FAST)
    ended = await member.start()
    assert isinstance(ended, ev.SessionEnded) and ended.reason == "bad_invite"
    await fac.close_room()


async def test_console_restart_reclaims_the_room_and_members_reintroduce(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await fac.stop()  # the console crashed: the relay keeps the room

    from holdspace.client.facilitator_session import FacilitatorSession
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex",
                               restarted=True, invites=[link], **FAST)
    aw = Watcher(again)
    assert isinstance(await again.start(), ev.Connected)
    # The relay says Sam is seated; the restarted console cannot know that is
    # true, so Sam waits, with his safety code, for the facilitator to confirm.
    returning = await aw.expect(ev.Knock, lambda e: e.member == sam.identity.vk)
    assert returning.returning and returning.safety_code == sam.safety_code
    await again.admit(sam.identity.vk)
    # Then he is re-keyed and introduces himself again, with no action of his own.
    await aw.expect(ev.RosterChanged, lambda e: any(name == "Sam" for _, name, _ in e.members))
    assert again.seated[sam.identity.vk] == "Sam"
    await again.chat("I'm back")
    got = await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert got.body["text"] == "I'm back"
    # The link members already hold still works.
    ana, _ = await seat(again, aw, link, "Ana")
    await again.close_room()


async def test_relay_restart_reseats_members_the_facilitator_had_let_in(relay_factory):
    relay = await relay_factory()
    port = relay.port
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await relay.stop()  # everything the relay knew is gone
    await relay.start("127.0.0.1", port)
    # Sam comes back in without knocking again, and the group works.
    await sw.expect(ev.Admitted, timeout=10)
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                    and any(m["vk"] == sam.identity.vk for m in e.body["members"]), timeout=10)
    await sam.chat("still here")
    got = await fw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert got.body["text"] == "still here"
    assert not [e for e in fw.of(ev.Knock) if e.member == sam.identity.vk][1:]
    await fac.close_room()


async def test_a_second_console_with_the_same_key_takes_over_and_the_first_stops(relay):
    fac, fw, link = await open_room(relay.url)
    from holdspace.client.facilitator_session import FacilitatorSession
    second = FacilitatorSession(relay.url, fac.identity, room=fac.room, restarted=True, **FAST)
    assert isinstance(await second.start(), ev.Connected)
    ended = await fw.expect(ev.SessionEnded)
    assert ended.reason == "replaced"
    await second.close_room()


async def test_a_revoked_invite_stops_working_while_others_still_do(relay):
    fac, fw, link = await open_room(relay.url)
    spare = await fac.create_invite()
    await fac.revoke_invite(link)
    refused = await MemberSession(link, "Jo", **FAST).start()
    assert isinstance(refused, ev.SessionEnded) and refused.reason == "bad_invite"
    assert link not in fac.invites  # not re-sent to the relay after a restart either
    member, _ = await knock(spare, "Ana")
    assert member.role == "lobby"
    await fac.close_room()
