"""A removed person who comes back is flagged in the waiting room (Pilot, real relay).

There are no accounts: a removed member can run the link again with a fresh
key. The console says so when the knock uses the removed person's personal
link, their name or their key, and the removal dialog says what removal does.
"""

from __future__ import annotations

from textual.widgets import Checkbox, OptionList

from holdspace.client import events as ev
from holdspace.client.identity import Identity
from holdspace.console.screens.remove import CO_REASONS, RemoveScreen
from holdspace.console.widgets.participants import ParticipantsTable
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from tests.conftest import ManualClock
from tests.test_console_cofacilitator import let_in
from tests.ui_helpers import (
    attention_lines,
    modal,
    participant,
    people,
    running_co_console,
    running_console,
    seat,
    select_item,
    select_person,
    select_vk,
    dialog_text,
    static_text,
    until,
)


def is_main(app) -> bool:
    return len(app.screen_stack) == 1


def _waiting_line(app, name: str) -> str:
    return next((line for line in attention_lines(app) if f"{name} is waiting to join" in line), "")


async def _remove(pilot, app, member, *, change_link: bool) -> str:
    """x on ``member``; returns what the dialog says will happen."""
    await select_person(pilot, app, member)
    await pilot.press("x")
    await modal(pilot, app, RemoveScreen, "#change-link")
    said = static_text(app.screen.query_one("#what-happens"))
    box = app.screen.query_one("#change-link", Checkbox)
    if box.value != change_link:
        await pilot.click("#change-link")
        await until(pilot, lambda: box.value == change_link, "the link choice")
    await pilot.press("enter")
    return said + " | " + str(box.label)


async def test_a_removed_member_back_through_the_shared_link_under_the_same_name_is_flagged(
        relay, members):
    clock = ManualClock(1_750_000_000.0)
    async with running_console(relay.url, clock=clock) as (app, pilot):
        alex, alex_w = await seat(pilot, app, members, "Alex")
        old_link = app.invite

        said = await _remove(pilot, app, alex, change_link=False)
        assert "cannot come back" not in said
        assert "could knock again with a new key through the shared link, if you keep it" in said
        assert "a knock with their name, key or personal link is flagged" in said
        assert "Replace the shared link" in said
        assert (await alex_w.expect(ev.SessionEnded)).reason == "removed"

        clock.advance(4 * 60 + 10)
        await members.knock(app.invite, "alex", identity=Identity.generate())
        await until(pilot, lambda: _waiting_line(app, "alex"), "the new knock on the panel")
        assert ("note: alex gives the same name as Alex; Alex was removed 4 minutes ago"
                in _waiting_line(app, "alex")), attention_lines(app)
        assert app.invite is old_link  # kept, as chosen


async def test_replacing_the_shared_link_shows_the_new_one_and_refuses_the_old(relay, members):
    async with running_console(relay.url) as (app, pilot):
        alex, _ = await seat(pilot, app, members, "Alex")
        stays, stays_w = await seat(pilot, app, members, "Bo")
        old_link = app.invite

        await _remove(pilot, app, alex, change_link=True)

        await modal(pilot, app, ChoiceScreen)
        shown = dialog_text(app.screen)
        assert app.invite is not old_link and app.invite.link in shown
        assert "The old link no longer works" in shown
        await pilot.press("enter")
        refused = await members.try_join(old_link, "Alex", Identity.generate())
        assert isinstance(refused, ev.SessionEnded) and refused.reason != "removed", refused
        assert participant(app, stays) is not None and stays_w.session.ended is None
        await members.knock(app.invite, "Cai", identity=Identity.generate())  # the new link works
        await until(pilot, lambda: _waiting_line(app, "Cai"), "a knock through the new link")


