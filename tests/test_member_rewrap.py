"""The member's chat after the terminal is resized (issue 11, item 4), against a
real relay and facilitator session. Full screen (Pilot): the log wraps again,
as the console's does, so lines written at 200 columns are not left cut off at
80. Plain mode (a real pty): each new line is wrapped at the width the terminal
has when it is printed."""

from __future__ import annotations

from itertools import takewhile
from typing import Any

from textual.pilot import Pilot
from textual.widgets import RichLog

from holdspace.client.display import FACILITATOR_MARK, cells
from holdspace.member.app import MemberApp
from holdspace.member.commands import HELP_TEXT
from holdspace.ui.choice import ChoiceScreen
from tests.session_helpers import seat
from tests.test_display_member import Terminal, let_in_beside_eve
from tests.test_member_client import admitted, member_app, room  # noqa: F401 (room: a fixture)
from tests.ui_helpers import modal, normalise, screen_lines, until

WELCOME = ("Welcome, everyone. Tonight we talk about the weeks since we last met, and anyone "
           "may pass; there is no need to speak at all, and listening is enough.")
# Wide characters (two cells each) on a row that wraps: measured in cells, not characters.
JO_FIRST = "Hi all 🌻🌻. It has been a long week 🌈 and I am glad to be back here with all of you."
JO_SECOND = ("A second line of mine that goes on for a while, about the week I had and the people "
             "who helped me through it, so that it wraps at eighty columns.")


TRIGGER_SAID = ("The facilitator has been told, privately, that you are finding this hard. "
                "Take whatever time you need.")


def rows(app: MemberApp) -> list[str]:
    return [strip.text.rstrip() for strip in app.query_one("#log", RichLog).lines]


def two_lines(shown: list[str], start: int) -> tuple[list[str], list[str]]:
    """The rows of a two-line message from row ``start``: its first line, then
    its second (each row of that indented under the first's text)."""
    first = [shown[start], *takewhile(lambda row: row.startswith("  ") and row[2] != " ",
                                      shown[start + 1:])]
    return first, list(takewhile(lambda row: row.startswith("      "), shown[start + len(first):]))


def fits(app: MemberApp) -> bool:
    room = app.query_one("#log", RichLog).scrollable_content_region.width
    return all(cells(row) <= room for row in rows(app))


async def chat_at_200_columns(pilot: Pilot[Any], app: MemberApp, room: Any) -> None:  # noqa: F811
    """Let in; then the facilitator and Jo write lines that fit one row at 200 columns."""
    fac, fwatch, link = room
    await admitted(pilot, app, fac, fwatch)
    jo, _ = await seat(fac, fwatch, link, "Jo 🌻")
    await fac.chat(WELCOME)
    await jo.chat(f"{JO_FIRST}\n{JO_SECOND}")
    await until(pilot, lambda: any(JO_SECOND in row for row in rows(app)),
                "Jo's second line, whole on one row at 200 columns")
    assert any(row == f"{FACILITATOR_MARK} Alex: {WELCOME}" for row in rows(app))


async def rewrapped(pilot: Pilot[Any], app: MemberApp) -> None:
    await until(pilot, lambda: app.query_one("#log", RichLog).size.width < 80 and fits(app),
                f"every row of the chat within the narrower log: {rows(app)}")


