"""A line of text to edit, wrapped over as many rows as it needs: a long
prefilled message (the consent question) is read whole before it is sent,
not only the end that a one-line input scrolls to."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea


class WrappedInput(TextArea):
    """Enter submits (it adds no line break); a pasted line break is a space."""

    DEFAULT_CSS = "WrappedInput { height: auto; max-height: 8; }"

    class Submitted(Message):
        def __init__(self, area: WrappedInput, value: str) -> None:
            super().__init__()
            self.area = area
            self.value = value

    def __init__(self, value: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(value, soft_wrap=True, show_line_numbers=False,
                         highlight_cursor_line=False, **kwargs)

    def on_mount(self) -> None:
        self.move_cursor(self.document.end)  # as in a one-line input: ready to add to it

    @property
    def value(self) -> str:
        return " ".join(self.text.split("\n"))

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.value))
            return
        await super()._on_key(event)
