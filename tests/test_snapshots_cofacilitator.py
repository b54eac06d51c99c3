"""What co-facilitating looks like at 80x24 (pytest-textual-snapshot, as in
test_snapshots.py, whose group and settings these reuse): the lead's
co-facilitator link, the lead's dialog for a co-facilitator's knock, and a
co-facilitator's console once let in. Deterministic: fixed keys, a fixed room
and link secret, a fixed clock. Update with --snapshot-update only after
looking at the pictures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.pilot import Pilot

from holdspace.client import room_invites
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession
from holdspace.console.app import FacilitatorApp
from holdspace.console.attention_queue import Kind
from holdspace.console.co_actions import CoStart
from holdspace.console.config import ConsoleConfig
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.relay.config import RelayConfig
from holdspace.relay.protocol import ROOM_SALT_LEN, room_id_for
from holdspace.relay.server import Relay
from tests.conftest import ManualClock
from tests.session_helpers import FAST
from tests.test_snapshots import NAMES, T0, a_group, seed, settle, utc  # noqa: F401 (utc: autouse)
from tests.ui_helpers import until

SIZE = (80, 24)
PUBLIC = "wss://example.org/holdspace"  # in links instead of the test relay's random port
CONFIG = ConsoleConfig(group_name="Tuesday evening group")


def fixed_room() -> bytes:
    return room_id_for(seed(1).vk, bytes([5]) * ROOM_SALT_LEN)


@pytest.fixture(autouse=True)
def fixed_secrets(monkeypatch):
    """Invite secrets are random; these pictures show one whole."""
    monkeypatch.setattr(room_invites, "random_bytes", lambda n: bytes([7]) * n)


def lead_console() -> FacilitatorApp:
    async def connect() -> tuple[FacilitatorSession, str]:
        relay = Relay(RelayConfig(host="127.0.0.1", port=0))
        await relay.start()
        return FacilitatorSession(relay.url, seed(1), name="Alex", room=fixed_room(),
                                  **FAST), "built-in relay"

    return FacilitatorApp(CONFIG, connect, embedded_relay=True, clock=ManualClock(T0))


async def co_knock_dialog(pilot: Pilot[Any]) -> None:
    """Robin knocks with the co-facilitator link; the lead presses a on it."""
    app = pilot.app
    await a_group(pilot)
    robin = FacilitatorSession.cofacilitator(await app.session.create_co_invite(), seed(5), "Robin", **FAST)
    await robin.start()
    panel = app.query_one(AttentionPanel)
    await until(pilot, lambda: any(i.kind is Kind.CO_KNOCK for i in panel.items), "Robin's knock")
    panel.action_cursor_to(next(n for n, i in enumerate(panel.items) if i.kind is Kind.CO_KNOCK))
    app.clear_notifications()  # the one saying Robin knocked: under the dialog, it would stay drawn
    await pilot.pause()
    await pilot.press("a")
    await settle(pilot)


async def co_link_dialog(pilot: Pilot[Any]) -> None:
    await a_group(pilot)
    pilot.app.session.invite_url = PUBLIC
    await pilot.press("o")
    await settle(pilot)


@pytest.mark.parametrize("steps", [co_link_dialog, co_knock_dialog], ids=["co link", "co knock"])
def test_lead(snap_compare, steps):
    assert snap_compare(lead_console(), terminal_size=SIZE, run_before=steps)


def co_console() -> tuple[FacilitatorApp, dict[str, Any]]:
    """Robin's console; its link comes once the test's relay and lead are up."""
    held: dict[str, Any] = {"ready": asyncio.Event()}

    async def connect(name: str) -> tuple[FacilitatorSession, str]:
        await held["ready"].wait()
        return FacilitatorSession.cofacilitator(held["link"], seed(5), name, **FAST), "ws://relay"

    start = CoStart(connect, "Robin")
    return FacilitatorApp(CONFIG, None, co_start=start, clock=ManualClock(T0)), held


def co_steps(held: dict[str, Any]):
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        relay = Relay(RelayConfig(host="127.0.0.1", port=0))
        await relay.start()
        lead = FacilitatorSession(relay.url, seed(1), name="Alex", agreement="Be kind.", **FAST)
        await lead.start()
        invite = await lead.create_invite()
        members = []
        for n, name in enumerate(NAMES, start=2):
            member = MemberSession(invite, name, identity=seed(n), **FAST)
            await member.start()
            await member.agree()
            await until(pilot, lambda: member.identity.vk in lead.waiting
                        and lead.waiting[member.identity.vk]["agreed"], f"{name} agreed")
            await lead.admit(member.identity.vk)
            await until(pilot, lambda: member.identity.vk in member.roster, f"{name} in the group")
            members.append(member)
        held["link"] = await lead.create_co_invite()
        held["ready"].set()
        await until(pilot, lambda: seed(5).vk in lead.waiting, "Robin's knock")
        await lead.admit(seed(5).vk)
        await until(pilot, lambda: app.co.promoted and len(app.screen_stack) == 1, "Robin let in")
        await until(pilot, lambda: all(any(p.name == name for p in app.model.participants.values())
                                       for name in NAMES), "everyone on Robin's console")
        ann, jo, sam = members
        await ann.chat("Hello everyone, it is good to be here tonight.")
        await sam.hand(True)
        await jo.trigger("the story about the car")
        await until(pilot, lambda: len(app.model.attention(app.clock())) == 2, "two items")
        app.refresh_views()
        app.query_one(AttentionPanel).action_cursor_to(0)
        await settle(pilot)
    return run


def test_co_facilitator_main_screen(snap_compare):
    app, held = co_console()
    assert snap_compare(app, terminal_size=SIZE, run_before=co_steps(held))


def test_co_facilitator_waiting(snap_compare):
    app, held = co_console()

    async def run(pilot: Pilot[Any]) -> None:
        relay = Relay(RelayConfig(host="127.0.0.1", port=0))
        await relay.start()
        lead = FacilitatorSession(relay.url, seed(1), name="Alex", **FAST)
        await lead.start()
        held["link"] = await lead.create_co_invite()
        held["ready"].set()
        await until(pilot, lambda: seed(5).vk in lead.waiting, "Robin's knock")
        await until(pilot, lambda: "waiting room" in str(app.screen.query_one("#status").content),
                    "the waiting room said")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)
