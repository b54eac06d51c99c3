"""The invite link is shown on one line, never broken by wrapping (a broken
link gives "unrecognized arguments"), and the copy buttons copy it whole."""

from __future__ import annotations

from textual.containers import HorizontalScroll

from holdspace.ui.choice import ChoiceScreen
from tests.ui_helpers import modal, running_console, screen_lines

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
