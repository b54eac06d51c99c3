"""A co-facilitator is told what is open on the lead's panel (QA3 N3): when it
is let in while someone waits (whose agree, passed on by the lead, must not
replace the lead's first word), and when it comes back with the same link
after quitting (the relay seats it without a knock, so the lead briefs it on
its return, and gives it the group's name again). Real relay, both consoles;
every wait is a bounded poll."""

from __future__ import annotations

from holdspace.client.identity import Identity
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
        await knock_and_agree(lead_pilot, lead, members, "Lee")  # waits; re-sends agree as Jo comes
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: has_line(co, "!!Sam is asking for help now")
                        and has_line(co, "Lee is waiting to join", "has accepted the group agreement"),
                        "Sam's call and Lee's knock on Jo's panel")


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
