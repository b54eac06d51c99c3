"""Console keys for the whole session against a real relay: i, ?, m, q, and letters typed in the group chat."""

from __future__ import annotations

import stat

from textual.widgets import Input

from holdspace.client import events as ev
from holdspace.client.invites import parse_invite
from holdspace.console.config import ConsoleConfig
from holdspace.console.facilitator import Place
from holdspace.console.screens.help import HelpScreen
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from holdspace.ui.chat_log import ChatLog
from holdspace.ui.choice import ChoiceScreen
from tests.console_checks import is_main, nothing_more_arrived
from tests.ui_helpers import (
    chat_text, focus, knock_and_agree, modal, participant, people, running_console, seat, dialog_text,
    select_person, static_text, until,
)


# --- i, ?, m -------------------------------------------------------------------------------


async def test_i_shows_a_working_invite_link_and_the_facilitators_safety_code(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen, "#link-web")
        body = dialog_text(app.screen)
        assert app.invite.link in body
        assert f"Your safety code: {app.session.safety_code}" in body
        await pilot.press("enter")
        assert is_main(app)

        # The link shown is the one that works.
        shown = next(word for word in body.split() if word.startswith("ws://"))
        sam, _ = await members.knock(parse_invite(shown), "Sam")
        await until(pilot, lambda: "Sam" in people(app), "Sam's knock")


async def test_i_shows_and_copies_the_web_link_too(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen, "#link-web")
        body = dialog_text(app.screen)
        web = next(word for word in body.split() if word.startswith("http://"))
        assert web == app.invite.web_link
        await pilot.press("w")
        assert app.clipboard == web
        await pilot.press("t")  # the dialog stays open: both can be copied in turn
        assert app.clipboard == app.invite.link
        await pilot.press("enter")
        assert is_main(app)
        # Either link lets a member in.
        sam, _ = await members.knock(parse_invite(web), "Sam")
        await until(pilot, lambda: "Sam" in people(app), "Sam's knock")


async def test_invite_file_is_written_readable_only_by_the_facilitator(relay, members, tmp_path):
    path = tmp_path / "private" / "invite.txt"
    async with running_console(relay.url, invite_file=path) as (app, pilot):
        # Line 1 for the terminal client, line 2 for the web page.
        assert path.read_text().splitlines() == [app.invite.link, app.invite.web_link]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen, "#link-web")
        assert f"The link is also in {path}" in dialog_text(app.screen)


