"""`holdspace join LINK --plain`, driven through its real stdin and stdout.

The client runs as a separate process (exactly what a screen-reader user or a
script would start) against a relay and a facilitator session in this test.
Output is read line by line with a timeout; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from holdspace.client import events as ev
from holdspace.client.invites import InviteLink
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.member import commands
from holdspace.member.plain import PlainMember
from tests.session_helpers import TIMEOUT, Watcher, open_room

REPO = Path(__file__).resolve().parents[1]


class PlainClient:
    """One `holdspace join --plain` process: lines in, lines out."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.mark = 0  # ``expect`` looks at what was printed since the last ``send``

    async def expect(self, text: str, timeout: float = TIMEOUT) -> str:
        """The first line since the last ``send`` containing ``text`` (reading more as needed)."""
        for line in self.lines[self.mark:]:
            if text in line:
                return line
        assert self.proc.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    raw = await self.proc.stdout.readline()
                    if not raw:
                        raise AssertionError(f"the client exited before saying {text!r}; "
                                             f"it said: {self.lines}")
                    line = raw.decode("utf-8").rstrip("\n")
                    self.lines.append(line)
                    if text in line:
                        return line
        except TimeoutError:
            raise AssertionError(f"the client never said {text!r}; it said: {self.lines}") from None

    async def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.mark = len(self.lines)
        self.proc.stdin.write((line + "\n").encode("utf-8"))
        await self.proc.stdin.drain()

    async def exit_code(self) -> int:
        """Wait for the process to end by itself; everything it printed is kept."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(TIMEOUT):
            rest = await self.proc.stdout.read()
            self.lines += rest.decode("utf-8").splitlines()
            return await self.proc.wait()

    async def stderr(self) -> str:
        assert self.proc.stderr is not None
        return (await self.proc.stderr.read()).decode("utf-8")


@asynccontextmanager
async def plain_client(link: str, config_home: Path, name: str = "Sam") -> AsyncIterator[PlainClient]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "holdspace.cli", "join", link, "--plain", "--name", name,
        cwd=REPO, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        yield PlainClient(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.fixture
async def room(relay) -> AsyncIterator[tuple[FacilitatorSession, Watcher, InviteLink]]:
    fac, fwatch, link = await open_room(relay.url)
    yield fac, fwatch, link
    await fac.stop()


def by(vk: bytes, kind: str):
    return lambda e: e.sender == vk and e.kind == kind


async def test_a_whole_session_in_plain_mode(room, tmp_path):
    fac, fwatch, link = room
    async with plain_client(link.link, tmp_path) as sam:
        await sam.expect("Do you accept the group agreement? Type yes to join, or no to leave.")
        assert "Be kind." in sam.lines and any("Call 999." in line for line in sam.lines)
        knock = await fwatch.expect(ev.Knock)
        assert knock.name == "Sam"
        vk = knock.member

        await sam.send("yes")
        await fwatch.expect(ev.DirectMessage, by(vk, "agree"))
        await sam.expect(f"Your safety code is {knock.safety_code}")

        await fac.admit(vk)
        await sam.expect("The facilitator has let you in.")
        # Frames arrive in order: once this is shown, the group key before it is held.
        await fac.private(vk, "welcome, Sam")
        await sam.expect("(private) Facilitator: welcome, Sam")

        await sam.send("hello from Sam")
        chat = await fwatch.expect(ev.GroupMessage, by(vk, "chat"))
        assert chat.body["text"] == "hello from Sam"
        await sam.expect("You: hello from Sam")

        await sam.send("/hand")
        assert (await fwatch.expect(ev.GroupMessage, by(vk, "hand"))).body["up"] is True
        await sam.expect("Your hand is raised.")

        await sam.send("/trigger too loud")
        trigger = await fwatch.expect(ev.DirectMessage, by(vk, "trigger"))
        assert trigger.body["note"] == "too loud"

        await sam.send("/out")
        out = await fwatch.expect(ev.DirectMessage, by(vk, "step_out"))
        assert not out.body.get("note")
        await sam.expect("Type /back when you return.")
        await sam.send("/back")
        await fwatch.expect(ev.DirectMessage, by(vk, "back"))

        await sam.send("/support")  # support now (issue 11: /help lists the commands)
        await fwatch.expect(ev.DirectMessage, by(vk, "help"))
        await sam.expect("The facilitator has been asked to support you now.")
        await sam.expect("Call 999.")  # the crisis resources, at once

        await fac.check_in(vk, "How are you doing?")
        await sam.expect("(private) The facilitator is checking in: How are you doing?")
        await sam.expect("Answer with /ok, /soon or /support.")
        await sam.send("/support")
        reply = await fwatch.expect(ev.DirectMessage, by(vk, "check_in_reply"))
        assert reply.body["status"] == "support"

        await sam.send("/leave")
        await sam.expect("Leave the session?")
        await sam.send("yes")
        ok = await fwatch.expect(ev.DirectMessage, by(vk, "private"))
        assert "I'm OK" in ok.body["text"]
        await fwatch.expect(ev.GroupMessage, by(vk, "bye"))
        await fwatch.expect(ev.Presence, lambda e: e.member == vk and e.state == "gone")

        assert await sam.exit_code() == 0
        assert commands.ENDINGS["left"] in sam.lines
        assert await sam.stderr() == ""
    assert list(tmp_path.iterdir()) == []  # nothing written to disk


async def test_refusing_the_agreement_exits_without_joining(room, tmp_path):
    fac, fwatch, link = room
    async with plain_client(link.link, tmp_path) as sam:
        await sam.expect("Do you accept the group agreement?")
        knock = await fwatch.expect(ev.Knock)
        await sam.send("no")

        assert await sam.exit_code() == 0
        assert "You chose not to join. Take care." in sam.lines
        await fwatch.expect(ev.Presence, lambda e: e.member == knock.member and e.state == "gone")
        assert not [e for e in fwatch.drain() if isinstance(e, ev.DirectMessage) and e.kind == "agree"]
        assert knock.member not in fac.waiting
        assert await sam.stderr() == ""


async def test_holdspace_join_takes_the_web_link_too(room, tmp_path):
    fac, fwatch, link = room
    async with plain_client(link.web_link, tmp_path, name="Ada") as ada:
        await ada.expect("Do you accept the group agreement?")
        knock = await fwatch.expect(ev.Knock)
        assert knock.name == "Ada"


@pytest.mark.parametrize("broken", [
    "hello",
    "ws://127.0.0.1:1/abc",  # no # part
    "cut",  # a real link with its end cut off (filled in below)
])
async def test_a_broken_link_gets_a_plain_message_and_exit_code_2(room, tmp_path, broken):
    fac, fwatch, link = room
    if broken == "cut":
        broken = link.link[:-6]
    async with plain_client(broken, tmp_path) as sam:
        code = await sam.exit_code()
        stderr = await sam.stderr()
    assert code == 2
    assert "That link does not look like a holdspace invite" in " ".join(sam.lines)
    assert "Traceback" not in stderr and "Traceback" not in " ".join(sam.lines)


async def test_a_link_that_no_longer_works_says_so_without_a_traceback(room, tmp_path):
    fac, fwatch, link = room
    stale = dataclasses.replace(link, secret=bytes(16))  # well formed, but not a live invite
    async with plain_client(stale.link, tmp_path) as sam:
        await sam.expect(commands.ENDINGS["bad_invite"])
        code = await sam.exit_code()
        stderr = await sam.stderr()
    assert code != 0
    assert "Traceback" not in stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_terminal_the_clients_own_words_wrap_at_spaces(monkeypatch):
    # Seen at 80 columns: "Take w" / "hatever time you need." (the terminal cut the word).
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((40, 24)))
    out = Terminal()
    PlainMember(None, asyncio.Queue(), out=out).say(  # type: ignore[arg-type]
        "The facilitator has been told, privately, that you are finding this hard. "
        "Take whatever time you need.\nA second line.")
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 40 for line in lines), lines
    assert " ".join(lines) == ("The facilitator has been told, privately, that you are finding this "
                               "hard. Take whatever time you need. A second line.")
    assert lines[-1] == "A second line."
