"""The member's full-screen client, driven with Pilot against a real relay and a
real facilitator session: what the member sees, and what reaches the facilitator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RichLog, Static

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.session import SessionError
from holdspace.member import commands
from holdspace.member.app import MemberApp, session_factory
from holdspace.ui.choice import ChoiceScreen
from tests.session_helpers import FAST, Watcher, open_room, seat
from tests.ui_helpers import log_text, modal, static_text, until

AGREEMENT = "Be kind."  # what tests.session_helpers.open_room offers
RESOURCES = "Call 999."


@pytest.fixture
async def room(relay) -> AsyncIterator[tuple[FacilitatorSession, Watcher, Any]]:
    fac, fwatch, link = await open_room(relay.url)
    yield fac, fwatch, link
    await fac.stop()


@asynccontextmanager
async def member_app(link: Any, name: str = "Sam",
                     size: tuple[int, int] = (120, 40)) -> AsyncIterator[tuple[MemberApp, Pilot[Any]]]:
    app = MemberApp(session_factory(link, **FAST), name)
    try:
        async with app.run_test(size=size) as pilot:
            yield app, pilot
    finally:
        if app.session is not None and app.session.ended is None:
            await app.session.stop()


def shown(app: MemberApp) -> str:
    return log_text(app.query_one("#log", RichLog))


def status(app: MemberApp) -> str:
    return static_text(app.query_one("#status", Static))


def from_member(app: MemberApp, kind: str):
    vk = app.session.identity.vk
    return lambda e: e.sender == vk and e.kind == kind


async def agreement_shown(pilot: Pilot[Any], app: MemberApp) -> ChoiceScreen:
    screen = await modal(pilot, app, ChoiceScreen, "#body")
    assert static_text(screen.query_one("#title")) == "Before you join"
    body = static_text(screen.query_one("#body"))
    assert AGREEMENT in body and "Do you accept the group agreement?" in body
    return screen


async def admitted(pilot: Pilot[Any], app: MemberApp, fac: FacilitatorSession,
                   fwatch: Watcher) -> bytes:
    """Accept the agreement with `y`, be let in, hold the group's key and roster."""
    await agreement_shown(pilot, app)
    await pilot.press("y")
    vk = app.session.identity.vk
    await fwatch.expect(ev.DirectMessage, lambda e: e.sender == vk and e.kind == "agree")
    await fac.admit(vk)
    await until(pilot, lambda: "has let you in" in shown(app), "the welcome")
    await until(pilot, lambda: vk in app.session.roster, "the roster")
    field = app.query_one("#input", Input)
    assert not field.disabled and app.focused is field
    return vk


async def send(pilot: Pilot[Any], app: MemberApp, line: str) -> None:
    """Put a line in the input and press Enter (typing it key by key is the same path)."""
    field = app.query_one("#input", Input)
    assert app.focused is field
    field.value = line
    await pilot.press("enter")


# --- the agreement -------------------------------------------------------------------


async def test_refusing_the_agreement_never_joins(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        await agreement_shown(pilot, app)
        knock = await fwatch.expect(ev.Knock)
        assert knock.name == "Sam"
        await pilot.press("n")

        gone = await fwatch.expect(ev.Presence, lambda e: e.member == knock.member)
        assert gone.state == "gone"
        assert not [e for e in fwatch.drain() if isinstance(e, ev.DirectMessage) and e.kind == "agree"]
        await until(pilot, lambda: app.session.ended is not None, "the client to stop")
        assert app.query_one("#input", Input).disabled
        assert knock.member not in fac.waiting
        with pytest.raises(SessionError):
            await fac.admit(knock.member)  # there is nobody to let in
        assert app.session.ended.reason == "left"
        await until(pilot, lambda: "Session ended" in status(app), "the status line")
        assert commands.ENDINGS["left"] in shown(app)


async def test_accepting_the_agreement_shows_the_waiting_room_and_own_safety_code(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        await agreement_shown(pilot, app)
        await pilot.press("y")
        code = app.session.safety_code

        agree = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
        assert agree.sender == app.session.identity.vk
        knock = next(e for e in fwatch.seen if isinstance(e, ev.Knock))
        assert knock.safety_code == code  # the code the facilitator sees is the member's own
        await until(pilot, lambda: "The facilitator will let you in soon" in shown(app), "the welcome")
        assert f"Your safety code is {code}" in shown(app)
        # ... and the facilitator's, to compare with what the facilitator reads out.
        assert f"The facilitator's code is {fac.safety_code}" in shown(app)
        assert code in status(app) and "Waiting room" in status(app)
        resources = app.query_one("#resources", Static)
        assert resources.has_class("shown") and RESOURCES in static_text(resources)
        # Issue 11: in the waiting room, what is typed goes to the facilitator only, and says so.
        assert not app.query_one("#input", Input).disabled
        await pilot.press(*"is it starting?", "enter")
        said = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "private")
        assert said.body["text"] == "is it starting?"
        await until(pilot, lambda: "Sent privately to the facilitator" in shown(app), "where it went")


async def test_a_member_whose_name_is_taken_is_told_how_the_group_sees_them(room):
    fac, fwatch, link = room
    first, first_w = await seat(fac, fwatch, link, "Sam")
    async with member_app(link, "Sam") as (app, pilot):
        await admitted(pilot, app, fac, fwatch)
        await until(pilot, lambda: "so the group sees you as Sam (2)" in shown(app), "the name said")
        assert "Someone else in the group is also called Sam, so the group sees you as Sam (2)." in shown(app)
        # The Sam who came first keeps the name, and is told nothing.
        await first_w.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 3)
        assert not first_w.of(ev.NamedAs)
    await first.stop()


