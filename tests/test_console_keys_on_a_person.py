"""Console keys p, h, x and s on the selected person against a real relay: private message, waiting room, remove, safeguarding."""

from __future__ import annotations

from textual.widgets import Input, OptionList, RadioButton

from holdspace.client import events as ev
from holdspace.console.screens.remove import RemoveScreen
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.session_header import SessionHeader
from holdspace.ui.ask_text import AskTextScreen
from tests.conftest import ManualClock
from tests.console_checks import is_main, nothing_more_arrived, received_so_far
from tests.ui_helpers import (
    attention_lines, chat_text, everyone_has_roster, focus, modal, people, running_console, seat,
    select_person, static_text, until,
)


# --- p: private message --------------------------------------------------------------


async def test_p_sends_a_private_message_to_the_selected_person(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await select_person(pilot, app, ann)

        await pilot.press("p")
        await modal(pilot, app, AskTextScreen, "#answer")
        assert "Private message to Ann" in static_text(app.screen.query_one("#question"))
        await pilot.press(*"okay?", "enter")

        got = await ann_w.expect(ev.DirectMessage, lambda e: e.kind == "private")
        assert got.body["text"] == "okay?"
        assert app.query_one("#private", ChatPanel).border_title == "Private with Ann"
        await until(pilot, lambda: "You: okay?" in chat_text(app, "private"),
                    "the message in the private panel")
        assert not [e for e in await received_so_far(app, bob, bob_w)
                    if isinstance(e, ev.DirectMessage) and e.body.get("text") == "okay?"]

        # Her answer shows in the same conversation and as an item to deal with.
        await ann.private("yes, thank you")
        await until(pilot, lambda: "Ann: yes, thank you" in chat_text(app, "private"),
                    "Ann's answer in the private panel")
        await until(pilot, lambda: any("Ann sent you a private message: yes, thank you" in x
                                       for x in attention_lines(app)), "Ann's message on the panel")

        # The private panel's own input writes to the selected person too.
        await focus(pilot, app, app.query_one("#private", ChatPanel).query_one(Input))
        await pilot.press(*"bye", "enter")
        got = await ann_w.expect(ev.DirectMessage, lambda e: e.kind == "private")
        assert got.body["text"] == "bye"
        # Answering privately deals with her private message on the panel.
        await until(pilot, lambda: not any("private message" in x for x in attention_lines(app)),
                    "the private item handled")


# --- h: waiting room, then a -------------------------------------------------------


async def test_h_sends_the_selected_person_to_the_waiting_room_and_a_lets_them_back(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await everyone_has_roster([ann_w, bob_w], 3)
        await select_person(pilot, app, ann)

        await pilot.press("h")

        await ann_w.expect(ev.Held)
        await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                           and ann.identity.vk not in {m["vk"] for m in e.body["members"]})
        await until(pilot, lambda: people(app).get("Ann") == "in waiting room (held)",
                    "Ann shown as held")
        assert "Ann is in the waiting room. Press p to talk privately." in app.notes
        assert "1 in the group" in static_text(app.query_one(SessionHeader))
        assert app.selected == ann.identity.vk

        await pilot.press("a")

        await ann_w.expect(ev.Admitted)
        await ann_w.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                           and ann.identity.vk in {m["vk"] for m in e.body["members"]})
        await until(pilot, lambda: people(app).get("Ann") == "present", "Ann back in the group")
        # She can talk to the group again.
        await ann.chat("I'm back")
        await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "I'm back")


# --- x: remove -------------------------------------------------------------------------


async def test_x_then_enter_removes_for_the_rest_of_the_session(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await everyone_has_roster([ann_w, bob_w], 3)
        await select_person(pilot, app, ann)

        await pilot.press("x")
        await modal(pilot, app, RemoveScreen, "#minutes")
        assert "Remove Ann from the session?" in static_text(app.screen.query_one(".title"))
        reasons = app.screen.query_one("#reason", OptionList)
        assert [str(o.prompt) for o in reasons.options] == app.config.removal_reasons
        await pilot.press("down", "down", "enter")

        ended = await ann_w.expect(ev.SessionEnded)
        assert ended.reason == "removed"
        assert is_main(app)
        await until(pilot, lambda: "Ann" not in people(app), "Ann gone from the people table")
        assert "Ann has been removed." in app.notes
        assert app.model.stats.removals == {app.config.removal_reasons[2]: 1}
        await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 2)

        again = await members.try_join(app.invite, "Ann", ann.identity)
        assert isinstance(again, ev.SessionEnded) and again.reason == "banned"


async def test_x_escape_removes_nobody(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        await select_person(pilot, app, ann)
        await pilot.press("x", "escape")
        assert is_main(app)
        await nothing_more_arrived(app, ann, ann_w, ev.SessionEnded)
        assert people(app)["Ann"] == "present"


async def test_x_for_a_number_of_minutes_passes_a_ban(relay_factory, clock: ManualClock, members):
    relay = await relay_factory(clock=clock)
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")

        await select_person(pilot, app, ann)
        await pilot.press("x", "tab", "tab")
        minutes = app.screen.query_one("#minutes", Input)
        assert app.focused is minutes
        await pilot.press("end", "backspace", "backspace", "5")
        assert minutes.value == "5"
        assert app.screen.query_one("#minutes-choice", RadioButton).value
        await pilot.press("enter")
        assert (await ann_w.expect(ev.SessionEnded)).reason == "removed"

        await select_person(pilot, app, bob)
        await pilot.press("x", "enter")  # for the rest of the session
        assert (await bob_w.expect(ev.SessionEnded)).reason == "removed"

        refused = await members.try_join(app.invite, "Ann", ann.identity)
        assert isinstance(refused, ev.SessionEnded) and refused.reason == "banned"
        clock.advance(5 * 60 + 1)
        back = await members.try_join(app.invite, "Ann", ann.identity)
        assert isinstance(back, ev.Connected) and back.role == "lobby"
        await until(pilot, lambda: any("Ann is waiting to join" in x for x in attention_lines(app)),
                    "Ann's new knock")
        clock.advance(24 * 3600)
        refused = await members.try_join(app.invite, "Bob", bob.identity)
        assert isinstance(refused, ev.SessionEnded) and refused.reason == "banned"


# --- s: safeguarding ---------------------------------------------------------------------


async def test_s_opens_safeguarding_for_the_selected_person(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        await seat(pilot, app, members, "Bob")
        await select_person(pilot, app, ann)

        await pilot.press("s")

        await modal(pilot, app, SafeguardingScreen, "#situation")
        assert static_text(app.screen.query_one("#title")) == "Safeguarding: Ann"
        situations = app.screen.query_one("#situation", OptionList)
        assert app.focused is situations and situations.option_count > 0
        await pilot.press("enter")  # choose the first situation: its steps come next
        await until(pilot, lambda: app.focused is not situations, "the situation's steps")
        assert isinstance(app.screen, SafeguardingScreen)
        await pilot.press("escape")
        assert is_main(app)
