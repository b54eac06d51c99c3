"""The invite link is shown on one line, never broken by wrapping (a broken
link gives "unrecognized arguments"), and the copy buttons copy it whole,
keeping the dialog open."""

from __future__ import annotations

from textual.containers import HorizontalScroll

from holdspace.console.screens.invite_link import LinkScreen
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.ui.choice import ChoiceScreen
from tests.console_checks import is_main
from tests.ui_helpers import (
    attention_lines, modal, running_console, screen_lines, seat, select_item, until,
)

SMALL = (80, 24)


def rows_with(app, part: str) -> list[int]:
    return [y for y, line in enumerate(screen_lines(app)) if part in line]


async def test_each_invite_link_is_one_unwrapped_line_that_scrolls_sideways(relay):
    async with running_console(relay.url, size=SMALL) as (app, pilot):
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen)
        await pilot.pause()
        links = {"web": app.invite.web_link, "terminal": app.invite.link}
        rows = {}
        for name, link in links.items():
            assert len(link) > 80  # wider than the screen: wrapping would break it
            [rows[name]] = rows_with(app, link[:30])
        # Both links end alike (the key and secret): no line below shows that end.
        assert rows_with(app, app.invite.link[-12:]) == []
        for name, link in links.items():
            row_of = app.screen.query_one(f"#link-{name}").parent
            assert isinstance(row_of, HorizontalScroll)
            row_of.scroll_to(x=row_of.max_scroll_x, animate=False, immediate=True)
            await pilot.pause()
            assert rows[name] in rows_with(app, link[-12:])  # its end, on the same line
        await pilot.press("t")
        assert app.clipboard == app.invite.link


async def test_copying_a_link_keeps_the_dialog_open_so_enter_only_closes_it(relay, members):
    """Seen in QA: t copied and closed, so the Enter meant to close the dialog
    dealt with the highlighted help alert and opened safeguarding."""
    async with running_console(relay.url, size=SMALL) as (app, pilot):
        alex, _ = await seat(pilot, app, members, "Alex")
        await alex.ask_for_help()
        await select_item(pilot, app, "Alex is asking for help now")
        for key, copies, dialog in (("o", "terminal", LinkScreen), ("i", "web", LinkScreen),
                                    ("i", "terminal", LinkScreen)):
            await pilot.press(key)
            screen = await modal(pilot, app, dialog, "#link-terminal")
            await pilot.press(copies[0])
            assert app.clipboard == screen.links[copies]
            assert app.screen is screen  # still open, and says so in view
            said = f"The {copies} link is copied. Enter closes this."
            assert any(said in line for line in screen_lines(app))
            await pilot.press("enter")
            await until(pilot, lambda: is_main(app), "the dialog closed by Enter")
            assert any("Alex is asking for help now" in line for line in attention_lines(app))
        assert not any(isinstance(s, SafeguardingScreen) for s in app.screen_stack)