# --- in the session: every command ----------------------------------------------------


async def test_each_slash_command_reaches_the_facilitator_as_the_right_kind(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        await admitted(pilot, app, fac, fwatch)
        await until(pilot, lambda: status(app) == "In the group | 2 here", "the status line")
        before = len(fwatch.drain())

        await pilot.press(*"hi all", "enter")  # typed key by key
        chat = await fwatch.expect(ev.GroupMessage, from_member(app, "chat"))
        assert chat.body["text"] == "hi all"
        await until(pilot, lambda: "You: hi all" in shown(app), "the member's own line")

        await send(pilot, app, "/hand")
        hand = await fwatch.expect(ev.GroupMessage, from_member(app, "hand"))
        assert hand.body["up"] is True
        assert "Your hand is raised" in shown(app)
        await send(pilot, app, "/hand")
        hand = await fwatch.expect(ev.GroupMessage, from_member(app, "hand"))
        assert hand.body["up"] is False

        await send(pilot, app, "/out getting water")
        out = await fwatch.expect(ev.DirectMessage, from_member(app, "step_out"))
        assert out.body["note"] == "getting water"
        assert "The facilitator knows you have stepped out" in shown(app)

        await send(pilot, app, "/back")
        await fwatch.expect(ev.DirectMessage, from_member(app, "back"))

        await send(pilot, app, "/trigger the story about the car")
        trigger = await fwatch.expect(ev.DirectMessage, from_member(app, "trigger"))
        assert trigger.body["note"] == "the story about the car"

        await send(pilot, app, "/leader can we talk after?")
        private = await fwatch.expect(ev.DirectMessage, from_member(app, "private"))
        assert private.body["text"] == "can we talk after?"
        assert "Sent privately to the facilitator." in shown(app)

        resources = app.query_one("#resources", Static)
        assert not resources.has_class("shown")
        await send(pilot, app, "/support")  # support now (issue 11: /help lists the commands)
        await fwatch.expect(ev.DirectMessage, from_member(app, "help"))
        assert "The facilitator has been asked to support you now." in shown(app)
        assert RESOURCES in shown(app)  # at once, without waiting for anyone
        assert resources.has_class("shown") and RESOURCES in static_text(resources)

        # Nothing else was sent along the way (each command is one message of its kind).
        kinds = [e.kind for e in fwatch.drain()[before:]
                 if isinstance(e, ev.DirectMessage | ev.GroupMessage)
                 and e.sender == app.session.identity.vk]
        assert kinds == ["chat", "hand", "hand", "step_out", "back", "trigger", "private", "help"]


async def test_a_check_in_is_answered_with_one_key(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        vk = await admitted(pilot, app, fac, fwatch)
        for key, status_sent, words in [("1", "ok", "I'm OK"), ("2", "soon", "Back soon"),
                                        ("3", "support", "I need support")]:
            await fac.check_in(vk, f"How are you doing? ({key})")

            screen = await modal(pilot, app, ChoiceScreen, "#body")
            assert static_text(screen.query_one("#title")) == "The facilitator is checking in"
            assert static_text(screen.query_one("#body")) == f"How are you doing? ({key})"
            assert RESOURCES not in shown(app)
            await pilot.press(key)

            reply = await fwatch.expect(ev.DirectMessage, from_member(app, "check_in_reply"))
            assert reply.body["status"] == status_sent
            assert not isinstance(app.screen, ChoiceScreen)
            assert f"You told the facilitator: {words}." in shown(app)
        # Only "I need support" brings up the crisis resources, at once.
        assert RESOURCES in shown(app)
        assert app.query_one("#resources", Static).has_class("shown")


async def test_the_function_keys_do_the_same(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        await admitted(pilot, app, fac, fwatch)

        await pilot.press("f2")
        assert (await fwatch.expect(ev.GroupMessage, from_member(app, "hand"))).body["up"] is True
        await pilot.press("f2")
        assert (await fwatch.expect(ev.GroupMessage, from_member(app, "hand"))).body["up"] is False
        await pilot.press("f3")
        await fwatch.expect(ev.DirectMessage, from_member(app, "step_out"))
        await pilot.press("f3")
        await fwatch.expect(ev.DirectMessage, from_member(app, "back"))
        await pilot.press("f4")
        await fwatch.expect(ev.DirectMessage, from_member(app, "trigger"))
        await pilot.press("f5")
        await fwatch.expect(ev.DirectMessage, from_member(app, "help"))
        await until(pilot, lambda: RESOURCES in shown(app), "the crisis resources")
        await pilot.press("f6")
        await until(pilot, lambda: "/leader TEXT" in shown(app), "the list of commands")


# --- leaving --------------------------------------------------------------------------


async def test_leave_asks_whether_to_tell_the_facilitator_then_says_goodbye(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        vk = await admitted(pilot, app, fac, fwatch)
        await send(pilot, app, "/leave")
        screen = await modal(pilot, app, ChoiceScreen, "#body")
        assert "tell the facilitator you are OK" in static_text(screen.query_one("#body"))
        await pilot.press("s")  # stay after all
        assert not isinstance(app.screen, ChoiceScreen) and app.session.ended is None

        await send(pilot, app, "/leave")
        await pilot.press("y")

        ok = await fwatch.expect(ev.DirectMessage, lambda e: e.sender == vk)
        assert ok.kind == "private" and "I'm OK" in ok.body["text"]
        await fwatch.expect(ev.GroupMessage, lambda e: e.sender == vk and e.kind == "bye")
        await fwatch.expect(ev.Presence, lambda e: e.member == vk and e.state == "gone")
        assert app.session.ended.reason == "left"
        await until(pilot, lambda: not app.is_running, "the client to close")


async def test_leave_quietly_still_says_goodbye_to_the_group(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        vk = await admitted(pilot, app, fac, fwatch)
        await pilot.press("ctrl+q")
        await modal(pilot, app, ChoiceScreen, "Button")
        await pilot.press("l")
        await fwatch.expect(ev.GroupMessage, lambda e: e.sender == vk and e.kind == "bye")
        await fwatch.expect(ev.Presence, lambda e: e.member == vk and e.state == "gone")
        assert not [e for e in fwatch.drain() if isinstance(e, ev.DirectMessage)
                    and e.sender == vk and e.kind == "private"]


# --- clear words when the facilitator acts ------------------------------------------


async def test_clear_words_when_removed(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        vk = await admitted(pilot, app, fac, fwatch)
        await fac.remove(vk)
        await until(pilot, lambda: commands.ENDINGS["removed"] in shown(app), "the removal words")
        assert "Session ended" in status(app)
        assert app.query_one("#input", Input).disabled


async def test_clear_words_when_denied(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        await agreement_shown(pilot, app)
        await pilot.press("y")
        agree = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
        await fac.deny(agree.sender)
        await until(pilot, lambda: "The facilitator could not let you in this time." in shown(app),
                    "the words for a denial")
        assert "Session ended" in status(app)


async def test_clear_words_when_held_and_nothing_pretends_to_be_sent(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        vk = await admitted(pilot, app, fac, fwatch)
        await fac.hold(vk)
        await until(pilot, lambda: commands.HELD_TEXT in shown(app), "the words for being held")
        assert "Waiting room" in status(app)

        # What is typed in the waiting room goes to the facilitator only, and says so (issue 11).
        await send(pilot, app, "still there?")
        said = await fwatch.expect(ev.DirectMessage, from_member(app, "private"))
        assert said.body["text"] == "still there?"
        await until(pilot, lambda: "Sent privately to the facilitator (you are in the waiting room"
                    in shown(app), "where the message went")
        await send(pilot, app, "/hand")  # the relay would refuse it: no false "raised"
        await until(pilot, lambda: shown(app).count("still in the waiting room") == 1
                    or "Your hand is raised" in shown(app), "an answer to /hand")
        assert "Your hand is raised" not in shown(app)
        assert not app.session.hand_up

        # Private words to the facilitator still work from the waiting room.
        await send(pilot, app, "/leader ok to talk now")
        private = await fwatch.expect(ev.DirectMessage, from_member(app, "private"))
        assert private.body["text"] == "ok to talk now"


async def test_clear_words_when_the_session_ends(room):
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        await admitted(pilot, app, fac, fwatch)
        await fac.close_room()
        await until(pilot, lambda: "The session has ended. Thank you for being here." in shown(app),
                    "the closing words")
        assert "Session ended" in status(app)
        await pilot.press("ctrl+q")  # the session is over: the window just closes
        await until(pilot, lambda: not app.is_running, "the client to close")


async def test_a_message_refused_as_too_long_stays_in_the_input_to_shorten(room):
    """QA2 #19: the refusal said "please make it shorter" and the text was gone."""
    fac, fwatch, link = room
    async with member_app(link) as (app, pilot):
        await admitted(pilot, app, fac, fwatch)
        long = "x" * (commands.TEXT_LIMIT + 1)
        await send(pilot, app, long)
        await until(pilot, lambda: "That is too long to send" in shown(app), "the refusal")
        assert app.query_one("#input", Input).value == long
        await send(pilot, app, "short now")
        chat = await fwatch.expect(ev.GroupMessage, from_member(app, "chat"))
        assert chat.body["text"] == "short now"
        assert app.query_one("#input", Input).value == ""
