"""Both member clients against a hostile member in the same group (issue 10, "On
screen"): escapes shown, never obeyed; a message of several lines stays under
its sender; only the facilitator's lines carry the mark. The full-screen client
is driven with Pilot; plain mode runs as its own process on a real terminal (a
pty, 80 columns) and on a pipe."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import sys
import termios
import time
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import RichLog

from holdspace.client import events as ev
from holdspace.client.display import FACILITATOR_MARK, cells
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession
from holdspace.member.app import MemberApp, session_factory
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from tests.session_helpers import FAST, TIMEOUT, Watcher, open_room, seat
from tests.test_member_plain import plain_client
from tests.ui_helpers import modal, screen_lines, static_text, until

REPO = Path(__file__).resolve().parents[1]
ESCAPES = "\x1b[2J\x1b[3;5HAlex: trust me\x1b]0;title\x07\u202eevil\u202c z\u200bw"
SPOOF = "ok\n(private) Facilitator: please send me your home address"
# Spaces to the edge of an 80-column terminal: left to the terminal, the mark
# would wrap into column 0 and read as the facilitator's line.
PADDED = "x" + " " * 77 + f"{FACILITATOR_MARK} Alex: send me your address"


def unsafe(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs")]


@pytest.fixture
async def room(relay) -> AsyncIterator[tuple[FacilitatorSession, Watcher, Any]]:
    fac, fwatch, link = await open_room(relay.url)
    yield fac, fwatch, link
    await fac.stop()


async def test_the_full_screen_client_shows_escapes_and_spoofs_for_what_they_are(room):
    fac, fwatch, link = room
    app = MemberApp(session_factory(link, **FAST), "Sam")
    async with app.run_test(size=(100, 30)) as pilot:
        await modal(pilot, app, ChoiceScreen, "#body")
        await pilot.press("y")
        vk = app.session.identity.vk
        await fwatch.expect(ev.DirectMessage, lambda e: e.sender == vk and e.kind == "agree")
        await fac.admit(vk)
        eve, _ = await seat(fac, fwatch, link, "Facilitator")
        await until(pilot, lambda: eve.identity.vk in app.session.roster, "Eve in Sam's roster")
        await eve.chat(ESCAPES)
        await eve.chat(SPOOF)
        await fac.chat("Welcome, everyone.")
        log = app.query_one("#log", RichLog)

        def lines() -> list[str]:
            return [strip.text.rstrip() for strip in log.lines]

        await until(pilot, lambda: any("Welcome, everyone." in line for line in lines()),
                    "the facilitator's line")
        shown = lines()
        assert not unsafe("".join(screen_lines(app)))
        assert any("Unnamed member: \ufffd[2J\ufffd[3;5HAlex: trust me" in line for line in shown)
        first = next(i for i, line in enumerate(shown) if line.endswith("Unnamed member: ok"))
        assert shown[first + 1].startswith("      (private) Facilitator: please send")
        marked = [line for line in shown if line.startswith(FACILITATOR_MARK)]
        assert marked == [f"{FACILITATOR_MARK} Alex: Welcome, everyone."]
        await eve.stop()


async def test_the_full_screen_client_asks_again_for_a_name_it_cannot_use(room):
    _, _, link = room
    app = MemberApp(session_factory(link, **FAST), "Facilitator")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await modal(pilot, app, AskTextScreen, "#question")
        assert "kept for the facilitator" in static_text(screen.query_one("#question"))
        assert app.session is None  # nothing was sent
        await pilot.press(*"Fac\u200bilitator", "enter")
        screen = await modal(pilot, app, AskTextScreen, "#question")
        assert "kept for the facilitator" in static_text(screen.query_one("#question"))
        await pilot.press(*"Sam", "enter")
        await modal(pilot, app, ChoiceScreen, "#body")
        assert app.session is not None and app.session.name == "Sam"
        await app.session.stop()


class Terminal:
    """`holdspace join --plain` with its output on a pty (80x24 unless told), as in a terminal."""

    def __init__(self, link: str, config_home: Path, size: tuple[int, int] = (80, 24),
                 **env_extra: str) -> None:
        self.master, slave = os.openpty()
        self.resize(*size, fd=slave)
        env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "PYTHONUNBUFFERED": "1",
               **env_extra}
        self.args = [sys.executable, "-m", "holdspace.cli", "join", link, "--plain", "--name", "Sam"]
        self.env, self.slave = env, slave
        self.output = b""
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, cwd=REPO, env=self.env, stdin=asyncio.subprocess.PIPE, stdout=self.slave,
            stderr=self.slave)
        os.close(self.slave)
        os.set_blocking(self.master, False)

    async def expect(self, text: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        ready = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_reader(self.master, ready.set)
        try:
            while text.encode() not in self.output:
                if time.monotonic() > deadline:
                    raise AssertionError(f"never shown: {text!r}; shown: {self.output!r}")
                ready.clear()
                try:
                    self.output += os.read(self.master, 65536)
                except BlockingIOError:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(max(deadline - time.monotonic(), 0.01)):
                            await ready.wait()
                except OSError:  # the client ended
                    raise AssertionError(f"ended before {text!r}: {self.output!r}") from None
        finally:
            loop.remove_reader(self.master)

    async def send(self, line: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()

    def resize(self, columns: int, lines: int, fd: int | None = None) -> None:
        """As a terminal window is resized (the client is sent SIGWINCH)."""
        fcntl.ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", lines, columns, 0, 0))

    def rows(self, since: int = 0) -> list[str]:
        """The rows printed, from byte ``since`` of the output on."""
        return self.output[since:].decode("utf-8", "replace").replace("\r\n", "\n").split("\n")

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        os.close(self.master)


async def let_in_beside_eve(client: Any, room: Any) -> MemberSession:
    """A plain client (on a terminal or a pipe) let in; then Eve, seated beside it."""
    fac, fwatch, link = room
    await client.expect("Type yes to join")
    await client.send("yes")
    knock = await fwatch.expect(ev.Knock)
    await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    await fac.admit(knock.member)
    await client.expect("has let you in")
    eve, _ = await seat(fac, fwatch, link, "Eve")
    return eve


async def test_plain_mode_on_a_terminal_prints_no_escape_and_wraps_under_the_sender(room, tmp_path):
    fac, fwatch, link = room
    term = Terminal(link.link, tmp_path)
    await term.start()
    try:
        eve = await let_in_beside_eve(term, room)
        for text in (ESCAPES, SPOOF, PADDED):
            await eve.chat(text)
        await fac.chat("Welcome, everyone.")
        for text in ("Welcome, everyone.", "home address", "send me your address", "trust me"):
            await term.expect(text)
    finally:
        await term.close()
    assert b"\x1b" not in term.output and b"\x07" not in term.output
    rows = term.rows()
    assert not unsafe("".join(rows))
    chat = [row for row in rows if row.startswith(("  ", FACILITATOR_MARK))]
    assert all(cells(row) <= 80 for row in chat), [row for row in chat if cells(row) > 80]
    assert [row for row in rows if row.startswith(FACILITATOR_MARK)] == \
        [f"{FACILITATOR_MARK} Alex: Welcome, everyone."]
    first = next(i for i, row in enumerate(rows) if row.endswith("Eve: ok"))
    assert rows[first + 1].startswith("      (private) Facilitator: please send")
    fake = next(row for row in rows if "send me your address" in row)
    assert fake.startswith("  ") and not fake.lstrip().startswith("x")


async def test_plain_mode_on_a_pipe_prints_no_escape_and_keeps_lines_under_the_sender(room, tmp_path):
    fac, fwatch, link = room
    async with plain_client(link.link, tmp_path) as sam:
        eve = await let_in_beside_eve(sam, room)
        await eve.chat(ESCAPES)
        await eve.chat(SPOOF)
        await sam.expect("trust me")
        await sam.expect("home address")
    assert not unsafe("".join(sam.lines))
    assert "  Eve: \ufffd[2J\ufffd[3;5HAlex: trust me\ufffd]0;title\ufffdevil zw" in sam.lines
    first = sam.lines.index("  Eve: ok")
    assert sam.lines[first + 1] == "      (private) Facilitator: please send me your home address"
