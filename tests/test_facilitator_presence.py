"""Issue 13, items 2 and 3: members always know whether a facilitator is there;
support asked for while nobody is there is kept and delivered; a restarted
console names returning members from what their own clients sealed."""

from __future__ import annotations

import time

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.session import SessionError
from holdspace.member import commands
from tests.session_helpers import FAST, Watcher, finish, knock, open_room, seat
from tests.wire import WireClient
from tests.wire import knock as wire_knock
from tests.wire import open_room as wire_room
from tests.wire import seat as wire_seat


async def kill(fac: FacilitatorSession) -> None:
    """The console's process dies: its socket goes with no closing handshake."""
    assert fac._ws is not None
    fac._ws.transport.abort()
    await fac.stop()


# --- the relay's frame -------------------------------------------------------------------------


async def test_the_relay_tells_seated_and_waiting_members_when_the_facilitator_goes_and_comes(relay):
    fac, room = await wire_room(relay.url)
    secret = await fac.add_invite()
    seated = await wire_seat(relay.url, fac, room, secret)
    waiting = await wire_knock(relay.url, fac, room, secret)
    await fac.close(4000)
    for member in (seated, waiting):
        await member.expect("facilitator", present=False)
    late = await WireClient.connect(relay.url)
    ready = await late.join(room, secret, fac.vk)  # joins while nobody is there
    assert ready["facilitator"] is False
    back = await WireClient.connect(relay.url, fac.identity)
    await back.create(room=room)
    for member in (seated, waiting, late):
        await member.expect("facilitator", present=True)
    # What a facilitator reclaiming the room hears of a seat carries that member's own knock.
    presence = await back.expect("presence", member=seated.vk)
    assert presence["knock"] and presence["state"] == "online"


# --- members' clients ------------------------------------------------------------------------


async def test_members_see_the_facilitator_gone_within_seconds_and_back(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await knock(link, "Ana")  # still in the waiting room
    t0 = time.monotonic()
    await kill(fac)
    for watch in (sw, aw):
        gone = await watch.expect(ev.FacilitatorPresence)
        assert gone.present is False
    noticed = time.monotonic() - t0
    assert noticed < 5.0, noticed
    with_nobody = await commands.perform(sam, "hello?")
    assert "no facilitator is connected" in with_nobody.say  # not sent into nothing
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True,
                               **FAST)
    assert isinstance(await again.start(), ev.Connected)
    for watch in (sw, aw):
        assert (await watch.expect(ev.FacilitatorPresence)).present is True
    await finish(again, sam, ana)


async def test_support_asked_for_while_nobody_is_there_is_kept_and_delivered(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await kill(fac)
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    said = await commands.perform(sam, "/support")  # support now (issue 11: /help lists commands)
    assert said.show_resources and "No facilitator is connected right now" in said.say
    assert "The facilitator has been asked" not in said.say
    assert (await commands.perform(sam, "/trigger the story")).say.startswith("No facilitator")
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True,
                               **FAST)
    aw = Watcher(again)
    assert isinstance(await again.start(), ev.Connected)
    returning = await aw.expect(ev.Knock, lambda e: e.returning)
    assert returning.name == "Sam"  # from Sam's own sealed knock, not the relay's word
    await again.admit(sam.identity.vk)
    asked = await aw.expect(ev.DirectMessage, lambda e: e.kind == "help")
    assert asked.sender == sam.identity.vk
    await aw.expect(ev.DirectMessage, lambda e: e.kind == "trigger")
    assert sam.kept == []
    await finish(again, sam)


async def test_a_waiting_member_waits_for_a_listed_partys_delegation_before_saying_anything(relay):
    """The relay lists only a party Ana does not trust (yet): what she sends is
    kept at once, but she is told nobody is there only if no delegation comes."""
    fac, fw, link = await open_room(relay.url)
    ana, aw = await knock(link, "Ana")
    ana.delegation_wait = 0.3
    await ana._dispatch({"t": "facilitator", "present": True, "here": [Identity.generate().vk]})
    assert not ana.facilitator_here and aw.of(ev.FacilitatorPresence) == []
    said = await commands.perform(ana, "/support")
    assert said.show_resources and "No facilitator is connected right now" in said.say
    gone = await aw.expect(ev.FacilitatorPresence)  # no delegation came
    assert gone.present is False and gone.seen  # she had seen Alex: "dropped" is true
    await finish(fac, ana)


async def test_a_relay_saying_the_facilitator_is_gone_cannot_keep_a_member_on_a_stale_key(relay):
    """The relay's word changes what a member is told, never what it trusts."""
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await sam._dispatch({"t": "facilitator", "present": False})
    try:
        await sam.chat("into nothing?")
        raise AssertionError("a chat was sent while the member was told nobody is there")
    except SessionError as exc:
        assert "no facilitator is connected" in str(exc)
    await finish(fac, sam)


