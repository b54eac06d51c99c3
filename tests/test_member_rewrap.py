"""The member's full-screen chat wraps again when the terminal is resized, as
the console's does (issue 11, item 4): lines written at 200 columns are not
left cut off at 80. Pilot against a real relay and facilitator session."""

from __future__ import annotations

from textual.widgets import RichLog

from holdspace.client.display import FACILITATOR_MARK, cells
from holdspace.member.app import MemberApp
from tests.session_helpers import seat
from tests.test_member_client import admitted, member_app, room  # noqa: F401 (room: a fixture)
from tests.ui_helpers import normalise, screen_lines, until

WELCOME = ("Welcome, everyone. Tonight we talk about the weeks since we last met, and anyone "
           "may pass; there is no need to speak at all if listening is what you need.")
JO_FIRST = "Hi all."
JO_SECOND = ("A second line of mine that goes on for a while, about the week I had and the people "
             "who helped me through it, so that it wraps at eighty columns.")


def rows(app: MemberApp) -> list[str]:
    return [strip.text.rstrip() for strip in app.query_one("#log", RichLog).lines]


def fits(app: MemberApp) -> bool:
    room = app.query_one("#log", RichLog).scrollable_content_region.width
    return all(cells(row) <= room for row in rows(app))


async def test_the_chat_wraps_again_at_a_smaller_terminal(room):  # noqa: F811
    fac, fwatch, link = room
    async with member_app(link, size=(200, 60)) as (app, pilot):
        await admitted(pilot, app, fac, fwatch)
        jo, _ = await seat(fac, fwatch, link, "Jo 🌻")
        await fac.chat(WELCOME)
        await jo.chat(f"{JO_FIRST}\n{JO_SECOND}")
        await until(pilot, lambda: any(JO_SECOND in row for row in rows(app)),
                    "Jo's second line, whole on one row at 200 columns")
        assert any(row == f"{FACILITATOR_MARK} Alex: {WELCOME}" for row in rows(app))

        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: app.query_one("#log", RichLog).size.width < 80 and fits(app),
                    f"every row of the chat within the narrower log: {rows(app)}")
        shown = rows(app)
        # Every word still there, none cut in two.
        for text in (WELCOME, JO_FIRST, JO_SECOND):
            assert text in normalise(" ".join(shown)), shown
        # The facilitator's line: the mark once, its further rows under its text.
        alex = next(i for i, row in enumerate(shown) if row.startswith(f"{FACILITATOR_MARK} Alex: "))
        tail = shown[alex + 1:shown.index(f"  Jo 🌻: {JO_FIRST}")]
        assert len(tail) >= 1 and all(row.startswith("  ") and row[2] != " " for row in tail), shown
        assert sum(FACILITATOR_MARK in row for row in shown) == 1
        # Jo's second line wraps under its own indented text, never back to the edge.
        jo_rows = shown[shown.index(f"  Jo 🌻: {JO_FIRST}") + 1:]
        jo_rows = jo_rows[:next((i for i, r in enumerate(jo_rows) if not r.startswith("      ")),
                                len(jo_rows))]
        assert len(jo_rows) >= 2 and normalise(" ".join(jo_rows)) == JO_SECOND, shown
        # And on the screen: the newest words are in sight, not cut off at the right.
        assert JO_SECOND.split()[-1] in normalise(" ".join(screen_lines(app)))
