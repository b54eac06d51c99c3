"""A conversation: a scrolling log and a line to type into."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, RichLog


class ChatPanel(Vertical):
    """Used for the group chat and for the private conversation."""

    DEFAULT_CSS = """
    ChatPanel { border: round $primary; height: 1fr; }
    ChatPanel:focus-within { border: round $accent; }
    ChatPanel RichLog { height: 1fr; }
    ChatPanel Input { border: none; height: 1; padding: 0 1; }
    """

    class Send(Message):
        def __init__(self, panel: ChatPanel, text: str) -> None:
            super().__init__()
            self.panel = panel
            self.text = text

    def __init__(self, title: str, placeholder: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.border_title = title
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield RichLog(wrap=True, markup=False, min_width=20)
        yield Input(placeholder=self.placeholder)

    def write(self, line: str) -> None:
        self.query_one(RichLog).write(line)

    def replace(self, lines: list[str]) -> None:
        log = self.query_one(RichLog)
        log.clear()
        for line in lines:
            log.write(line)

    def lines(self) -> list[str]:
        return [strip.text for strip in self.query_one(RichLog).lines]

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if text:
            self.post_message(self.Send(self, text))
