"""The member's client: `holdspace join LINK`.

A calm, simple screen: the group chat, one input line, and the few keys a
member needs. Everything stays in memory; closing it leaves no transcript.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from holdspace.client import chatlines
from holdspace.client import events as ev
from holdspace.client.display import Line, clean_block, name_problem
from holdspace.client.invites import InviteError, InviteLink, parse_invite
from holdspace.client.member_session import MemberSession
from holdspace.member import commands
from holdspace.member.dialogs import Asker, Question, Say, consent_dialog
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.chat_log import ChatLog
from holdspace.ui.choice import ChoiceScreen
from holdspace.ui.palette import palette

SessionFactory = Callable[[str], MemberSession]

CHECK_IN_CHOICES = [("ok", "I'm OK", "1"), ("soon", "Back soon", "2"), ("support", "I need support", "3")]


class MemberApp(App[None]):
    """Full-screen member client. ``make_session(name)`` builds the session so
    tests can point it at their own relay."""

    TITLE = "holdspace"
    CSS = """
    #status { height: 1; background: $boost; padding: 0 1; }
    #log { height: 1fr; border: none; padding: 0 1; }
    #resources { display: none; border: round $warning; padding: 0 1; height: auto; }
    #resources.shown { display: block; }
    """
    BINDINGS = [
        Binding("f2", "command('/hand')", "Hand", tooltip="Raise or lower your hand"),
        Binding("f3", "step_out", "Step out", tooltip="Tell the facilitator you are stepping out"),
        # Short enough that every key, F6 included, fits the footer at 80 columns.
        Binding("f4", "command('/trigger')", "This is hard",
                tooltip="Tell the facilitator privately you are finding this hard"),
        Binding("f5", "command('/support')", "Support now",
                tooltip="Ask the facilitator for support now and see crisis resources"),
        Binding("f6", "command('/help')", "What I can do"),
        Binding("ctrl+q", "leave", "Leave", priority=True),
        Binding("ctrl+c", "leave", "Leave", show=False),
    ]

    PALETTE = [
        ("Raise or lower your hand", "", "command('/hand')"),
        ("Step out or back", "Tell the facilitator", "step_out"),
        ("Finding this hard", "Tell the facilitator privately", "command('/trigger')"),
        ("Support now", "Ask the facilitator for support now and see crisis resources",
         "command('/support')"),
        ("What I can do", "The commands", "command('/help')"),
        ("Leave", "Asks first", "leave"),
    ]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        return palette(self, self.PALETTE)

    class SessionEvent(Message):
        def __init__(self, event: ev.Event) -> None:
            super().__init__()
            self.event = event

    def __init__(self, make_session: SessionFactory, name: str | None = None) -> None:
        super().__init__()
        self.make_session = make_session
        self.member_name = name
        self.session: MemberSession | None = None
        self.reached = False  # whether the relay ever answered
        self.resources = ""
        self.asker = Asker(self._ask, self._show_say)  # /details, consent requests

    def compose(self) -> ComposeResult:
        yield Static("Connecting...", id="status")
        yield ChatLog(id="log")  # wrapped again at each new width, as the console's
        yield Static("", id="resources", markup=False)
        yield Input(placeholder="Type a message (/help: what you can do)", id="input", disabled=True)
        yield Footer(compact=True, show_command_palette=False)

    @property
    def log_view(self) -> ChatLog:
        return self.query_one("#log", ChatLog)

    def say(self, text: str) -> None:
        """The client's own words (they may quote what the facilitator sent)."""
        self.log_view.add([clean_block(text)])

    def show_line(self, line: Line) -> None:
        """A message from someone: in its column, the facilitator's with the mark."""
        self.log_view.add([line])

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    async def on_mount(self) -> None:
        self.say("Welcome. Nothing you see here is saved anywhere; closing this window leaves no trace.")
        if self.member_name and not name_problem(self.member_name):
            self.start_session(self.member_name)
        else:
            self._ask_name(name_problem(self.member_name) if self.member_name else "")

    def _ask_name(self, problem: str) -> None:
        question = "What name would you like to use in the group? A first name or a made-up name is fine."
        self.push_screen(AskTextScreen(f"{problem}\n{question}" if problem else question,
                                       placeholder="your name"), self._named)

    def _named(self, name: str | None) -> None:
        if not name:
            self.exit()
            return
        if problem := name_problem(name):
            self._ask_name(problem)
            return
        self.member_name = name
        self.start_session(self.member_name)

    def start_session(self, name: str) -> None:
        self.session = self.make_session(name)
        self.listen(self.session)

    @work(exclusive=True, group="session")
    async def listen(self, session: MemberSession) -> None:
        queue = session.subscribe()  # sees every event, the first one included
        await session.start()
        while session.ended is None or not queue.empty():
            self.post_message(self.SessionEvent(await queue.get()))

    # --- session events -> screen -----------------------------------------------
    @on(SessionEvent)
    def _on_session_event(self, message: SessionEvent) -> None:
        handler = getattr(self, f"show_{type(message.event).__name__}", None)
        if handler is not None:
            handler(message.event)

    def show_Connected(self, event: ev.Connected) -> None:
        self.reached = True
        if event.role == "lobby":
            code = self.session.safety_code if self.session else ""
            self.set_status(f"Waiting room | your safety code: {code}")
            self.say(commands.waiting_room_text(self.session))
        else:
            self.set_status("In the group")
            self.say("Reconnected." if event.resumed else "You are in the group.")
            self._enable_input()

    def show_ConnectionLost(self, event: ev.ConnectionLost) -> None:
        self.set_status("Connection lost - trying again...")

    def show_AgreementOffered(self, event: ev.AgreementOffered) -> None:
        self.resources = event.resources
        self.push_screen(ChoiceScreen(
            "Before you join", clean_block(event.text) + "\n\nDo you accept the group agreement?",
            [("yes", "I agree, let me join", "y"), ("no", "Not now", "n")], can_cancel=False),
            self._answered_agreement)

    async def _answered_agreement(self, answer: str | None) -> None:
        assert self.session is not None
        if answer == "yes":
            await self.session.agree()
            code = self.session.safety_code
            self.say(f"Thank you. The facilitator will let you in soon. Your safety code is {code}; "
                     "the facilitator may ask you to read it out.")
            self.pin_resources(f"If you need help now:\n{self.resources}")
            self._enable_input()  # what they type now goes privately to the facilitator
        else:
            await self.session.decline()

    def show_Admitted(self, event: ev.Admitted) -> None:
        self.set_status("In the group")
        self.pin_resources("")  # pinned again when asked for, or sent
        self.say("The facilitator has let you in. Welcome. Type /help to see what you can do.")
        self._enable_input()

    def show_NamedAs(self, event: ev.NamedAs) -> None:
        assert self.session is not None
        self.say(chatlines.named_as_line(self.session.name, event.name))

    def show_Held(self, event: ev.Held) -> None:
        self.set_status("Waiting room")
        self.say(commands.HELD_TEXT)

    def show_SessionEnded(self, event: ev.SessionEnded) -> None:
        if not self.reached:  # nothing on screen worth keeping: say why in the terminal
            self.exit(return_code=1, message=commands.ending_text(event.reason, event.detail))
            return
        self.set_status("Session ended")
        self.say(commands.ending_text(event.reason, event.detail))
        self.say("Press Ctrl+Q to close this window.")
        self.query_one("#input", Input).disabled = True

    def show_GroupMessage(self, event: ev.GroupMessage) -> None:
        assert self.session is not None
        if event.kind == "roster":
            self.set_status(f"In the group | {len(event.body['members'])} here")
            return
        s = self.session
        line = chatlines.group_line(event, s.name_of, s.identity.vk, s.facilitators)
        if line:
            self.show_line(line)

    def show_DirectMessage(self, event: ev.DirectMessage) -> None:
        s = self.session
        assert s is not None
        line = chatlines.from_facilitator(event, s.name_of, s.facilitator_vk)
        if event.kind == "private" and line:
            self.show_line(line)
        elif event.kind == "check_in":
            self.push_screen(ChoiceScreen("The facilitator is checking in", clean_block(event.body["text"]),
                                          CHECK_IN_CHOICES, can_cancel=True), self._answered_check_in)

    def show_ResourcesSent(self, event: ev.ResourcesSent) -> None:
        self.resources = event.text
        self._show_say(Say("The facilitator sent you these crisis resources:\n" + event.text,
                           prominent=True))

    def show_ConsentRequested(self, event: ev.ConsentRequested) -> None:
        assert self.session is not None
        self.run_worker(self.asker.start(consent_dialog(self.session, event)), group="dialog")

    def _ask(self, question: Question) -> None:
        if question.choices:
            screen = ChoiceScreen("A question for you", clean_block(question.text), list(question.choices),
                                  can_cancel=False)
        else:
            screen = AskTextScreen(clean_block(question.text), password=question.secret,
                                   allow_empty=question.allow_empty)
        self.push_screen(screen, lambda answer: self.asker.reply(question, answer))

    def pin_resources(self, text: str) -> None:
        """Crisis resources stay pinned above the input until the member moves on
        (an empty text unpins them)."""
        resources = self.query_one("#resources", Static)
        resources.update(clean_block(text))
        resources.set_class(bool(text), "shown")

    def _show_say(self, say: Say) -> None:
        self.say(say.text)
        if say.prominent:
            self.pin_resources(say.text)

    async def _answered_check_in(self, answer: str | None) -> None:
        if answer:
            await self.run_line(f"/{answer}")

    def show_Gap(self, event: ev.Gap) -> None:
        assert self.session is not None
        self.say(chatlines.gap_line(event, self.session.name_of))

    def show_CoFacilitators(self, event: ev.CoFacilitators) -> None:
        self.say(chatlines.co_facilitators_line(event.count))

    def show_FacilitatorPresence(self, event: ev.FacilitatorPresence) -> None:
        self.say(chatlines.facilitator_line(event))
        place = "In the group" if self.session is not None and self.session.seated else "Waiting room"
        self.set_status(place if event.present else f"{place} | no facilitator connected")

    def show_CutOff(self, event: ev.CutOff) -> None:
        self.set_status("Cut off - reconnecting...")
        self.say(chatlines.CUT_OFF_LINE)

    def show_Rejected(self, event: ev.Rejected) -> None:
        if event.reason != "no_key":
            self.say("(A message could not be verified and was not shown.)")

    # --- what the member does ---------------------------------------------------
    def _enable_input(self) -> None:
        field = self.query_one("#input", Input)
        field.disabled = False
        field.focus()

    @on(Input.Submitted, "#input")
    async def _typed(self, event: Input.Submitted) -> None:
        event.input.value = ""
        outcome = await self.run_line(event.value)
        if outcome is not None and outcome.unsent and not event.input.value:
            event.input.value = event.value  # not sent (too long, say): theirs to shorten

    async def run_line(self, line: str) -> commands.Outcome | None:
        if self.session is None:
            return None
        outcome = await commands.perform(self.session, line)
        if outcome.confirm_leave:
            await self.action_leave()
            return outcome
        if outcome.say:
            self.say(outcome.say)
        if outcome.show_resources and self.resources:
            self.say(self.resources)
            self.pin_resources(self.resources)
        if outcome.dialog is not None:
            await self.asker.start(outcome.dialog)
        return outcome

    async def action_command(self, line: str) -> None:
        await self.run_line(line)

    async def action_step_out(self) -> None:
        stepped_out = self.session is not None and self.session.stepped_out
        await self.run_line("/back" if stepped_out else "/out")

    async def action_leave(self) -> None:
        session = self.session
        if session is None or session.ended is not None:
            self.exit()
            return
        self.push_screen(ChoiceScreen(
            "Leave the session?",
            "Would you like to tell the facilitator you are OK before you go?",
            [("ok", "Yes, tell them I'm OK", "y"), ("quiet", "Just leave", "l"),
             ("stay", "Stay", "s")]), self._answered_leave)

    async def _answered_leave(self, answer: str | None) -> None:
        if answer in ("ok", "quiet") and self.session is not None:
            await commands.leave(self.session, tell_ok=answer == "ok")
            self.exit()


def run_member(args: argparse.Namespace) -> int:
    try:
        link = parse_invite(args.link)
    except InviteError as exc:
        print(exc)
        return 2
    if args.plain:
        from holdspace.member.plain import run_plain

        return run_plain(link, args.name)
    app = MemberApp(session_factory(link), args.name)
    app.run()
    return app.return_code or 0


def session_factory(link: InviteLink, **kwargs) -> SessionFactory:  # type: ignore[no-untyped-def]
    return lambda name: MemberSession(link, name, **kwargs)
