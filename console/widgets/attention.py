"""The attention panel: what needs the facilitator now, most urgent first."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from holdspace.console.attention_queue import AttentionItem
from holdspace.console.widgets.line_list import LineList

MARKS = {
    "help": "!!", "support": "!!", "consent": "!!", "trigger": "! ", "risk": "! ", "check_in_due": "! ",
    "left_without_word": "! ", "offline": "  ", "private": "> ", "knock": "+ ", "co_knock": "++",
    "hand": "^ ", "check_in_reply": "  ", "step_out": "  ",
}
NOTHING = "Nothing needs you right now."


class AttentionPanel(LineList):
    """Lists attention items; Enter or space acknowledges the highlighted one."""

    DEFAULT_CSS = """
    AttentionPanel { height: 1fr; border: round $warning; padding: 0 1; }
    AttentionPanel:focus { border: round $accent; }
    """
    BINDINGS = [
        Binding("enter", "acknowledge", "Done", show=False),
        Binding("space", "acknowledge", "Done", show=False),
    ]

    class Acknowledge(Message):
        def __init__(self, item: AttentionItem) -> None:
            super().__init__()
            self.item = item

    class Chosen(Message):
        """The highlight moved to an item (so its person is the selection)."""

        def __init__(self, item: AttentionItem | None) -> None:
            super().__init__()
            self.item = item

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(empty=NOTHING, **kwargs)
        self.border_title = "Needs you now"
        self.items: list[AttentionItem] = []

    def show(self, items: list[AttentionItem]) -> None:
        """Re-render, keeping the highlight on the same item while it is there.

        When the highlight lands on another item (the panel was empty, or the
        item went), ``Chosen`` says so: the selection starts on the most urgent
        item and never silently differs from the highlight the facilitator sees.
        """
        self.items = items
        self.set_entries([item.id for item in items], [self.line(item) for item in items])

    @staticmethod
    def line(item: AttentionItem) -> Text:
        style = "bold red" if item.rank == 0 else "bold yellow" if item.urgent else ""
        return Text(MARKS.get(item.kind, "  ") + item.summary, style=style)

    @property
    def current(self) -> AttentionItem | None:
        return self.items[self.cursor_row] if self.cursor_row < len(self.items) else None

    @property
    def person(self) -> bytes | None:
        """Whom the highlighted item is about."""
        item = self.current
        return item.vk if item is not None else None

    def cursor_moved(self) -> None:
        self.tell_app(self.Chosen(self.current))

    def action_acknowledge(self) -> None:
        item = self.current
        if item is not None:
            self.post_message(self.Acknowledge(item))
