"""What the console and the member client look like, as pictures kept in
tests/__snapshots__ (pytest-textual-snapshot): the console's main screen and
its modals, and the member's screens, at 80x24, 120x40 and 200x60, with a
member whose name has a wide emoji. Deterministic: fixed keys (so fixed safety
codes), a fixed clock, UTC, a relay in the app's own loop, notifications cleared.
Update after a deliberate change with `pytest tests/test_snapshots.py --snapshot-update`
and look at the pictures before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.member_session import MemberSession
from holdspace.console.app import FacilitatorApp
from holdspace.console.config import ConsoleConfig
from holdspace.console.launch import make_session
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.member.app import MemberApp
from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Relay
from tests.conftest import ManualClock
from tests.session_helpers import FAST
from tests.ui_helpers import until

SIZES = [(80, 24), (120, 40), (200, 60)]
T0 = 1_750_000_000.0
NAMES = ["Ann", "Jo 🌻", "Sam"]


def seed(n: int) -> Identity:
    return Identity.from_seed(bytes([n]) * 32)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def console() -> FacilitatorApp:
    config = ConsoleConfig(group_name="Tuesday evening group",
                           notices=["Ten minutes left.", "We will take a short break now."])

    async def connect() -> tuple[FacilitatorSession, str]:
        relay = Relay(RelayConfig(host="127.0.0.1", port=0))
        await relay.start()
        return make_session(relay.url, seed(1), config), "built-in relay"

    return FacilitatorApp(config, connect, embedded_relay=True, clock=ManualClock(T0))


async def a_group(pilot: Pilot[Any]) -> None:
    """Three members let in, one knocking; a chat, a raised hand, a private word."""
    app = pilot.app
    await until(pilot, lambda: app.invite is not None, "the room to open")
    members = []
    for n, name in enumerate(NAMES, start=2):
        member = MemberSession(app.invite, name, identity=seed(n), **FAST)
        await member.start()
        await member.agree()
        await until(pilot, lambda: (p := app.model.participants.get(member.identity.vk)) is not None
                    and p.agreed, f"{name} agreed")
        await app.admit(member.identity.vk)
        await until(pilot, lambda: member.seated and member.identity.vk in member.roster,
                    f"{name} in the group")
        members.append(member)
    waiting = MemberSession(app.invite, "Kai", identity=seed(9), **FAST)
    await waiting.start()
    await until(pilot, lambda: waiting.identity.vk in app.model.participants, "Kai knocking")
    ann, jo, sam = members
    await ann.chat("Hello everyone, it is good to be here tonight.")
    await jo.chat("Hi all.\nA second line of mine, indented under the first.")
    await sam.hand(True)
    await jo.trigger("the story about the car")
    await until(pilot, lambda: len(app.model.attention(app.clock())) == 3, "three items")
    group = app.query_one("#group", ChatPanel)
    await until(pilot, lambda: all(text in " ".join(" ".join(group.lines()).split()) for text in
                                   ("tonight.", "the first.", "Sam raised a hand.")),
                "every line in the group chat")
    # Where the highlight is depends on when each item came: start from the top.
    app.refresh_views()
    app.query_one(AttentionPanel).action_cursor_to(0)
    await settle(pilot)


async def settle(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await pilot.pause(0.3)  # the panels' and the chat's 200 ms refresh
    app.refresh_views()
    for chat in app.screen_stack[0].query(ChatPanel):  # under a modal too
        chat.lines()
    app.clear_notifications()
    await pilot.pause()


def then(*steps: Callable[[Pilot[Any]], Any]) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await a_group(pilot)
        for step in steps:
            await step(pilot)
        await settle(pilot)
    return run


def press(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await pilot.pause(0.2)
    return run


SCREENS = {
    "main": (),
    "help": (press("question_mark"),),
    "quit": (press("q"),),
    "notice": (press("m"),),
    "remove": (press("tab", "down", "x"),),
    "safeguarding": (press("tab", "down", "s", "2"),),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_console(snap_compare, screen, size):
    assert snap_compare(console(), terminal_size=size, run_before=then(*SCREENS[screen]))


def member_app() -> tuple[MemberApp, dict[str, Any]]:
    held: dict[str, Any] = {}

    def make(name: str) -> MemberSession:
        held["member"] = MemberSession(held["link"], name, identity=seed(3), **FAST)
        return held["member"]

    return MemberApp(make), held  # asks the name: answered once the relay is up


def member_steps(app: MemberApp, held: dict[str, Any], admit: bool) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        relay = Relay(RelayConfig(host="127.0.0.1", port=0))
        await relay.start()
        fac = FacilitatorSession(relay.url, seed(1), name="Alex", agreement=AGREEMENT,
                                 resources="Samaritans: call 116 123, free, any time.", **FAST)
        await fac.start()
        held["link"] = await fac.create_invite()
        await until(pilot, lambda: app.screen.query("#answer"), "the question of a name")
        app.screen.dismiss("Jo 🌻")
        await until(pilot, lambda: app.screen.query("#body"), "the agreement")
        if admit:
            await pilot.press("y")
            member = held["member"]
            await until(pilot, lambda: member.agreed, "the answer")
            await fac.admit(member.identity.vk)
            await until(pilot, lambda: member.identity.vk in member.roster, "let in")
            await fac.chat("Welcome, everyone. We start in a minute.")
            await until(pilot, lambda: "We start" in "".join(s.text for s in app.log_view.lines),
                        "the facilitator's line")
        await pilot.pause(0.3)
        app.query_one("#input").cursor_blink = False  # a blinking cursor is in either state
        app.clear_notifications()
        await pilot.pause()
    return run


AGREEMENT = "\n".join([
    "Our group agreement:",
    "- What is shared here stays here.",
    "- Feelings are okay. You never have to talk; listening is welcome too.",
    "- We offer support, not advice.",
    ("- If something is hard to hear, tell the facilitator privately: the \"I'm finding "
     "this hard\" button on the web page, F4 in the terminal app, or /trigger."),
    "- If you step out or leave, let the facilitator know.",
])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", ["agreement", "in the group"])
def test_member(snap_compare, screen, size):
    app, held = member_app()
    assert snap_compare(app, terminal_size=size,
                        run_before=member_steps(app, held, admit=screen == "in the group"))