async def test_a_returning_member_with_no_sealed_name_is_still_shown_by_safety_code(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await fac.stop()
    again = FacilitatorSession(relay.url, Identity.from_seed(fac.identity.seed), room=fac.room,
                               name="Alex", restarted=True, **FAST)
    aw = Watcher(again)
    await again.start()
    returning = await aw.expect(ev.Knock, lambda e: e.returning)
    assert returning.safety_code == sam.safety_code and returning.name == "Sam"
    await finish(again, sam)


async def test_a_request_made_while_nobody_was_there_tops_the_returning_consoles_panel(relay):
    """The console's own session model, fed by a restarted console's real session."""
    from holdspace.console.facilitator import Kind, SessionModel

    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, _ = await seat(fac, fw, link, "Ana")
    await kill(fac)
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    assert not (await sam.ask_for_help())  # kept
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True,
                               **FAST)
    model = SessionModel()
    queue = again.subscribe()
    assert isinstance(await again.start(), ev.Connected)
    clock = 1000.0
    while {sam.identity.vk, ana.identity.vk} - set(again.waiting):
        model.apply(await queue.get(), clock)
    for member in (sam, ana):
        await again.admit(member.identity.vk)
        model.note_admitted(member.identity.vk, clock)  # as the console does on "a"
    while True:
        event = await queue.get()
        model.apply(event, clock)
        if isinstance(event, ev.DirectMessage) and event.kind == "help":
            break
    top = model.attention(clock)[0]
    assert top.kind is Kind.HELP and top.vk == sam.identity.vk and top.urgent
    await finish(again, sam, ana)


async def test_a_member_who_agreed_while_nobody_was_there_can_be_let_in_on_their_return(relay):
    fac, fw, link = await open_room(relay.url)
    ana, aw = await knock(link, "Ana")
    await kill(fac)
    await aw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    await ana.agree()  # the relay has nobody to give it to
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True,
                               **FAST)
    w = Watcher(again)
    assert isinstance(await again.start(), ev.Connected)
    await w.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == ana.identity.vk)
    await again.admit(ana.identity.vk)
    await aw.expect(ev.Admitted)
    await finish(again, ana)


async def test_what_is_kept_for_the_facilitator_is_bounded_and_the_member_is_told(relay):
    from holdspace.client.member_session import KEPT_LIMIT

    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await kill(fac)
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    for i in range(KEPT_LIMIT):
        assert (await commands.perform(sam, f"/leader note {i}")).say.startswith("No facilitator")
    over = await commands.perform(sam, "/leader one more")
    assert over.say.startswith("Not sent") and len(sam.kept) == KEPT_LIMIT
    await sam.stop()


async def test_a_returning_members_call_for_help_tops_the_panel_before_they_are_let_back_in(relay):
    """Sent while the restarted console still shows them as returning (QA2 #3):
    taken at once, and at the top of the console's own session model."""
    from holdspace.console.facilitator import Kind, SessionModel

    fac, fw, link = await open_room(relay.url)
    sam, _ = await seat(fac, fw, link, "Sam")
    await kill(fac)
    again = FacilitatorSession(relay.url, fac.identity, room=fac.room, name="Alex", restarted=True,
                               **FAST)
    model, queue = SessionModel(), again.subscribe()
    assert isinstance(await again.start(), ev.Connected)
    while sam.identity.vk not in again.waiting:
        model.apply(await queue.get(), 1000.0)
    await sam._send_direct(again.identity.vk, "help")  # as a client that sends what it kept
    while not isinstance(event := await queue.get(), ev.DirectMessage):
        assert not isinstance(event, ev.Rejected), event
        model.apply(event, 1000.0)
    model.apply(event, 1000.0)
    top = model.attention(1000.0)[0]
    assert top.kind is Kind.HELP and top.vk == sam.identity.vk and top.urgent
    assert top.summary == "Sam (waiting room) is asking for help now"
    await finish(again, sam)


async def test_a_waiting_members_calls_reach_a_co_they_do_not_write_to_once_a_while_through_the_lead(relay):
    """Ana agreed before Bo was let in, so writes to the lead alone: the lead tells
    Bo she agreed and asked for help, sealed; asking over and over costs Bo one word."""
    from tests.cofacilitator_helpers import bring_co

    fac, fw, link = await open_room(relay.url)
    ana, _ = await knock(link, "Ana")
    await ana.agree()
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    co, cw = await bring_co(fac, fw)
    for _ in range(5):
        assert await ana.ask_for_help() == 1  # to the lead alone
    told = await cw.expect(ev.Briefed, lambda e: e.items)
    assert told.items == ((ana.identity.vk, "help", 0),) and co.waiting[ana.identity.vk]["agreed"]
    for _ in range(4):
        await fw.expect(ev.DirectMessage, lambda e: e.kind == "help")
    await fac.tell_handling(ana.identity.vk, "help", "ack")  # after whatever the lead told Bo of them
    await cw.expect(ev.Handling)
    assert [e for e in cw.of(ev.Briefed) if e.items] == [told]
    await co.stop()
    await finish(fac, ana)