async def test_a_knock_through_a_removed_persons_personal_link_is_flagged_then_the_link_is_cancelled(
        relay, members):
    clock = ManualClock(1_750_000_000.0)
    async with running_console(relay.url, clock=clock) as (app, pilot):
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen)
        await pilot.press("p")
        await modal(pilot, app, AskTextScreen)
        await pilot.press(*"Sam R", "enter")
        await modal(pilot, app, ChoiceScreen)
        [personal] = app.links.personal.values()
        assert personal.link.link in dialog_text(app.screen)
        await pilot.press("enter")
        await until(pilot, lambda: is_main(app), "back to the main screen")

        sam, sam_w = await members.knock(personal.link, "Sam")
        await until(pilot, lambda: "with the personal link for Sam R" in _waiting_line(app, "Sam"),
                    "the knock saying which link it used")
        await sam.agree()
        await until(pilot, lambda: participant(app, sam).agreed, "Sam agreed")
        await select_item(pilot, app, "Sam is waiting to join")
        await pilot.press("a")
        await sam_w.expect(ev.Admitted)

        # A timed removal, keeping the link: a return through it is flagged.
        said = await _remove(pilot, app, sam, change_link=False)
        assert "Cancel their personal link (Sam R)" in said
        await sam_w.expect(ev.SessionEnded)
        clock.advance(2 * 60)
        twin, _ = await members.knock(personal.link, "Jo", identity=Identity.generate())
        await until(pilot, lambda: _waiting_line(app, "Jo"), "the knock through Sam's link")
        assert ("note: Jo came in with the link Sam used; Sam was removed 2 minutes ago"
                in _waiting_line(app, "Jo")), attention_lines(app)

        # Removing them with the link cancelled: nobody gets through it any more.
        await _remove(pilot, app, twin, change_link=True)
        await until(pilot, lambda: "The personal link for Sam R no longer works." in app.notes,
                    "the link cancelled")
        refused = await members.try_join(personal.link, "Sam", Identity.generate())
        assert isinstance(refused, ev.SessionEnded) and refused.reason != "removed", refused
        assert app.links.personal == {}


async def test_the_removal_dialog_shows_all_it_says_at_80x24(relay, members):
    async with running_console(relay.url, size=(80, 24)) as (app, pilot):
        alex, _ = await seat(pilot, app, members, "Alex")
        await select_person(pilot, app, alex)
        await pilot.press("x")
        dialog = await modal(pilot, app, RemoveScreen, "#change-link")
        await pilot.pause()
        box = dialog.query_one("Vertical")
        assert box.max_scroll_y == 0, "part of the removal dialog is hidden at 80x24"
        for part in (".title", "#what-happens", "#reason", "#change-link"):
            region = dialog.query_one(part).region
            assert region.y >= 0 and region.bottom <= 24, (part, region)
        await pilot.press("escape")


async def test_after_a_removal_the_highlight_is_on_the_next_member_never_the_co(relay, members):
    """Seen in QA: after removing Kim the highlight sat on the co-facilitator,
    and a second x offered to remove them for abusive language."""
    async with running_console(relay.url) as (app, pilot):
        async with running_co_console(await app.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(app, pilot, co, co_pilot)
            kim, _ = await seat(pilot, app, members, "Kim")
            lee, _ = await seat(pilot, app, members, "Lee")
            table = app.query_one(ParticipantsTable)
            assert table.vks.index(co.session.identity.vk) < table.vks.index(kim.identity.vk)
            await select_person(pilot, app, kim)
            await pilot.press("x")
            await modal(pilot, app, RemoveScreen, "#minutes")
            await pilot.press("enter")
            await until(pilot, lambda: "Kim" not in people(app), "Kim gone")
            await until(pilot, lambda: app.selected == lee.identity.vk, "the highlight on Lee")
            assert table.current_key == lee.identity.vk and app.focused is table

            # x on the co-facilitator (the lead's only) asks what fits them.
            await select_vk(pilot, app, co.session.identity.vk, "Jo")
            await pilot.press("x")
            dialog = await modal(pilot, app, RemoveScreen, "#minutes")
            assert "Stop Jo co-facilitating" in static_text(dialog.query_one(".title"))
            reasons = [str(o.prompt) for o in dialog.query_one("#reason", OptionList).options]
            assert reasons == CO_REASONS
            assert not set(reasons) & set(app.config.removal_reasons) - {"Other"}
            assert not dialog.query("#change-link")  # their link worked once
            await pilot.press("escape")
            assert is_main(app) and "Jo" in people(app)
