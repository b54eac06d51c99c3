"""Helpers for Pilot tests of the console and the member client.

Nothing here sleeps to wait for something: ``until`` lets the app run (a Pilot
pause) until a condition holds, with a deadline, and fails with a description
of what never happened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from textual.pilot import Pilot
from textual.widgets import RichLog, Static

from holdspace.client import events as ev
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession
from holdspace.console.app import FacilitatorApp
from holdspace.console.config import ConsoleConfig
from holdspace.console.launch import co_start, make_session
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from tests.session_helpers import FAST, TIMEOUT, Watcher

SIZE = (120, 40)


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str,
                timeout: float = TIMEOUT) -> None:
    """Let the app run until ``condition()`` is true; fail saying ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await pilot.pause(0.02)


async def modal(pilot: Pilot[Any], app: Any, cls: type, part: str = "*") -> Any:
    """Wait for a screen of type ``cls`` to be open with ``part`` composed; return it."""
    await until(pilot, lambda: isinstance(app.screen, cls) and bool(app.screen.query(part)),
                f"{cls.__name__} to open")
    return app.screen


def normalise(text: str) -> str:
    return " ".join(text.split())


def log_text(log: RichLog) -> str:
    """Everything a RichLog shows, as one line (wrapping undone)."""
    return normalise(" ".join(strip.text for strip in log.lines))


def static_text(widget: Any) -> str:
    return normalise(str(widget.content))


def dialog_text(screen: Any) -> str:
    """All a dialog says, its texts and links (each link whole) in order."""
    return normalise(" ".join(str(w.content) for w in screen.query(Static)))


class Members:
    """Member sessions made by a test, all stopped when it ends."""

    def __init__(self) -> None:
        self.sessions: list[MemberSession] = []

    async def knock(self, link: InviteLink, name: str, *,
                    identity: Identity | None = None) -> tuple[MemberSession, Watcher]:
        """A member in the waiting room who has been offered the agreement."""
        member = MemberSession(link, name, identity=identity, **FAST)
        self.sessions.append(member)
        watch = Watcher(member)
        started = await member.start()
        assert isinstance(started, ev.Connected) and started.role == "lobby", started
        await watch.expect(ev.AgreementOffered)
        return member, watch

    async def try_join(self, link: InviteLink, name: str, identity: Identity) -> ev.Event:
        """What a (re)join attempt with ``identity`` gets first."""
        member = MemberSession(link, name, identity=identity, **FAST)
        self.sessions.append(member)
        return await member.start()

    async def close(self) -> None:
        for member in self.sessions:
            if member.ended is None:
                await member.stop()


@asynccontextmanager
async def running_console(relay_url: str, config: ConsoleConfig | None = None,
                          size: tuple[int, int] = SIZE,
                          session: Callable[[], FacilitatorSession] | None = None,
                          **app_kwargs: Any) -> AsyncIterator[tuple[FacilitatorApp, Pilot[Any]]]:
    """The facilitator console on a real relay, its room open and invite made
    (``session``: how to make its session, e.g. one restarted)."""
    config = config or ConsoleConfig()
    sessions: list[FacilitatorSession] = []

    async def connect() -> tuple[FacilitatorSession, str]:
        made = session() if session is not None else make_session(relay_url, Identity.generate(), config)
        sessions.append(made)
        return made, relay_url

    app = listened_to(FacilitatorApp(config, connect, **app_kwargs))
    try:
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.invite is not None, "the room to open")
            yield app, pilot
    finally:
        for session in sessions:
            if session.ended is None:
                await session.stop()


@asynccontextmanager
async def running_co_console(link: InviteLink, name: str, config: ConsoleConfig | None = None,
                             size: tuple[int, int] = SIZE, identity: Identity | None = None,
                             ) -> AsyncIterator[tuple[FacilitatorApp, Pilot[Any]]]:
    """A co-facilitator's console joining with the lead's co-facilitator ``link``
    (it waits to be let in: the test lets it in)."""
    start = co_start(link, identity or Identity.generate(), name, **FAST)
    app = listened_to(FacilitatorApp(config or ConsoleConfig(), None, co_start=start))
    try:
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.session is not None and app.session.role is not None,
                        "the co-facilitator to knock")
            yield app, pilot
    finally:
        if app.session is not None and app.session.ended is None:
            await app.session.stop()


def listened_to(app: FacilitatorApp) -> FacilitatorApp:
    """What the facilitator is told in notifications (``app.notes``), and each
    ring of the bell (``app.bells``)."""
    app.notes = []  # type: ignore[attr-defined]
    app.bells = 0  # type: ignore[attr-defined]
    notify, bell = app.notify, app.bell

    def record_notify(message: str, *args: Any, **kwargs: Any) -> None:
        app.notes.append(message)  # type: ignore[attr-defined]
        notify(message, *args, **kwargs)

    def count_bell() -> None:
        app.bells += 1  # type: ignore[attr-defined]
        bell()

    app.notify = record_notify  # type: ignore[method-assign]
    app.bell = count_bell  # type: ignore[method-assign]
    return app


