"""A modal that asks for one line of text, prefilled and editable (``wrap``:
shown whole over several rows, for a long message read before it is sent)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from holdspace.ui.wrapped_input import WrappedInput


class AskTextScreen(ModalScreen[str | None]):
    """Enter sends what is typed; Escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    AskTextScreen { align: center middle; }
    AskTextScreen > Vertical {
        width: 80%; max-width: 90; height: auto;
        border: round $accent; background: $surface; padding: 1 2;
    }
    AskTextScreen #question { margin-bottom: 1; }
    AskTextScreen #hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, question: str, value: str = "", placeholder: str = "",
                 allow_empty: bool = False, password: bool = False, wrap: bool = False) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.allow_empty = allow_empty
        self.password = password
        self.wrap = wrap

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question", markup=False)
            if self.wrap:
                yield WrappedInput(self.value, placeholder=self.placeholder, id="answer")
            else:
                yield Input(value=self.value, placeholder=self.placeholder, id="answer",
                            password=self.password)
            yield Static("Enter to send, Escape to cancel", id="hint")

    @on(Input.Submitted)
    @on(WrappedInput.Submitted)
    def _submitted(self, event: Input.Submitted | WrappedInput.Submitted) -> None:
        text = event.value.strip()
        if text or self.allow_empty:
            self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