async def test_the_chat_wraps_again_at_a_smaller_terminal(room):  # noqa: F811
    async with member_app(room[2], size=(200, 60)) as (app, pilot):
        await chat_at_200_columns(pilot, app, room)
        await pilot.resize_terminal(80, 24)
        await rewrapped(pilot, app)
        shown = rows(app)
        # Every word still there, none cut in two.
        for text in (WELCOME, JO_FIRST, JO_SECOND):
            assert text in normalise(" ".join(shown)), shown
        # The facilitator's line: the mark once, its further rows under its text.
        alex = next(i for i, row in enumerate(shown) if row.startswith(f"{FACILITATOR_MARK} Alex: "))
        jo = next(i for i, row in enumerate(shown) if row.startswith("  Jo 🌻: "))
        assert jo - alex >= 2 and all(row.startswith("  ") and row[2] != " "
                                      for row in shown[alex + 1:jo]), shown
        assert sum(FACILITATOR_MARK in row for row in shown) == 1
        # Jo's first line wraps under its text; the second under its own indent.
        first, second = two_lines(shown, jo)
        assert len(first) >= 2 and normalise(" ".join(first)) == f"Jo 🌻: {JO_FIRST}", shown
        assert len(second) >= 2 and normalise(" ".join(second)) == JO_SECOND, shown
        # And on the screen: the newest words are in sight, not cut off at the right.
        assert JO_SECOND.split()[-1] in normalise(" ".join(screen_lines(app)))


async def test_the_chat_wraps_again_when_resized_under_a_dialog(room):  # noqa: F811
    async with member_app(room[2], size=(200, 60)) as (app, pilot):
        await chat_at_200_columns(pilot, app, room)
        await pilot.press("ctrl+q")
        await modal(pilot, app, ChoiceScreen, "#body")
        await pilot.resize_terminal(80, 24)
        await pilot.press("s")  # stay
        await until(pilot, lambda: not isinstance(app.screen, ChoiceScreen), "the dialog closed")
        await rewrapped(pilot, app)
        assert JO_SECOND in normalise(" ".join(rows(app)))


async def test_plain_mode_wraps_each_new_line_at_the_width_the_terminal_has_then(room, tmp_path):  # noqa: F811
    fac, _, link = room
    # COLUMNS as a shell that exports it leaves it: the width when the client started.
    term = Terminal(link.link, tmp_path, size=(200, 60), COLUMNS="200")
    await term.start()
    try:
        eve = await let_in_beside_eve(term, room)
        await eve.chat(f"{JO_FIRST}\n{JO_SECOND}")
        await term.expect("eighty columns.")
        assert any(row.endswith(JO_SECOND) for row in term.rows())  # one row at 200 columns
        term.resize(80, 24)
        since = len(term.output)
        await eve.chat(f"{JO_FIRST}\n{JO_SECOND} Now.")
        await fac.chat(WELCOME)
        await term.send("/trigger")
        for text in ("Now.", "enough.", "need."):  # each on one row, whatever the wrapping
            await term.expect(text)
    finally:
        await term.close()
    shown = [row for row in term.rows(since) if row]
    assert all(cells(row) <= 80 for row in shown), shown
    for text in (f"{JO_SECOND} Now.", WELCOME, TRIGGER_SAID):  # every word whole
        assert text in normalise(" ".join(shown)), shown
    eve = next(i for i, row in enumerate(shown) if row.startswith("  Eve: "))
    first, second = two_lines(shown, eve)
    assert len(first) >= 2 and normalise(" ".join(first)) == f"Eve: {JO_FIRST}", shown
    assert len(second) >= 2 and normalise(" ".join(second)) == f"{JO_SECOND} Now.", shown
    alex = next(i for i, row in enumerate(shown) if row.startswith(f"{FACILITATOR_MARK} Alex: "))
    assert shown[alex + 1].startswith("  ") and shown[alex + 1][2] != " ", shown


async def test_help_at_80x24_keeps_each_command_on_its_row(room):  # noqa: F811
    """/help's list is read down its left edge: a description wrapping back under
    the commands would read as a command of its own."""
    async with member_app(room[2], size=(80, 24)) as (app, pilot):
        fac, fwatch, _ = room
        await admitted(pilot, app, fac, fwatch)
        await pilot.press(*"/help", "enter")
        await until(pilot, lambda: any("/details forget" in row for row in rows(app)), "the help")
        shown = [normalise(row) for row in rows(app)]
        for line in HELP_TEXT.splitlines():
            if line.startswith("  "):
                assert normalise(line) in shown, (line, rows(app))
