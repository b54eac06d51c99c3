"""A conversation: a scrolling log and a line to type into."""

from __future__ import annotations

from collections import deque

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, RichLog

from holdspace.console.widgets.sized_by_css import SizedByCss
from holdspace.console.widgets.style_per_frame import StylePerFrame
from holdspace.ui.chat_text import Drawn, ShownLine, as_table

FLUSH_EVERY = 0.2
# Lines kept on screen. Every kept line is a few dozen live objects that each
# full garbage collection walks (a pause of the whole console); a long session
# would otherwise slow the console down as it goes.
SCROLLBACK = 1000


class ChatLog(RichLog, SizedByCss, StylePerFrame):
    """The conversation's lines; adding one does not lay the screen out again."""


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
        # What is shown, kept to draw it again at a new width (a resize).
        self._kept: deque[ShownLine | str] = deque(maxlen=SCROLLBACK)
        self._drawn = Drawn(limit=4 * SCROLLBACK)  # drawn once, shown again on replace
        self._width = 0

    def compose(self) -> ComposeResult:
        yield ChatLog(wrap=True, markup=False, min_width=20, max_lines=SCROLLBACK)
        yield Input(placeholder=self.placeholder, compact=True)

    def write(self, line: ShownLine | str) -> None:
        """Lines are shown at most FLUSH_EVERY seconds apart, several at a time:
        a burst of messages then costs a few repaints, not one per line."""
        self._pending.append(line)
        if len(self._pending) == 1:
            self.set_timer(FLUSH_EVERY, self._flush)

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            self._kept.extend(pending)
            self.query_one(ChatLog).write(as_table(pending, self._drawn), expand=True)

    def replace(self, lines: list[ShownLine | str]) -> None:
        self._pending = []
        self._kept = deque(lines[-SCROLLBACK:], maxlen=SCROLLBACK)
        self._redraw()

    def _redraw(self) -> None:
        log = self.query_one(ChatLog)
        log.clear()
        if self._kept:
            log.write(as_table(self._kept, self._drawn), expand=True)

    def on_resize(self, event: events.Resize) -> None:
        # Lines are wrapped when written: at a new width they are written again.
        if event.size.width != self._width:
            first, self._width = not self._width, event.size.width
            if not first:
                self._flush()
                self.call_after_refresh(self._redraw)  # once the log has its new width

    def lines(self) -> list[str]:
        self._flush()
        return [strip.text for strip in self.query_one(ChatLog).lines]

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if text:
            self.post_message(self.Send(self, text))
