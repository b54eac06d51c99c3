"""A conversation: a scrolling log and a line to type into."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from holdspace.ui.chat_log import ChatLog
from holdspace.ui.chat_text import ShownLine

FLUSH_EVERY = 0.2


class ChatPanel(Vertical):
    """Used for the group chat and for the private conversation."""

    DEFAULT_CSS = """
    ChatPanel { border: round $primary; height: 1fr; }
    ChatPanel:focus-within { border: round $accent; }
    ChatPanel RichLog { height: 1fr; }
    ChatPanel Input { padding: 0 1; }
    """

    BINDINGS = [Binding("escape", "app.leave_input", "Back to the lists")]

    class Send(Message):
        def __init__(self, panel: ChatPanel, text: str) -> None:
            super().__init__()
            self.panel = panel
            self.text = text

    def __init__(self, title: str, placeholder: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.border_title = title
        self.placeholder = placeholder
        self._pending: list[ShownLine | str] = []

    def compose(self) -> ComposeResult:
        yield ChatLog()
        # Not selected on focus: a letter that moves focus here from the log is
        # kept, and so is a draft, when the next key would otherwise replace it.
        yield Input(placeholder=self.placeholder, compact=True, select_on_focus=False)

    def write(self, line: ShownLine | str) -> None:
        """Lines are shown at most FLUSH_EVERY seconds apart, several at a time:
        a burst of messages then costs a few repaints, not one per line."""
        self._pending.append(line)
        if len(self._pending) == 1:
            self.set_timer(FLUSH_EVERY, self._flush)

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        self.query_one(ChatLog).add(pending)

    def replace(self, lines: list[ShownLine | str]) -> None:
        self._pending = []
        self.query_one(ChatLog).replace(lines)

    def lines(self) -> list[str]:
        self._flush()
        return [strip.text for strip in self.query_one(ChatLog).lines]

    def on_key(self, event: events.Key) -> None:
        # A letter pressed in the log is typing, not a console key (h would send
        # the highlighted person to the waiting room): it goes to the message box.
        box = self.query_one(Input)
        if event.is_printable and self.screen.focused is self.query_one(ChatLog):
            event.stop()
            event.prevent_default()
            box.focus()
            box.insert_text_at_cursor(event.character or "")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if text:
            self.post_message(self.Send(self, text))
