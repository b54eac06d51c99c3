"""A co-facilitator's console tells the truth (issue 13): a lead that quit
leaving the session running left (its console said so, sealed), it did not
drop; a co-facilitator the lead removed sees nobody any more; the header names
the group as the lead's console does. Real relay, both consoles driven by their
keys; every wait is a bounded poll."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.member_session import MemberSession
from holdspace.console.co_actions import REMOVED
from holdspace.console.cofacilitation import LEAD_GONE
from holdspace.console.config import ConsoleConfig
from holdspace.console.screens.remove import RemoveScreen
from holdspace.ui.choice import ChoiceScreen
from tests.cofacilitator_helpers import bring_co, kill
from tests.session_helpers import FAST, Watcher, open_room, seat
from tests.test_console_cofacilitator import header, let_in
from tests.ui_helpers import (
    attention_lines,
    chat_text,
    dialog_text,
    modal,
    people,
    running_co_console,
    running_console,
    seat as seat_in,
    select_item,
    select_vk,
    static_text,
    until,
)

THURSDAY = ConsoleConfig(group_name="Thursday circle", facilitator_name="Alex")


async def quit_leaving_it_running(app, pilot) -> str:
    """q, then l; what the quit question said."""
    await pilot.press("q")
    said = dialog_text(await modal(pilot, app, ChoiceScreen, "Button"))
    await pilot.press("l")
    return said


async def test_a_lead_that_quits_leaving_it_running_left_and_did_not_drop(relay):
    async with running_console(relay.url, THURSDAY) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            said = await quit_leaving_it_running(lead, lead_pilot)
            # Jo is there: the room does not wait out the 15 minutes meanwhile
            assert "Jo (co-facilitator) keeps the room and members stay connected." in said
            assert "15 minutes" not in said
            left = "Alex (lead facilitator) left the session. You are keeping the room."
            await until(co_pilot, lambda: left in static_text(co.query_one("#co-line")), "the leaving line")
            assert co.query_one("#co-line").display and left in chat_text(co, "group") and left in co.notes
            assert LEAD_GONE not in chat_text(co, "group")
            await until(co_pilot, lambda: header(co).startswith("co-facilitator, keeping the room | "),
                        "the co header to say so")


async def test_a_co_facilitator_that_quits_leaving_it_running_left_on_the_leads_console(relay):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            said = await quit_leaving_it_running(co, co_pilot)
            assert "(lead facilitator) keeps the room" in said and "same link" in said
            await until(lead_pilot, lambda: "Jo (co-facilitator) left the session." in lead.notes, "Jo left")
            assert not any("lost their connection" in note for note in lead.notes)


async def test_only_the_leads_own_sealed_word_makes_its_going_a_leaving(relay):
    """A member's "leaving" is refused; a lead that said it and came back, then
    died, dropped. Sessions only: the relay reports presence, never why."""
    fac, fw, link = await open_room(relay.url)
    sam, _ = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw, "Jo")
    try:
        await sam._send_direct(co.identity.vk, "leaving")
        refused = await cw.expect(ev.Rejected, lambda e: e.sender == sam.identity.vk)
        assert refused.reason == "facilitator_only"
        await fac._tell_others("leaving")  # its word, then its connection goes: it left
        await fac.drop_link()  # (and comes back by itself)
        gone = await cw.expect(ev.LeadPresence, lambda e: not e.present)
        assert gone.left
        await cw.expect(ev.LeadPresence, lambda e: e.present)
        await kill(fac)  # back, then its process dies: a drop, whatever it said before
        assert not (await cw.expect(ev.LeadPresence, lambda e: not e.present)).left
    finally:
        await sam.stop()
        await co.stop()
        await fac.stop()


async def test_the_co_facilitators_header_names_the_group_as_the_leads_does(relay):
    async with running_console(relay.url, THURSDAY) as (lead, lead_pilot):
        await until(lead_pilot, lambda: "| Thursday circle" in header(lead), "the lead's header")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: "| Thursday circle" in header(co), "the group's name")
            assert ConsoleConfig().group_name not in header(co)


async def test_a_co_facilitator_the_lead_removed_sees_no_member_any_more(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            ann, _ = await seat_in(lead_pilot, lead, members, "Ann")  # Jo learns of her from the roster
            await ann.chat("my week was hard")
            await ann.trigger("the story about the car")
            await until(co_pilot, lambda: any("the story about the car" in line for line in attention_lines(co))
                        and "Ann" in people(co) and "my week was hard" in chat_text(co, "group"),
                        "Ann on Jo's console")
            await select_item(co_pilot, co, "is finding this hard")  # Ann's private pane open

            await select_vk(lead_pilot, lead, co.session.identity.vk, "Jo")
            await lead_pilot.press("x")
            await modal(lead_pilot, lead, RemoveScreen, "#minutes")
            await lead_pilot.press("enter")
            await until(co_pilot, lambda: REMOVED in static_text(co.query_one("#co-line")), "Jo told")
            assert co.query_one("#co-line").display and REMOVED in co.notes
            assert people(co) == {} and attention_lines(co) == []
            assert "Ann" not in chat_text(co, "group") and "my week" not in chat_text(co, "group")
            assert REMOVED in chat_text(co, "group") and chat_text(co, "private") == ""
            assert "Ann" not in header(co) and "0 in the group" in header(co)


async def test_the_groups_name_goes_sealed_to_a_co_facilitator_and_to_no_member(relay):
    fac, fw, link = await open_room(relay.url, group_name="Thursday circle")
    sam = MemberSession(link, "Sam", **FAST)
    opened: list = []  # the directs Sam's client opened
    take = sam.on_private

    async def keep(sender, body):
        opened.append(body)
        await take(sender, body)

    sam.on_private = keep  # type: ignore[method-assign]
    watch = Watcher(sam)
    co = None
    try:
        co, _ = await bring_co(fac, fw, "Jo")
        assert co.group_name == "Thursday circle"
        await sam.start()
        await watch.expect(ev.AgreementOffered)
        [agreement] = [body for body in opened if body["k"] == "agreement"]
        assert "group" not in agreement
    finally:
        await sam.stop()
        if co is not None:
            await co.stop()
        await fac.stop()
