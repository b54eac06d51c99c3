"""Both consoles show what needs a facilitator (QA2 #1, #5, #6, #7, #18): a
call for help from the waiting room tops both panels and stays after the
member is let in; a departed facilitator's "handling" marks go with them; a
co-facilitator let in mid-session is told the open items and who waits; the
floor lowers a hand on every console; a closed room shows nobody present.
Real relay, both consoles driven by their keys; every wait is a bounded poll."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.console.screens.remove import RemoveScreen
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.ui.choice import ChoiceScreen
from tests.session_helpers import FAST
from tests.test_console_cofacilitator import header, let_in
from tests.ui_helpers import (
    attention_lines,
    knock_and_agree,
    modal,
    people,
    running_co_console,
    running_console,
    seat,
    select_item,
    select_vk,
    until,
)


def top(app) -> str:
    lines = attention_lines(app)
    return lines[0] if lines else ""


async def test_help_asked_in_the_waiting_room_tops_both_panels_and_stays_once_let_in(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await knock_and_agree(lead_pilot, lead, members, "Kim")  # a knock below, to be outranked
            sam, sam_watch = await knock_and_agree(lead_pilot, lead, members, "Sam")
            await sam.ask_for_help()
            for app, pilot in ((lead, lead_pilot), (co, co_pilot)):
                await until(pilot, lambda app=app: top(app).startswith("!!Sam (waiting room) is asking "
                                                                       "for help now"),
                            "the request atop the panel")
            await select_item(lead_pilot, lead, "Sam is waiting to join")
            await lead_pilot.press("a")
            await sam_watch.expect(ev.Admitted)
            for app, pilot in ((lead, lead_pilot), (co, co_pilot)):
                await until(pilot, lambda app=app: top(app).startswith("!!Sam is asking for help now"),
                            "the request still there once Sam is in")
            assert not any("waiting to join" in line and "Sam" in line for line in attention_lines(lead))


async def test_when_a_facilitator_goes_what_they_were_handling_is_nobodys(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        sam, _ = await seat(lead_pilot, lead, members, "Sam")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: "Sam" in people(co), "Sam on Jo's console")
            await sam.ask_for_help()
            await sam.trigger("the story")
            await select_item(lead_pilot, lead, "Sam is asking for help now")
            await lead_pilot.press("enter")  # safeguarding: the lead takes it
            await modal(lead_pilot, lead, SafeguardingScreen)
            handling = "(lead facilitator) is handling this"
            await until(co_pilot, lambda: sum(handling in line for line in attention_lines(co)) == 2,
                        "both of Sam's items marked on Jo's console")
            await lead.session.stop()  # the lead's console goes
            await until(co_pilot, lambda: header(co).startswith("co-facilitator, keeping the room"),
                        "Jo keeping the room")
            await until(co_pilot, lambda: not any(handling in line for line in attention_lines(co)),
                        "the marks gone with the lead")
            assert top(co).startswith("!!Sam is asking for help now")
            assert any("Sam is finding this hard: the story" in line for line in attention_lines(co))


async def test_a_co_let_in_after_a_member_agreed_has_their_name_and_agreement_from_the_lead(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        alex, alex_watch = await knock_and_agree(lead_pilot, lead, members, "Alex")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: any(line.startswith("+ Alex is waiting to join") and
                                              "has accepted the group agreement" in line
                                              for line in attention_lines(co)), "Alex's knock, named")
            assert not any("Waiting member" in line for line in attention_lines(co))
            assert co.model.can_admit(alex.identity.vk) == (True, "")
            await select_item(lead_pilot, lead, "Alex is waiting to join")
            await lead_pilot.press("a")
            await alex_watch.expect(ev.Admitted)
            await until(co_pilot, lambda: people(co).get("Alex") == "present", "Alex present on Jo's console")
            assert "Waiting member" not in people(co)


async def test_a_co_let_in_mid_session_is_told_what_is_open_and_the_floor_lowers_hands_on_both(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        sam, _ = await seat(lead_pilot, lead, members, "Sam")
        kim, kim_watch = await seat(lead_pilot, lead, members, "Kim")
        await sam.ask_for_help()
        await sam.trigger("my private words")
        await kim.hand(True)
        await until(lead_pilot, lambda: len(attention_lines(lead)) == 3, "three items on the lead's panel")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: len(attention_lines(co)) == 3, "the lead's open items on Jo's panel")
            lines = attention_lines(co)
            assert lines[0].startswith("!!Sam is asking for help now")
            assert any("Sam is finding this hard" in line for line in lines)
            assert not any("my private words" in line for line in lines)  # Sam wrote them to the lead
            assert any("Kim raised a hand" in line for line in lines)
            await select_item(lead_pilot, lead, "Kim raised a hand")
            await lead_pilot.press("n")
            await kim_watch.expect(ev.GroupMessage, lambda e: e.kind == "floor")
            for app, pilot in ((lead, lead_pilot), (co, co_pilot)):
                await until(pilot, lambda app=app: not any("raised a hand" in line for line in attention_lines(app))
                            and people(app).get("Kim") == "present", "Kim's hand down")


async def test_once_the_room_is_closed_the_co_shows_nobody_present(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        await seat(lead_pilot, lead, members, "Sam")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: people(co).get("Sam") == "present"
                        and "1 in the group" in header(co), "Sam present on Jo's console")
            await lead.session.close_room()  # "End the session for everyone"
            await until(co_pilot, lambda: co.model.link == "ended", "the end on Jo's console")
            await until(co_pilot, lambda: "Sam" not in people(co) and "0 in the group" in header(co),
                        "nobody present")
            assert "present" not in people(co).values()


async def test_what_a_member_who_knocked_before_the_co_does_in_the_waiting_room_reaches_the_co(relay, members):
    """Alex does not trust Jo yet (Jo was let in after Alex got the agreement), so
    writes only to the lead: the lead tells Jo that Alex agreed and asks for help."""
    async with running_console(relay.url) as (lead, lead_pilot):
        alex, _ = await knock_and_agree(lead_pilot, lead, members, "Alex", agree=False)
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: any("Alex is waiting to join" in line and "has not accepted" in line
                                              for line in attention_lines(co)), "Alex's knock, named")
            await alex.agree()
            await until(co_pilot, lambda: co.model.can_admit(alex.identity.vk) == (True, ""), "Alex agreed")
            await alex.ask_for_help()
            await until(co_pilot, lambda: top(co).startswith("!!Alex (waiting room) is asking for help now"),
                        "Alex's call for help atop Jo's panel")


async def test_a_restarted_lead_that_lets_its_co_back_is_told_what_is_open(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        ann, _ = await seat(lead_pilot, lead, members, "Ann")
        identity, room, invite = lead.session.identity, lead.session.room, lead.invite
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: "Ann" in people(co), "Ann on Jo's console")
            await lead.session.stop()  # the lead's console goes; Jo keeps the room
            await until(co_pilot, lambda: header(co).startswith("co-facilitator, keeping the room"), "Jo keeps it")
            await ann.hand(True)
            await ann.ask_for_help()
            await until(co_pilot, lambda: len(attention_lines(co)) == 2, "Ann's hand and call on Jo's panel")

            def restart() -> FacilitatorSession:
                return FacilitatorSession(relay.url, identity, room=room, restarted=True,
                                          invites=[invite], **FAST)

            async with running_console(relay.url, session=restart) as (again, again_pilot):
                await select_item(again_pilot, again, "wants to join as your co-facilitator")
                await again_pilot.press("a")
                await modal(again_pilot, again, ChoiceScreen)
                await again_pilot.press("y")
                await until(again_pilot, lambda: people(again).get("Ann", "").startswith("hand raised"),
                            "Ann's hand, on the restarted lead's console")
                await until(again_pilot, lambda: top(again).startswith("!!Ann is asking for help now"),
                            "Ann's call atop the restarted lead's panel")
                assert any("Ann raised a hand" in line for line in attention_lines(again))


async def test_a_co_facilitator_removed_or_gone_is_handling_nothing_on_the_leads_panel(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        ann, _ = await seat(lead_pilot, lead, members, "Ann")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await ann.trigger("the story")
            await select_item(co_pilot, co, "is finding this hard")
            await co_pilot.press("enter")
            handling = "Jo (co-facilitator) is handling this"
            await until(lead_pilot, lambda: any(handling in line for line in attention_lines(lead)), "Jo's mark")
            await select_vk(lead_pilot, lead, co.session.identity.vk, "Jo")
            await lead_pilot.press("x")
            await modal(lead_pilot, lead, RemoveScreen, "#minutes")
            await lead_pilot.press("enter")
            await until(lead_pilot, lambda: not any(handling in line for line in attention_lines(lead)),
                        "Jo's mark gone with Jo")
            assert any("Ann is finding this hard: the story" in line for line in attention_lines(lead))
