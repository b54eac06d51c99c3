"""What is typed shows; every modal and the help fit 80x24 with their buttons
and keys on screen; help lists every key (issue 11, item 2). Checked on the
screen as sent to the terminal, at the smallest size we support."""

from __future__ import annotations

from typing import Any

from textual.screen import ModalScreen
from textual.widgets import Button

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.console.app import FacilitatorApp
from holdspace.console.config import ConsoleConfig
from holdspace.console.screens.export import RECORDS_TEXT, SUMMARY_TEXT, ExportScreen
from holdspace.console.screens.help import HelpScreen
from holdspace.console.screens.safeguarding import CONSENT_REASON
from holdspace.member.app import MemberApp, session_factory
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from tests.session_helpers import FAST
from tests.ui_helpers import modal, running_console, screen_lines, seat, select_person, until

SMALL = (80, 24)
NOTICES = ["Ten minutes left.", "We will take a short break now.", "Please keep the chat kind.",
           "Back in five minutes.", "Thank you all for coming tonight."]


def on_screen(app: Any) -> str:
    return "\n".join(screen_lines(app))


def flat(app: Any) -> str:
    """The screen as one line: a label wrapped in its box still counts."""
    return " ".join(" ".join(line.replace("│", " ").split()) for line in screen_lines(app))


def framed(app: Any) -> str:
    """The text inside the innermost input or list frames (▊ ... ▎), as one line,
    without ticked boxes."""
    inside = [line.rsplit("▊", 1)[1].split("▎", 1)[0] for line in screen_lines(app) if "▊" in line]
    return " ".join(" ".join(inside).replace("▐X▌", " ").split())


def buttons_shown(app: Any) -> None:
    for button in app.screen.query(Button):
        label = str(button.label)
        assert label in on_screen(app), f"{label!r} is not on the screen:\n{on_screen(app)}"


async def test_typing_in_the_group_chat_shows_and_the_footer_says_how_back(relay):
    async with running_console(relay.url, size=SMALL) as (app, pilot):
        await pilot.press("g", *"hello there")
        assert "hello there" in on_screen(app)
        assert "Back to the lists" in screen_lines(app)[-1]
        await pilot.press("escape")
        assert "Let in" in screen_lines(app)[-1]


async def test_every_modal_of_the_console_fits_80x24(relay, members):
    config = ConsoleConfig(notices=NOTICES)
    async with running_console(relay.url, config, size=SMALL) as (app, pilot):
        sam, _ = await seat(pilot, app, members, "Sam")
        await select_person(pilot, app, sam)
        for key, shows in [("i", "New link"), ("m", NOTICES[-1]), ("c", "Enter to send"),
                           ("p", "Enter to send"), ("x", "Enter removes them, Escape cancels."),
                           ("e", "Enter exports, Escape cancels."), ("q", "Stay")]:
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, ModalScreen), f"the modal of {key}")
            await pilot.pause()
            assert shows in flat(app), f"{key}: {shows!r} not on screen:\n{on_screen(app)}"
            buttons_shown(app)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ModalScreen), f"{key} closed")

        await pilot.press("s", "2")  # safeguarding: the workflow of a situation
        await pilot.pause()
        for hint in ("r send crisis resources", "c ask consent", "Escape close"):
            assert hint in flat(app), on_screen(app)
        await pilot.press("c")
        await modal(pilot, app, ChoiceScreen, "#body")
        buttons_shown(app)
        assert "Someone they trust (4)" in on_screen(app)


async def test_help_fits_and_lists_every_key(relay):
    async with running_console(relay.url, size=SMALL) as (app, pilot):
        await pilot.press("question_mark")
        screen = await modal(pilot, app, HelpScreen)
        text = screen.text
        for binding in FacilitatorApp.BINDINGS:
            key = {"question_mark": "?", "escape": "Escape"}.get(binding.key, binding.key)
            if binding.key.startswith("ctrl+"):
                assert binding.key.replace("ctrl+", "Ctrl+").upper() in text.upper()
                continue
            assert f"{key} " in text, f"{binding.key} is not in the help"
        for heading in ("People", "The group", "Moving around", "The session"):
            assert heading in text
        assert "Escape or ? closes" in flat(app)
        await pilot.press("end")
        assert "q   quit" in flat(app) or "q quit" in flat(app)


async def test_the_group_agreement_can_be_answered_at_80x24(relay):
    rules = "\n".join(f"- Rule {n} of the group." for n in range(30))
    fac = FacilitatorSession(relay.url, Identity.generate(), agreement=rules, resources="Call 999.",
                             **FAST)
    await fac.start()
    link = await fac.create_invite()
    app = MemberApp(session_factory(link, **FAST), "Sam")
    try:
        async with app.run_test(size=SMALL) as pilot:
            await modal(pilot, app, ChoiceScreen, "#body")
            await pilot.pause()
            buttons_shown(app)
            assert "Do you accept the group agreement?" not in on_screen(app)  # it scrolls
    finally:
        if app.session is not None:
            await app.session.stop()
        await fac.stop()


