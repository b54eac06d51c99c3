"""Quitting asks first, however it is asked for, and no habit from the main
screen ends a session for everyone; the command palette carries the console's
own actions and writes nothing (issue 11, item 3)."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from holdspace.ui.choice import ChoiceScreen
from tests.ui_helpers import modal, running_console, seat, static_text, until


async def test_q_then_e_out_of_habit_ends_nothing(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        await pilot.press("q")
        await modal(pilot, app, ChoiceScreen, "Button")
        assert "End the session for everyone (f)" in [str(b.label) for b in app.screen.query("Button")]
        await pilot.press("e")  # e exports on the main screen: here it does nothing
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen) and ann.ended is None
        await pilot.press("escape")
        assert app.is_running and ann.ended is None


async def test_ctrl_c_asks_too(relay):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("ctrl+c")
        screen = await modal(pilot, app, ChoiceScreen, "#title")
        assert static_text(screen.query_one("#title")) == "Quit the console?"


async def test_the_palette_quits_through_the_question_and_has_no_screenshot(relay, members,
                                                                            tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    async with running_console(relay.url) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Quit" in titles and "Let in" in titles and "Export" in titles
        assert not any("screenshot" in title.lower() or "theme" in title.lower() for title in titles)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"Quit", "enter")
        screen = await modal(pilot, app, ChoiceScreen, "#title")
        assert static_text(screen.query_one("#title")) == "Quit the console?"
        assert app.is_running and ann.ended is None
    assert list(Path(tmp_path).rglob("*.svg")) == []
