"""`holdspace join LINK --plain`: the member client as plain lines.

No full-screen redraws: one line in, lines out. It works with screen readers,
over slow links, and when driven by another program through stdin/stdout.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import sys
import unicodedata
from typing import TextIO

from holdspace.client import chatlines
from holdspace.client import events as ev
from holdspace.client.display import Line, clean_block, name_problem, wrap_words
from holdspace.client.invites import InviteLink
from holdspace.client.member_session import MemberSession
from holdspace.member import commands
from holdspace.member.dialogs import Asker, Question, Say, consent_dialog

YES = {"y", "yes", "ok", "i agree", "agree"}
LINE_LIMIT = 1 << 20  # a pasted line this long is read (and refused as too long), not a crash
# F5 as terminals send it (xterm and most others, the Linux console, VT100 keypads): a
# line-by-line terminal hands it over as characters on the line, not as a key.
F5_KEYS = frozenset({"\x1b[15~", "\x1b[[E", "\x1bOT"})
SPECIAL_KEY = ("Not sent: that line has a special key in it (arrows and function keys do not "
               "work in this plain mode). Please type it again.")
# A line-by-line terminal hands F5 over only with Enter, and with whatever was typed before it.
PLAIN_HELP = commands.HELP_TEXT.replace(commands.F5_HINT, "(or press F5, then Enter)")
F5_AFTER_TEXT = ("Not sent: F5 asks for support only on an empty line, so nothing was sent. "
                 "To ask for support, press F5 then Enter with nothing else typed, or type /support.")


def has_control(line: str) -> bool:
    """A special key's escape or another control character (a tab is fine)."""
    return any(ch != "\t" and unicodedata.category(ch) == "Cc" for ch in line)