async def test_the_member_footer_shows_every_key_and_the_typing_box_whole_at_80x24(relay):
    fac = FacilitatorSession(relay.url, Identity.generate(), agreement="Be kind.", **FAST)
    await fac.start()
    app = MemberApp(session_factory(await fac.create_invite(), **FAST), "Sam")
    try:
        async with app.run_test(size=SMALL) as pilot:
            await modal(pilot, app, ChoiceScreen, "#body")
            await pilot.press("y")
            await until(pilot, lambda: not isinstance(app.screen, ModalScreen), "the agreement answered")
            footer = screen_lines(app)[-1]
            for key in ("^q Leave", "f2 Hand", "f3 Step out", "f4", "f5 Support now",
                        "f6 What I can do"):
                assert key in footer, footer
            # The typing box is whole above the footer, not partly under it.
            assert "Type a message" in screen_lines(app)[-3] and "▁▁▁" in screen_lines(app)[-2]
    finally:
        if app.session is not None:
            await app.session.stop()
        await fac.stop()


async def test_at_80x24_the_header_and_footer_keep_what_matters(relay, members):
    async with running_console(relay.url, size=SMALL) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        bob, _ = await seat(pilot, app, members, "Bob")
        await select_person(pilot, app, bob)
        await pilot.press("h")  # Bob to the waiting room: he is waiting, not in the group
        await until(pilot, lambda: "1 in the group | 1 waiting | 0:0" in screen_lines(app)[0],
                    f"the counts and the clock in the header: {screen_lines(app)[0]!r}")
        footer = screen_lines(app)[-1]
        for key, word in [("a", "Let in"), ("n", "Floor"), ("c", "Check in"), ("s", "Safeguard"),
                          ("x", "Remove"), ("?", "Help"), ("q", "Quit")]:
            assert f"{key} {word}" in footer, footer


async def test_chat_wraps_again_when_the_screen_grows(relay, members):
    async with running_console(relay.url, size=SMALL) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        words = "a long message that does not fit in a narrow chat panel at all, so it wraps"
        await ann.chat(words)
        await until(pilot, lambda: "wraps" in on_screen(app), "the message")
        assert not any(words in line for line in screen_lines(app))  # wrapped at 80 columns
        await pilot.resize_terminal(200, 60)
        await until(pilot, lambda: any(words in line for line in screen_lines(app)),
                    "the message on one line at 200 columns")


async def test_every_word_of_a_long_policy_step_is_on_screen_at_80x24(relay, members):
    long_step = ("Ask them, gently and without hurrying, whether they are safe right now, and "
                 "whether someone they trust could be with them tonight; write down their answer")
    config = ConsoleConfig(safeguarding={"steps": {"other": [long_step, "Then the next step"]}})
    async with running_console(relay.url, config, size=SMALL) as (app, pilot):
        sam, _ = await seat(pilot, app, members, "Sam")
        await select_person(pilot, app, sam)
        await pilot.press("s", "5")  # another concern: the group's own steps
        await until(pilot, lambda: "Then the next step" in on_screen(app), "the steps")
        assert "…" not in on_screen(app)
        # The text inside the list's frame (▊ ... ▎), line after line.
        inside = [line.split("▊", 1)[1].rsplit("▎", 1)[0] for line in screen_lines(app)
                  if "▊" in line and "▎" in line]
        assert long_step in " ".join(" ".join(inside).replace("▐ ▌", " ").split()), on_screen(app)
        # The box is drawn once, on the step's first line; the rest are indented under its text.
        assert sum("▐ ▌" in line for line in screen_lines(app)) == 2


async def test_at_80x24_the_consent_message_and_both_export_choices_are_read_whole(relay, members):
    """Seen in QA: the consent message showed only its end ("et support. You stay
    involved..."), and both export choices ended in "…"."""
    async with running_console(relay.url, size=SMALL) as (app, pilot):
        sam, watch = await seat(pilot, app, members, "Sam")
        await select_person(pilot, app, sam)
        await pilot.press("s", "2", "c", "3")  # a crisis line
        await modal(pilot, app, AskTextScreen, "#answer")
        await pilot.pause()
        assert CONSENT_REASON in framed(app), on_screen(app)  # all of it, its start too
        await pilot.press("end", *" Ok?", "enter")  # still edited and sent with Enter
        asked = await watch.expect(ev.ConsentRequested)
        assert asked.reason == CONSENT_REASON + " Ok?"
        await pilot.press("escape")

        await pilot.press("e")
        await modal(pilot, app, ExportScreen, "#what")
        await pilot.pause()
        assert "…" not in on_screen(app)
        for choice in (RECORDS_TEXT.format(n=1), SUMMARY_TEXT):
            assert choice in framed(app), on_screen(app)
        buttons_shown(app)
