"""Asking someone to leave: a reason, and for how long. Enter confirms."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, RadioButton, RadioSet, Static


@dataclass(frozen=True)
class Removal:
    reason: str
    ban_seconds: int | None  # None: for the rest of the session


class RemoveScreen(ModalScreen[Removal | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "confirm", "Remove", priority=True),
    ]
    DEFAULT_CSS = """
    RemoveScreen { align: center middle; }
    RemoveScreen > Vertical {
        width: 80%; max-width: 90; height: auto; max-height: 95%;
        border: round $error; background: $surface; padding: 1 2;
    }
    RemoveScreen OptionList { height: auto; max-height: 10; }
    RemoveScreen RadioSet { height: auto; width: 1fr; }
    RemoveScreen Horizontal { height: auto; }
    RemoveScreen #minutes { width: 12; }
    RemoveScreen .hint { color: $text-muted; }
    """

    def __init__(self, name: str, reasons: list[str]) -> None:
        super().__init__()
        self.person = name
        self.reasons = reasons or ["Other"]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Remove {self.person} from the session?", classes="title", markup=False)
            yield Static("They are disconnected at once and cannot come back in. "
                         "Ideally you have talked with them 1-to-1 first (h).", classes="hint")
            yield OptionList(*self.reasons, id="reason")
            with Horizontal():
                with RadioSet(id="duration"):
                    yield RadioButton("For the rest of the session", value=True, id="whole")
                    yield RadioButton("For a number of minutes:", id="minutes-choice")
                yield Input("15", id="minutes", type="integer")
            yield Static("Enter removes them, Escape cancels.", classes="hint")

    def on_mount(self) -> None:
        reason = self.query_one("#reason", OptionList)
        reason.highlighted = 0
        reason.focus()

    @on(Input.Changed, "#minutes")
    def _typed_minutes(self, event: Input.Changed) -> None:
        # The box reports its prefilled value too: only typing in it chooses
        # "for a number of minutes", or Enter alone would ban for 15 minutes.
        if event.input.has_focus:
            self.query_one("#minutes-choice", RadioButton).value = True

    def action_confirm(self) -> None:
        reason_list = self.query_one("#reason", OptionList)
        index = reason_list.highlighted or 0
        reason = self.reasons[index]
        ban: int | None = None
        if self.query_one("#minutes-choice", RadioButton).value:
            try:
                minutes = int(self.query_one("#minutes", Input).value)
            except ValueError:
                self.notify("Please type a number of minutes.", severity="warning")
                return
            ban = max(1, minutes) * 60
        self.dismiss(Removal(reason, ban))

    def action_cancel(self) -> None:
        self.dismiss(None)
