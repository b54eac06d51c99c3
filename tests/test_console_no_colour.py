"""A choice's state shows without colour (issue 11, item 5): on a monochrome
terminal, or to someone who cannot tell the colours apart, a radio button or a
checkbox that is not chosen must not look chosen. Read from the screen as the
terminal is sent it, at 80x24."""

from __future__ import annotations

from textual.app import App

from holdspace.console.screens.remove import RemoveScreen, TheirLink
from tests.ui_helpers import screen_lines, until


def drawn(app: App, label: str) -> str:
    """The three cells drawn before ``label``: its box."""
    line = next(line for line in screen_lines(app) if label in line)
    return line[:line.index(label)].rstrip()[-3:]


async def test_the_removal_dialog_draws_unchosen_choices_as_empty_boxes():
    app = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(RemoveScreen("Sam", ["Other"], TheirLink("Sam R")))
        await pilot.pause()
        assert drawn(app, "For the rest of the session") == "▐●▌"
        assert drawn(app, "For a number of minutes") == "▐ ▌"
        assert drawn(app, "Cancel their personal link") == "▐X▌"

        await pilot.click("#minutes-choice")
        await pilot.click("#change-link")
        await until(pilot, lambda: drawn(app, "For a number of minutes") == "▐●▌", "the choice drawn")
        assert drawn(app, "For the rest of the session") == "▐ ▌"
        assert drawn(app, "Cancel their personal link") == "▐ ▌"
