"""Questions a member's client asks in a few steps: emergency details and consent.

Each dialog is an async generator that yields ``Say`` (something to show) and
``Question`` (something to answer) and is sent the member's answers, so the
full-screen and the --plain client ask the very same questions in the very same
words; they differ only in how they show them. Nothing here touches a screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from holdspace.client.events import ConsentRequested
from holdspace.client.bodies import describe
from holdspace.client.member_session import MemberSession
from holdspace.client.session import SessionError
from holdspace.member import details as member_details
from holdspace.member.details import DetailsError

YES_NO = (("yes", "Yes", "y"), ("no", "No", "n"))


@dataclass(frozen=True)
class Say:
    text: str
    prominent: bool = False  # crisis resources: show where they cannot be missed


@dataclass(frozen=True)
class Question:
    text: str
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, label, key)
    secret: bool = False  # a passphrase: do not show it
    allow_empty: bool = False

    def match(self, answer: str | None) -> str | None:
        """The answer as the dialog wants it; None if it does not fit (ask again)."""
        if answer is None:
            return None
        text = answer.strip()
        if not self.choices:
            return text if text or self.allow_empty else None
        lowered = text.lower()
        for value, label, key in self.choices:
            if lowered in (value, key, label.lower()):
                return value
        return None


Step = Say | Question
Dialog = AsyncGenerator[Any, Any]


@dataclass(frozen=True)
class _Sub:
    """Yielded by a dialog to run a smaller one inline; its result comes back."""

    gen: Dialog


@dataclass(frozen=True)
class _Result:
    """Yielded by a sub-dialog to hand its result back (and end)."""

    value: Any


class Conversation:
    """One dialog as a single stream of steps, however many sub-dialogs it uses
    (async generators have no ``yield from``)."""

    def __init__(self, dialog: Dialog) -> None:
        self._stack = [dialog]
        self.question: Question | None = None

    @property
    def done(self) -> bool:
        return not self._stack

    async def answer(self, answer: str | None, show: Callable[[Say], None]) -> Question | None:
        """Give ``answer`` to the dialog (None to start it, or to cancel a
        question), show what it says, and return its next question (None when
        it has finished)."""
        value: Any = answer
        while self._stack:
            try:
                step = await self._stack[-1].asend(value)
            except StopAsyncIteration:
                self._stack.pop()
                value = None
                continue
            value = None
            if isinstance(step, _Sub):
                self._stack.append(step.gen)
            elif isinstance(step, _Result):
                await self._stack.pop().aclose()
                value = step.value
            elif isinstance(step, Say):
                show(step)
            else:
                self.question = step
                return step
        self.question = None
        return None

    async def close(self) -> None:
        while self._stack:
            await self._stack.pop().aclose()


class Asker:
    """Runs one dialog at a time for a client. A new one (a consent request
    arriving mid-way) replaces the one open; an answer to a question that is no
    longer asked is ignored. ``ask`` shows a question, ``show`` a Say."""

    def __init__(self, ask: Callable[[Question], object], show: Callable[[Say], None]) -> None:
        self._ask = ask
        self._show = show
        self._lock = asyncio.Lock()  # one step at a time: generators cannot be re-entered
        self._current: Conversation | None = None

    @property
    def question(self) -> Question | None:
        return self._current.question if self._current is not None else None

    async def start(self, dialog: Dialog) -> None:
        async with self._lock:
            if self._current is not None:
                await self._current.close()
            self._current = Conversation(dialog)
            await self._step(None)

    async def reply(self, question: Question, answer: str | None) -> None:
        """``answer`` (None: the member cancelled) to ``question``."""
        async with self._lock:
            if self._current is None or question is not self._current.question:
                return
            value = question.match(answer)
            if value is None and answer is not None:
                self._ask(question)  # not one of the choices: ask again
                return
            await self._step(value)

    async def _step(self, value: str | None) -> None:
        assert self._current is not None
        question = await self._current.answer(value, self._show)
        if question is None:
            self._current = None
        else:
            self._ask(question)


# --- emergency details ----------------------------------------------------------

KEEP_CHOICES = (("session", "Only for this session", "1"),
                ("save", "Also save them on this computer, locked with a passphrase", "2"))
WHERE_TEXT = ("Where are you? An address or place that emergency services could find "
              "(press Enter to skip).")
CONTACT_TEXT = "Who should be contacted if you agree? A name and phone number (press Enter to skip)."
STAY_LOCAL = ("Your details stay on your computer. They are shared with the facilitator only "
              "if they ask and you say yes.")


async def details_dialog(session: MemberSession, arg: str = "",
                         path: Path | None = None) -> Dialog:
    """`/details`: keep emergency details for the session, save or unlock them."""
    path = path or member_details.default_path()
    if arg.lower() in ("forget", "clear", "delete"):
        session.details = {}
        removed = member_details.forget(path)
        yield Say("Your details are forgotten" + (" and the saved file is deleted." if removed else "."))
        return
    if session.details:
        yield Say("Your details for this session:\n" + describe(session.details))
        change = yield Question("Change them?", YES_NO)
        if change != "yes":
            yield Say(STAY_LOCAL)
            return
    elif path.exists():
        unlock = yield Question("You have saved details on this computer. Unlock them now?", YES_NO)
        if unlock == "yes":
            details = yield from_file(path)
            if details:
                session.details = details
                yield Say("Unlocked for this session:\n" + describe(details) + "\n" + STAY_LOCAL)
                return
    details = yield from_typing()
    if details is None:
        yield Say("Nothing was changed.")
        return
    session.details = details
    keep = yield Question("Keep them:", KEEP_CHOICES)
    if keep == "save":
        yield save_with_passphrase(details, path)
    yield Say("Kept for this session:\n" + describe(details) + "\n" + STAY_LOCAL)


# Sub-dialogs, run inline by ``Conversation``: ``details = yield from_file(path)``.


def from_file(path: Path) -> _Sub:
    async def ask() -> Dialog:
        for _ in range(3):
            passphrase = yield Question("Your passphrase (or press Enter to skip):", secret=True,
                                        allow_empty=True)
            if not passphrase:
                return
            try:
                # Stretching the passphrase takes a moment: keep the client responsive.
                details = await asyncio.to_thread(member_details.load, passphrase, path)
            except DetailsError as exc:
                yield Say(str(exc))
                continue
            yield _Result(details)
    return _Sub(ask())


def from_typing() -> _Sub:
    async def ask() -> Dialog:
        where = yield Question(WHERE_TEXT, allow_empty=True)
        if where is None:
            return
        contact = yield Question(CONTACT_TEXT, allow_empty=True)
        if contact is None:
            return
        yield _Result({k: v for k, v in (("where", where), ("contact", contact)) if v})
    return _Sub(ask())


def save_with_passphrase(details: dict[str, str], path: Path) -> _Sub:
    async def ask() -> Dialog:
        for _ in range(3):
            first = yield Question("Choose a passphrase to lock the file:", secret=True)
            again = yield Question("Type it once more:", secret=True)
            if first and first == again:
                break
            yield Say("The two did not match (or were empty). Let's try again.")
        else:
            yield Say("The details were not saved to a file; they are kept for this session only.")
            return
        try:
            saved = await asyncio.to_thread(member_details.save, details, first, path)
        except (DetailsError, OSError) as exc:
            yield Say(f"The file could not be written: {exc}")
            return
        yield Say(f"Saved, locked with your passphrase, in {saved}.")
    return _Sub(ask())


# --- consent ---------------------------------------------------------------------


def consent_question(request: ConsentRequested) -> str:
    whom = request.contact or "someone who can help"
    text = f"The facilitator is worried about your safety and would like to contact {whom}."
    if request.reason:
        text += f"\nThey say: {request.reason}"
    return text + ("\nDo you agree to share your details (where you are, who to contact) "
                   "with the facilitator for this?")


async def consent_dialog(session: MemberSession, request: ConsentRequested,
                         path: Path | None = None) -> Dialog:
    """Ask the member plainly; share details only if they say yes."""
    path = path or member_details.default_path()
    answer = yield Question(consent_question(request), YES_NO)
    if answer != "yes":
        try:
            await session.answer_consent(False)
        except SessionError as exc:
            yield Say(str(exc))
            return
        yield Say("You said no. Nothing was shared. The facilitator may still want to talk "
                  "with you privately.")
        if session.resources:
            yield Say("If you need help now:\n" + session.resources, prominent=True)
        return
    details = dict(session.details)
    if not details and path.exists():
        unlock = yield Question("Unlock the details you saved on this computer?", YES_NO)
        if unlock == "yes":
            details = (yield from_file(path)) or {}
    if not details:
        details = (yield from_typing()) or {}
        session.details = details
    try:
        sent = await session.answer_consent(True, details)
    except SessionError as exc:
        yield Say(str(exc))
        return
    shared = describe(details) if details else "(you did not add any details)"
    yield Say(consent_shared(sent, len(session.targets())) + "\n" + shared)


def consent_shared(sent: int, facilitators: int) -> str:
    """Whom a yes reached: only who asked, the one facilitator or one of several
    (web/src/commands.js says the same)."""
    who = "the facilitator who asked you" if facilitators > 1 else "the facilitator"
    if not sent:
        return (f"Thank you. You agreed. No facilitator is connected right now: this is kept "
                f"for {who} only and will reach them the moment they are back:")
    return f"Thank you. You agreed, and this was shared with {who} only:"
