"""The safeguarding workflow for one person: the situation, the group's policy
steps to tick (each time-stamped), the actions at hand, consent, and a note.

Keyboard first: every action has one key, shown on screen. The screen asks
the app for actions that reach the member (a ``Request`` message), notes in
the in-memory ``SafeguardingLog`` what was done; it holds no crypto and no
sockets.
"""

from __future__ import annotations

import time
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from holdspace.console.safeguarding import SITUATIONS, Record, SafeguardingLog, shown_details
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from holdspace.ui.wrapped_selection import WrappedSelectionList

StepList = WrappedSelectionList  # the policy steps: each read whole before it is ticked

SITUATION_KEYS = {str(i): key for i, key in enumerate(SITUATIONS, start=1)}
# Whom the facilitator may ask consent to contact (DESIGN.md), as the member will read it.
CONTACTS = {"emergency": "emergency services", "gp": "their GP", "crisis_line": "a crisis line",
            "trusted": "someone they trust"}
CONTACT_LABELS = {"emergency": "Emergency services", "gp": "Their GP", "crisis_line": "Crisis line",
                  "trusted": "Someone they trust"}
CONSENT_REASON = ("I'm worried about your safety after what you shared, and I'd like to help "
                  "you get support. You stay involved in what happens next.")
KEYS_HINT = ("Space tick a step  |  r send crisis resources  |  c ask consent  |  "
             "h waiting room (1-to-1)  |  p private message  |  w write a note  |  "
             "n another situation  |  Escape close")

def stamp(moment: float | None) -> str:
    return time.strftime("%H:%M", time.localtime(moment)) if moment else ""


def consent_line(record: Record) -> str:
    consent = record.consent
    if consent is None:
        return "Consent: not asked yet (c)"
    asked = f"Consent asked at {stamp(consent.asked_at)} to contact {consent.contact}: "
    if not consent.answer:
        return asked + "waiting for their answer"
    if consent.answer == "no":
        return asked + f"they said no ({stamp(consent.answered_at)})"
    shared = shown_details(consent.details) if consent.details else "(they shared no details)"
    return asked + f"they said yes ({stamp(consent.answered_at)})\n" + shared


class SafeguardingScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("r", "send_resources", "Send crisis resources"),
        Binding("c", "ask_consent", "Ask consent"),
        Binding("h", "hold", "Waiting room (1-to-1)"),
        Binding("p", "private", "Private message"),
        Binding("w", "write_note", "Write a note"),
        Binding("n", "new_situation", "Another situation"),
        *[Binding(key, f"situation('{key}')", show=False) for key in SITUATION_KEYS],
    ]
    DEFAULT_CSS = """
    SafeguardingScreen { align: center middle; }
    SafeguardingScreen > Vertical {
        width: 90%; max-width: 120; height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    SafeguardingScreen #title { text-style: bold; }
    SafeguardingScreen .hint { color: $text-muted; }
    SafeguardingScreen #status { color: $warning; }
    SafeguardingScreen #situation { height: auto; }
    SafeguardingScreen #steps { height: 1fr; }
    SafeguardingScreen #consent { height: auto; }
    SafeguardingScreen .hidden { display: none; }
    """

    class Request(Message):
        """Asks the app to do something for this person: ``resources``, ``hold``,
        ``private`` (fields: text) or ``consent`` (fields: reason, contact). The
        app answers with ``done`` or ``say``."""

        def __init__(self, screen: SafeguardingScreen, what: str, record: Record,
                     **fields: Any) -> None:
            super().__init__()
            self.screen = screen
            self.what = what
            self.record = record
            self.fields = fields

    # What each request, once done, adds to the record.
    NOTED = {"resources": "crisis resources sent",
             "hold": "moved to the waiting room for a 1-to-1",
             "private": "private message sent"}

    def __init__(self, log: SafeguardingLog, vk: bytes, name: str) -> None:
        super().__init__()
        self.records = log
        self.vk = vk
        self.person = name
        self.record: Record | None = log.latest(vk)

    # --- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(f"Safeguarding: {self.person}", id="title", markup=False)
            yield Static("", id="status", markup=False)
            with Vertical(id="choose"):
                yield Static("What is the situation? Press its number, or move and press Enter.")
                yield OptionList(*[Option(f"{n}  {SITUATIONS[key]}", id=key)
                                   for n, key in SITUATION_KEYS.items()], id="situation")
                yield Static("Escape close", classes="hint")
            with Vertical(id="workflow"):
                yield Static("", id="kind", markup=False)
                yield Static("Steps of your group's policy (Space ticks; the time is noted):",
                             classes="hint")
                yield StepList(id="steps")
                yield Static("", id="consent", markup=False)
                yield Input(placeholder="A short note (w): kept in memory, exported only if you choose",
                            id="note", compact=True)
                yield Static(KEYS_HINT, classes="hint")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        """Switch between choosing a situation and the workflow of the record."""
        choosing = self.record is None
        self.query_one("#choose").set_class(not choosing, "hidden")
        self.query_one("#workflow").set_class(choosing, "hidden")
        if choosing:
            situations = self.query_one("#situation", OptionList)
            situations.highlighted = 0
            situations.focus()
            return
        record = self.record
        assert record is not None
        self.query_one("#kind", Static).update(
            f"{SITUATIONS[record.situation]} (opened {stamp(record.opened_at)}, record {record.id})")
        steps = self.query_one("#steps", StepList)
        steps.clear_options()
        steps.add_options([Selection(self._step_label(i), i, step.done_at is not None)
                           for i, step in enumerate(record.steps)])
        steps.highlighted = 0
        self.query_one("#note", Input).value = record.note
        self.refresh_consent()
        steps.focus()

    def _show_ticks(self) -> None:
        """Bring the list up to date with steps ticked by an action."""
        assert self.record is not None
        steps = self.query_one("#steps", StepList)
        for index, step in enumerate(self.record.steps):
            steps.replace_option_prompt_at_index(index, self._step_label(index))
            if step.done_at is not None:
                steps.select(index)

    def _step_label(self, index: int) -> str:
        assert self.record is not None
        step = self.record.steps[index]
        return step.text + (f"   (done {stamp(step.done_at)})" if step.done_at else "")

    def refresh_consent(self) -> None:
        """Show the latest consent state (the app calls this when an answer comes)."""
        if self.record is None:
            return
        self.query_one("#consent", Static).update(consent_line(self.record))
        consent = self.record.consent
        if consent is not None and consent.answer:  # no longer "their answer will show here"
            self.say(f"{self.person} answered at {stamp(consent.answered_at)}: {consent.answer}.")

    def say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # --- choosing the situation ---------------------------------------------------------
    @on(OptionList.OptionSelected, "#situation")
    def _situation_chosen(self, event: OptionList.OptionSelected) -> None:
        self._open(str(event.option.id))

    def action_situation(self, key: str) -> None:
        if not self.query_one("#choose").has_class("hidden"):
            self._open(SITUATION_KEYS[key])

    def _open(self, situation: str) -> None:
        self.record = self.records.open(self.vk, self.person, situation)
        self.say(f"Record {self.record.id} opened at {stamp(self.record.opened_at)}.")
        self._show()

    def action_new_situation(self) -> None:
        if self.record is not None:
            self.record = None
            self._show()

    # --- the workflow ------------------------------------------------------------------
    @on(SelectionList.SelectionToggled, "#steps")
    def _ticked(self, event: SelectionList.SelectionToggled) -> None:
        if self.record is None:
            return
        index = int(event.selection.value)
        self.records.tick(self.record, index, self.record.steps[index].done_at is None)
        event.selection_list.replace_option_prompt_at_index(index, self._step_label(index))

    @on(Input.Changed, "#note")
    def _note(self, event: Input.Changed) -> None:
        if self.record is not None:
            self.record.note = event.value

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        self.query_one("#steps").focus()
        self.say("Note kept.")

    def action_write_note(self) -> None:
        if self.record is not None:
            self.query_one("#note", Input).focus()

    def action_close(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#steps").focus()  # Escape leaves the note first
            return
        self.dismiss(None)

    def _ready(self) -> Record | None:
        if self.record is None:
            self.say("Choose the situation first.")
        return self.record

    def _ask(self, what: str, **fields: Any) -> None:
        record = self._ready()
        if record is not None:
            self.post_message(self.Request(self, what, record, **fields))

    def done(self, request: Request) -> None:
        """The app did what was asked: note it in the record with its time."""
        record, now = request.record, stamp(self.records.clock())
        if request.what == "consent":
            self.records.ask_consent(record, request.fields["contact"], request.fields["reason"])
            if record is self.record:
                self._show_ticks()
            self.say(f"Consent asked at {now}; their answer will show here.")
            self.refresh_consent()
            return
        what = self.NOTED[request.what]
        if request.what == "private":
            self.records.note_action(record, what)
        else:
            self.records.did(record, request.what, what)
            if record is self.record:
                self._show_ticks()
        if request.what == "private":
            self.say(f"Private message sent at {now}.")
        else:
            self.say(f"Done at {now}: {what}.")

    def action_send_resources(self) -> None:
        self._ask("resources")

    def action_hold(self) -> None:
        self._ask("hold")

    def action_private(self) -> None:
        if self._ready() is not None:
            self.app.push_screen(AskTextScreen(f"Private message to {self.person}"),
                                 self._private_written)

    def _private_written(self, text: str | None) -> None:
        if text:
            self._ask("private", text=text)

    def action_ask_consent(self) -> None:
        if self._ready() is None:
            return
        self.app.push_screen(ChoiceScreen(
            f"Ask {self.person}'s consent",
            "Whom would you like to contact? They will be asked plainly, and their details "
            "reach you only if they say yes.",
            [(key, CONTACT_LABELS[key], str(n)) for n, key in enumerate(CONTACTS, 1)]),
            self._contact_chosen)

    def _contact_chosen(self, key: str | None) -> None:
        if key is not None:
            contact = CONTACTS[key]
            self.app.push_screen(
                AskTextScreen(f"What they will read (you would like to contact {contact}):",
                              value=CONSENT_REASON, wrap=True),
                lambda reason: self._ask("consent", reason=reason, contact=contact) if reason else None)