async def test_question_mark_shows_every_key(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("?")
        await modal(pilot, app, HelpScreen, "Static")
        text = str(app.screen.query_one("Static").content)
        listed = {line.split()[0] for line in text.splitlines() if line.startswith("  ")}
        # Every one-letter key the console binds is explained, and the contract's keys are there.
        bound = {"?" if b.key == "question_mark" else b.key for b in app.BINDINGS
                 if len(b.key) == 1 or b.key == "question_mark"}
        assert bound - listed == set()
        assert set("adncphxsmiq?") <= bound
        assert "Enter / space" in text
        await pilot.press("escape")
        assert is_main(app)


async def test_m_sends_a_quick_notice_to_the_group(relay, members):
    config = ConsoleConfig(notices=["Welcome, all.", "Ten minutes left."])
    async with running_console(relay.url, config) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")

        await pilot.press("m")
        await modal(pilot, app, ChoiceScreen, "#title")
        body = static_text(app.screen.query_one("#title"))
        assert body == "Send a notice to the whole group"
        await pilot.press("2")

        for watch in (ann_w, bob_w):
            notice = await watch.expect(ev.GroupMessage, lambda e: e.kind == "notice")
            assert notice.body["text"] == "Ten minutes left."
        await until(pilot, lambda: "* Ten minutes left." in chat_text(app, "group"),
                    "the notice in the group chat")


# --- q: quit -----------------------------------------------------------------------------


async def test_q_asks_and_stay_keeps_the_session(relay, members):
    async with running_console(relay.url, embedded_relay=True) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        await pilot.press("q")
        await modal(pilot, app, ChoiceScreen, "Button")
        assert static_text(app.screen.query_one("#title")) == "Quit the console?"
        choices = [b.name for b in app.screen.query("Button")]
        assert "end" in choices and "stay" in choices
        assert "leave" not in choices  # an embedded relay cannot be left running
        await pilot.press("s")
        assert is_main(app)
        await ann.chat("still here")
        await until(pilot, lambda: "Ann: still here" in chat_text(app, "group"), "Ann's message")


async def test_q_then_f_ends_the_session_for_everyone(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        waiting, waiting_w = await knock_and_agree(pilot, app, members, "Cat")
        await pilot.press("q")
        await modal(pilot, app, ChoiceScreen, "Button")
        assert {"end", "leave", "stay"} <= {b.name for b in app.screen.query("Button")}
        await pilot.press("f")  # not e: on the main screen e exports (issue 11)

        assert (await ann_w.expect(ev.SessionEnded)).reason == "room_closed"
        assert (await waiting_w.expect(ev.SessionEnded)).reason == "room_closed"
        await until(pilot, lambda: not app.is_running, "the console to close")
        assert app.session.ended.reason == "room_closed"


# --- the chat input types letters -----------------------------------------------------


async def test_letter_keys_in_the_group_chat_type_text(relay, members):
    async with running_console(relay.url) as (app, pilot):
        bob, bob_w = await seat(pilot, app, members, "Bob")
        ann, ann_w = await knock_and_agree(pilot, app, members, "Ann")
        group_input = app.query_one("#group", ChatPanel).query_one(Input)

        await pilot.press("g")
        assert app.focused is group_input
        await pilot.press(*"ax q?")
        assert group_input.value == "ax q?"
        assert is_main(app)
        await pilot.press("enter")

        chat = await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "chat")
        assert chat.body["text"] == "ax q?"
        await until(pilot, lambda: "You: ax q?" in chat_text(app, "group"), "the echo")
        assert group_input.value == ""
        assert participant(app, ann).place is Place.WAITING
        await nothing_more_arrived(app, ann, ann_w, ev.Admitted)
        assert app.session.ended is None

        await pilot.press("escape")
        assert app.focused is app.query_one(AttentionPanel)


async def test_q_then_l_leaves_it_running_and_the_terminal_says_how_to_come_back(relay, members):
    # Seen by hand: the console closed and its terminal said nothing at all.
    async with running_console(relay.url) as (app, pilot):
        await seat(pilot, app, members, "Ann")
        await pilot.press("q")
        await modal(pilot, app, ChoiceScreen, "Button")
        await pilot.press("l")
        await until(pilot, lambda: not app.is_running, "the console to close")
        said = " ".join(str(m) for m in app._exit_renderables)
        assert "still running" in said and "within 15 minutes" in said, said
        assert app.session.ended is None or app.session.ended.reason != "room_closed"


async def test_escape_goes_back_to_the_lists_from_every_chat_log_and_box(relay, members):
    """Seen in QA: in a chat log Escape did nothing, though the footer said
    "esc Back to the lists"; it goes back to the list last used."""
    async with running_console(relay.url) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        table = app.query_one(ParticipantsTable)
        for panel in ("group", "private"):
            for part in (ChatLog, Input):
                await select_person(pilot, app, ann)
                await focus(pilot, app, app.query_one(f"#{panel}").query_one(Input))
                await focus(pilot, app, app.query_one(f"#{panel}").query_one(part), "shift+tab")
                await pilot.press("escape")
                assert app.focused is table, (panel, part, app.focused)
                assert app.selected == ann.identity.vk
        await focus(pilot, app, app.query_one(AttentionPanel), "shift+tab")
        await pilot.press("g", "escape")  # from the alerts to the chat box and back
        assert app.focused is app.query_one(AttentionPanel)


async def test_letters_typed_in_a_chat_log_go_to_its_message_box_and_act_on_nobody(relay, members):
    """Seen in QA: two Tabs from the lists land in the group chat log, where h
    sent the highlighted member to the waiting room and e opened Export. A
    letter in a log is typing: it goes to that log's message box."""
    async with running_console(relay.url) as (app, pilot):
        lee, lee_w = await seat(pilot, app, members, "Lee")
        for panel in ("group", "private"):
            await select_person(pilot, app, lee)
            box = app.query_one(f"#{panel}").query_one(Input)
            await focus(pilot, app, box)
            await focus(pilot, app, app.query_one(f"#{panel}").query_one(ChatLog), "shift+tab")
            await pilot.press(*"hxne")
            assert is_main(app), app.screen
            assert app.focused is box, app.focused
            assert box.value == "hxne"
            box.value = ""
            await pilot.press("escape")
        assert participant(app, lee).place is Place.SEATED
        await nothing_more_arrived(app, lee, lee_w, ev.Held)
        assert "invited Lee to speak" not in chat_text(app, "group")


async def test_tab_from_the_lists_goes_to_the_message_box_not_the_log_above_it(relay):
    """Seen in QA: two Tabs from the alerts stopped on the group chat log."""
    async with running_console(relay.url) as (app, pilot):
        assert app.focused is app.query_one(AttentionPanel)
        await pilot.press("tab", "tab")
        assert app.focused is app.query_one("#group").query_one(Input)
        await pilot.press("tab")
        assert app.focused is app.query_one("#private").query_one(Input)
        await pilot.press("shift+tab")  # the log is still reached, to scroll it with keys
        assert app.focused is app.query_one("#private").query_one(ChatLog)
