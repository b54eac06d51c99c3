"""The safeguarding workflow for one person: the situation, the group's policy
steps to tick (each time-stamped), actions at hand, and a short note."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from console.safeguarding import SITUATIONS, Record, SafeguardingLog
from console.session import FacilitatorSession, SessionError


def stamp(moment: float | None) -> str:
    return time.strftime("%H:%M", time.localtime(moment)) if moment else ""


class SafeguardingScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+r", "send_resources", "Send crisis resources"),
        Binding("ctrl+w", "hold", "Waiting room (1-to-1)"),
        Binding("ctrl+p", "private", "Private message"),
    ]
    DEFAULT_CSS = """
    SafeguardingScreen { align: center middle; }
    SafeguardingScreen > Vertical {
        width: 90%; max-width: 110; height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    SafeguardingScreen #title { text-style: bold; }
    SafeguardingScreen .hint { color: $text-muted; }
    SafeguardingScreen #steps { height: 1fr; }
    SafeguardingScreen Checkbox { border: none; padding: 0; height: auto; }
    SafeguardingScreen #situation { height: auto; }
    """

    def __init__(self, log: SafeguardingLog, session: FacilitatorSession, vk: bytes, name: str,
                 *, resources: str, on_held: Callable[[bytes], None],
                 on_private: Callable[[bytes], None]) -> None:
        super().__init__()
        self.resources = resources
        self.on_held = on_held
        self.on_private = on_private
        self.records = log
        self.session = session
        self.vk = vk
        self.person = name
        existing = log.for_person(vk)
        self.record: Record | None = existing[-1] if existing else None

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(f"Safeguarding: {self.person}", id="title")
            yield Static("", id="status", classes="hint")
            if self.record is None:
                yield Static("What is the situation?")
                yield OptionList(*[Option(text, id=key) for key, text in SITUATIONS.items()],
                                 id="situation")
            else:
                yield from self._workflow(self.record)

    def _workflow(self, record: Record) -> ComposeResult:
        yield Static(SITUATIONS[record.situation] + f" (opened {stamp(record.opened_at)})", id="kind")
        with VerticalScroll(id="steps"):
            for i, step in enumerate(record.steps):
                label = step.text + (f"  [done {stamp(step.done_at)}]" if step.done_at else "")
                yield Checkbox(label, value=step.done_at is not None, id=f"step-{i}")
        yield Input(record.note, placeholder="A short note (kept in memory; exported only if you choose)",
                    id="note")
        yield Static("Space ticks a step. Ctrl+R send crisis resources | Ctrl+W waiting room "
                     "for a 1-to-1 | Ctrl+P private message | Escape close", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#situation" if self.record is None else Checkbox).focus()

    @on(OptionList.OptionSelected, "#situation")
    async def _situation(self, event: OptionList.OptionSelected) -> None:
        self.record = self.records.open(self.vk, self.person, str(event.option.id))
        box = self.query_one("#box")
        for widget in list(box.children)[2:]:
            await widget.remove()
        await box.mount_all(list(self._workflow(self.record)))
        self.query_one(Checkbox).focus()

    @on(Checkbox.Changed)
    def _ticked(self, event: Checkbox.Changed) -> None:
        if self.record is None or not event.checkbox.id:
            return
        index = int(event.checkbox.id.removeprefix("step-"))
        self.records.tick(self.record, index, event.value)
        step = self.record.steps[index]
        event.checkbox.label = step.text + (f"  [done {stamp(step.done_at)}]" if step.done_at else "")

    @on(Input.Changed, "#note")
    def _note(self, event: Input.Changed) -> None:
        if self.record is not None:
            self.record.note = event.value

    def say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    async def _do(self, what: str, action: Awaitable[None]) -> bool:
        try:
            await action
        except SessionError as exc:
            self.say(str(exc))
            return False
        if self.record is not None:
            self.records.note_action(self.record, what)
        self.say(f"Done: {what} ({stamp(self.records.clock())})")
        return True

    async def action_send_resources(self) -> None:
        text = "Here are some places that can help right now:\n" + self.resources
        await self._do("crisis resources sent", self.session.private(self.vk, text))

    async def action_hold(self) -> None:
        if await self._do("moved to the waiting room for a 1-to-1", self.session.hold(self.vk)):
            self.on_held(self.vk)

    def action_private(self) -> None:
        self.dismiss(None)
        self.on_private(self.vk)

    def action_close(self) -> None:
        self.dismiss(None)
