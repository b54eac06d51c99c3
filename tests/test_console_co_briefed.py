"""A co-facilitator is told what is open on the lead's panel (QA3 N3): when it
is let in while someone waits (whose agree, passed on by the lead, must not
replace the lead's first word), and when it comes back with the same link
after quitting (the relay seats it without a knock, so the lead briefs it on
its return, and gives it the group's name again). Real relay, both consoles;
every wait is a bounded poll."""

from __future__ import annotations

from types import SimpleNamespace as Body

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink
from holdspace.console.config import ConsoleConfig
from tests.test_console_cofacilitator import header, let_in
from tests.ui_helpers import (
    attention_lines,
    knock_and_agree,
    running_co_console,
    running_console,
    seat,
    until,
)


def has_line(app, *parts: str) -> bool:
    return any(all(part in line for part in parts) for line in attention_lines(app))


async def test_a_co_let_in_while_someone_waits_gets_the_leads_open_items_too(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        sam, _ = await seat(lead_pilot, lead, members, "Sam")
        await sam.ask_for_help()
        await until(lead_pilot, lambda: has_line(lead, "!!Sam is asking for help now"), "Sam's call")
        lee, _ = await knock_and_agree(lead_pilot, lead, members, "Lee")  # re-sends agree as Jo comes
        await lee.ask_for_help()
        await until(lead_pilot, lambda: has_line(lead, "!!Lee (waiting room) is asking"), "Lee's call")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: has_line(co, "!!Sam is asking for help now")
                        and has_line(co, "!!Lee (waiting room) is asking for help now")
                        and has_line(co, "Lee is waiting to join", "has accepted the group agreement"),
                        "Sam's and Lee's calls and Lee's knock on Jo's panel")


async def test_a_co_back_with_its_link_is_briefed_and_names_the_group_as_the_lead(relay, members):
    async with running_console(relay.url, ConsoleConfig(group_name="Thu group")) as (lead, lead_pilot):
        sam, _ = await seat(lead_pilot, lead, members, "Sam")
        link, jo = await lead.session.create_co_invite(), Identity.generate()
        async with running_co_console(link, "Jo", identity=jo) as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: "Sam" in str(co.model.participants), "Sam on Jo's console")
            await co.session.leave_running()
        await sam.ask_for_help()  # while Jo is away
        await until(lead_pilot, lambda: has_line(lead, "!!Sam is asking for help now"), "Sam's call")
        await knock_and_agree(lead_pilot, lead, members, "Lee")
        async with running_co_console(link, "Jo", identity=jo) as (co, co_pilot):
            await until(co_pilot, lambda: co.co.promoted, "Jo seated again without a knock")
            await until(co_pilot, lambda: has_line(co, "!!Sam is asking for help now")
                        and has_line(co, "Lee is waiting to join"), "Sam's call and Lee, named, on Jo's")
            assert not has_line(co, "Waiting member")
            await until(co_pilot, lambda: "Thu group" in header(co), "the lead's name for the group")


async def test_briefings_that_come_before_the_first_roster_add_up_rather_than_replace():
    """The race of the first test, made certain: the lead's briefing, then a
    one-member one (a waiting member's agree passed on), both before any roster."""
    link = InviteLink("ws://127.0.0.1:9", bytes(16), Identity.generate().vk, bytes(16))
    co = FacilitatorSession.cofacilitator(link, Identity.generate(), "Jo")
    told = co.subscribe()
    sam, lee = b"s" * 32, b"l" * 32
    co._briefed(Body(waiting=[], open=[Body(member=sam, item="help", ago=3)]))
    co._briefed(Body(waiting=[Body(vk=lee, name="Lee", agreed=True)], open=[]))
    assert told.empty()  # nobody is seated for the console until the roster
    co._emit_briefing()
    briefed = told.get_nowait()
    assert isinstance(briefed, ev.Briefed) and briefed.items == ((sam, "help", 3),)
    await co.on_knock({"member": lee, "knock": b""})  # Lee's knock, after the lead's word on it
    knock, agreed = told.get_nowait(), told.get_nowait()
    assert isinstance(knock, ev.Knock) and knock.name == "Lee" and agreed == ev.Briefed((lee,), ())
    assert co.waiting[lee]["agreed"]