class PlainMember:
    def __init__(self, session: MemberSession, lines: asyncio.Queue[str | None],
                 out: TextIO = sys.stdout, typed_on_screen: bool = False) -> None:
        self.session = session
        self.lines = lines
        self.out = out
        # A terminal already shows what the member typed: their own message is
        # not printed a second time (a screen reader would read it twice).
        self.typed_on_screen = typed_on_screen
        self.resources = ""
        self.awaiting: str | None = None  # "agreement" | "leave" while a question is open
        self.asker = Asker(self._ask, self._show_say)  # /details, consent requests

    def say(self, text: str) -> None:
        """The client's own words (they may quote what the facilitator sent). On
        a terminal they are wrapped here, at spaces, not mid-word by the terminal."""
        text = clean_block(text)
        if self.out.isatty():
            width = self.width()
            text = "\n".join(piece for line in text.split("\n") for piece in wrap_words(line, width))
        print(text, file=self.out, flush=True)

    def width(self) -> int:
        """Columns of the terminal printed to, asked at every print (it may have
        been resized since). Not $COLUMNS first, as shutil does: exported by a
        shell, it keeps the width the terminal had when the client started."""
        try:
            columns = os.get_terminal_size(self.out.fileno()).columns
        except (OSError, ValueError):  # not a real terminal (a test's stand-in)
            columns = 0
        return columns or shutil.get_terminal_size().columns  # a pty may say 0

    def show_line(self, line: Line) -> None:
        """A message from someone, after its gutter. On a terminal it is wrapped
        here, under itself, so the terminal never wraps it into the gutter."""
        if self.out.isatty():
            print("\n".join(line.wrapped(self.width())), file=self.out, flush=True)
        else:
            print(line, file=self.out, flush=True)

    async def run(self) -> int:
        queue = self.session.subscribe()
        self.say("Connecting... Nothing you see here is saved anywhere.")
        events = asyncio.create_task(self._events(queue))
        try:
            while self.session.ended is None:
                line = await self.lines.get()
                if line is None:  # end of input, or the session ended
                    if self.session.ended is None:
                        await self.session.leave()
                    break
                await self.handle_line(line)
        finally:
            await asyncio.sleep(0)  # let the last events be printed
            events.cancel()
        ended = self.session.ended
        return 0 if ended is None or ended.reason in ("left", "room_closed", "closed") else 1

    async def _events(self, queue: asyncio.Queue[ev.Event]) -> None:
        await self.session.start()
        while True:
            event = await queue.get()
            self.show(event)
            if isinstance(event, ev.ConsentRequested):
                await self.asker.start(consent_dialog(self.session, event))

    async def handle_line(self, line: str) -> None:
        if line.strip() in F5_KEYS:  # support now, as in the full-screen client, whatever is asked
            await self._command("/support")
            return
        if has_control(line):  # never sent on as chat, nor taken as an answer
            self.say(F5_AFTER_TEXT if any(key in line for key in F5_KEYS) else SPECIAL_KEY)
            return
        answer = line.strip().lower()
        question = self.asker.question
        if question is not None and self.awaiting is None:
            await self.asker.reply(question, line)
            return
        if self.awaiting == "agreement":
            self.awaiting = None
            if answer in YES:
                await self.session.agree()
                self.say(f"Thank you. The facilitator will let you in soon. "
                         f"Your safety code is {self.session.safety_code}.")
            else:
                self.say("You chose not to join. Take care.")
                await self.session.decline()
            return
        if self.awaiting == "leave":
            self.awaiting = None
            if answer in ("y", "yes", "n", "no"):
                await commands.leave(self.session, tell_ok=answer.startswith("y"))
            else:
                self.say("Staying in the session.")
            return
        await self._command(line)

    async def _command(self, line: str) -> None:
        outcome = await commands.perform(self.session, line)
        if outcome.confirm_leave:
            self.awaiting = "leave"
            self.say("Leave the session? Tell the facilitator you are OK first? "
                     "Type yes or no (anything else to stay).")
            return
        if outcome.say:
            self.say(PLAIN_HELP if outcome.say == commands.HELP_TEXT else outcome.say)
        if outcome.show_resources and self.resources:
            self.say(self.resources)
        if outcome.dialog is not None:
            await self.asker.start(outcome.dialog)

    def _ask(self, question: Question) -> None:
        self.say(question.text)
        if question.choices:
            self.say("Type " + " or ".join(f"{key} for {label}" for _, label, key in question.choices)
                     + ".")
        elif question.secret:
            self.say("(In this plain mode what you type shows on your screen.)")

    def _show_say(self, say: Say) -> None:
        if say.prominent:
            self.say("=" * 40)
        self.say(say.text)
        if say.prominent:
            self.say("=" * 40)

    def show(self, event: ev.Event) -> None:
        s = self.session
        match event:
            case ev.Connected(role="lobby"):
                self.say(commands.waiting_room_text(s))
            case ev.Connected(resumed=True):
                self.say("Reconnected.")
            case ev.ConnectionLost():
                self.say("Connection lost - trying again...")
            case ev.AgreementOffered(text=text, resources=resources):
                self.resources = resources
                self.awaiting = "agreement"
                self.say(text)
                self.say("If you need help now: " + resources)
                self.say("Do you accept the group agreement? Type yes to join, or no to leave.")
            case ev.Admitted():
                self.say("The facilitator has let you in. Type /help to see what you can do.")
            case ev.NamedAs(name=name):
                self.say(chatlines.named_as_line(s.name, name))
            case ev.Held():
                self.say(commands.HELD_TEXT)
            case ev.SessionEnded(reason=reason, detail=detail):
                self.say(commands.ending_text(reason, detail))
                self.lines.put_nowait(None)  # wake the input loop so the client exits
            case ev.GroupMessage(kind="chat") if self.typed_on_screen and event.sender == s.identity.vk:
                pass
            case ev.GroupMessage() if event.kind != "roster":
                line = chatlines.group_line(event, s.name_of, s.identity.vk, s.facilitators)
                if line:
                    self.show_line(line)
            case ev.ResourcesSent(text=text):
                self.resources = text
                self._show_say(Say("The facilitator sent you these crisis resources:\n" + text,
                                   prominent=True))
            case ev.DirectMessage(kind="private" | "check_in"):
                if line := chatlines.from_facilitator(event, s.name_of, s.facilitator_vk):
                    self.show_line(line)
                if event.kind == "check_in":
                    self.say("Answer with /ok, /soon or /support.")
            case ev.Gap():
                self.say(chatlines.gap_line(event, s.name_of))
            case ev.CoFacilitators():
                self.say(chatlines.co_facilitators_line(event.count))
            case ev.FacilitatorPresence():
                self.say(chatlines.facilitator_line(event))
            case ev.CutOff():
                self.say(chatlines.CUT_OFF_LINE)
            case ev.Rejected(reason=reason) if reason != "no_key":
                self.say("(A message could not be verified and was not shown.)")


async def _stdin_lines(queue: asyncio.Queue[str | None]) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    mode = os.fstat(sys.stdin.fileno()).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or sys.stdin.isatty()):
        # A file or /dev/null cannot be watched by the event loop: read it in a thread.
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            await queue.put(line.rstrip("\r\n"))
        await queue.put(None)
        return
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        try:
            raw = await reader.readline()
        except ValueError:  # longer than LINE_LIMIT (asyncio drops it): refused as too long
            raw = b"x" * (LINE_LIMIT + 1) + b"\n"
        if not raw:
            await queue.put(None)
            return
        await queue.put(raw.decode("utf-8", "replace").rstrip("\r\n"))


async def _main(link: InviteLink, name: str | None) -> int:
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    feeder = asyncio.create_task(_stdin_lines(lines))
    problem = name_problem(name) if name else ""
    while not name or problem:
        if problem:
            print(problem, flush=True)
        print("What name would you like to use in the group? "
              "A first name or a made-up name is fine.", flush=True)
        got = await lines.get()
        if got is None:
            return 0
        name = got.strip()
        problem = name_problem(name) if name else ""
    try:
        return await PlainMember(MemberSession(link, name), lines,
                                 typed_on_screen=sys.stdin.isatty()).run()
    finally:
        feeder.cancel()


def run_plain(link: InviteLink, name: str | None) -> int:
    try:
        return asyncio.run(_main(link, name))
    except KeyboardInterrupt:
        return 130