async def wait_for(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    """Like ``until`` without an app: yield to the loop until ``condition()``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.01)


# --- what the facilitator sees -------------------------------------------------------


def attention_lines(app: FacilitatorApp) -> list[str]:
    """The attention panel's lines as shown, top first (markers included)."""
    panel = app.query_one(AttentionPanel)
    return [text.plain for text in panel.texts]


def highlighted_line(app: FacilitatorApp) -> str | None:
    item = app.query_one(AttentionPanel).current
    return None if item is None else AttentionPanel.line(item).plain


def people(app: FacilitatorApp) -> dict[str, str]:
    """The participants table: name -> status, as shown."""
    table = app.query_one(ParticipantsTable)
    rows = {}
    for index in range(table.row_count):
        name, status, _said = table.get_row_at(index)
        rows[str(name)] = str(status)
    return rows


def chat_text(app: FacilitatorApp, panel: str) -> str:
    """A chat panel's lines as one line (wrapping undone): check with ``in``."""
    return normalise(" ".join(app.query_one(f"#{panel}", ChatPanel).lines()))


def participant(app: FacilitatorApp, member: MemberSession) -> Any:
    return app.model.participants.get(member.identity.vk)


# --- moving the selection with keys --------------------------------------------------


async def focus(pilot: Pilot[Any], app: FacilitatorApp, widget: Any, key: str = "tab") -> None:
    for _ in range(6):
        if app.focused is widget:
            return
        await pilot.press(key)
    raise AssertionError(f"{key} never reached {widget!r}; focus is on {app.focused!r}")


async def select_person(pilot: Pilot[Any], app: FacilitatorApp, member: MemberSession) -> None:
    """Tab to the people table and move its cursor onto ``member``."""
    await select_vk(pilot, app, member.identity.vk, member.name)


async def select_vk(pilot: Pilot[Any], app: FacilitatorApp, vk: bytes, name: str) -> None:
    """Tab to the people table and move its cursor onto ``vk`` (``name``'s)."""
    table = app.query_one(ParticipantsTable)
    await until(pilot, lambda: vk in table.vks, f"{name} in the people table")
    await focus(pilot, app, table)
    for _ in range(table.row_count):
        here = table.vks.index(vk)
        if table.cursor_row == here:
            break
        await pilot.press("down" if table.cursor_row < here else "up")
    await until(pilot, lambda: app.selected == vk, f"{name} to be selected")


async def select_item(pilot: Pilot[Any], app: FacilitatorApp, text: str) -> None:
    """Go back to the attention panel and move the highlight onto the line containing text."""
    panel = app.query_one(AttentionPanel)
    await until(pilot, lambda: any(text in line for line in attention_lines(app)),
                f"an attention item with {text!r}")
    await focus(pilot, app, panel, "shift+tab")
    await pilot.press("home")  # the highlight stops at the ends: start from the top
    for _ in range(len(panel.items)):
        line = highlighted_line(app)
        if line is not None and text in line:
            return
        await pilot.press("down")
    raise AssertionError(f"no item with {text!r} in {attention_lines(app)}")


# --- members through the console -----------------------------------------------------


async def knock_and_agree(pilot: Pilot[Any], app: FacilitatorApp, members: Members, name: str,
                          agree: bool = True) -> tuple[MemberSession, Watcher]:
    """A member in the console's waiting room (having accepted the agreement, or not)."""
    assert app.invite is not None
    member, watch = await members.knock(app.invite, name)
    if agree:
        await member.agree()
    await until(pilot, lambda: (p := participant(app, member)) is not None and p.agreed == agree
                and p.name == name, f"{name} in the waiting room")
    # ... and on screen (the views redraw a moment after the model changes).
    shown = f"waiting ({'agreed' if agree else 'reading agreement'}) code {member.safety_code}"
    await until(pilot, lambda: people(app).get(name) == shown, f"{name} shown as waiting")
    return member, watch


async def seat(pilot: Pilot[Any], app: FacilitatorApp, members: Members,
               name: str) -> tuple[MemberSession, Watcher]:
    """A member let in with ``a`` (the only knock who agreed), holding the group key."""
    member, watch = await knock_and_agree(pilot, app, members, name)
    await pilot.press("a")
    await watch.expect(ev.Admitted)
    await watch.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                       and any(m["vk"] == member.identity.vk for m in e.body["members"]))
    return member, watch


async def everyone_has_roster(watches: list[Watcher], size: int) -> None:
    """Each watched member holds the roster of ``size`` people (facilitator included)."""
    for watch in watches:
        if watch.session.roster and len(watch.session.roster) == size:  # type: ignore[attr-defined]
            continue
        await watch.expect(ev.GroupMessage,
                           lambda e: e.kind == "roster" and len(e.body["members"]) == size)


def screen_lines(app: Any) -> list[str]:
    """Every row of the screen as the terminal is sent it (modals included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
