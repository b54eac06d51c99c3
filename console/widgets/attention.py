"""The attention panel: what needs the facilitator now, most urgent first."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from console.facilitator import AttentionItem

MARKS = {
    "help": "!!", "support": "!!", "consent": "!!", "trigger": "! ", "risk": "! ", "check_in_due": "! ",
    "left_without_word": "! ", "offline": "  ", "private": "> ", "knock": "+ ",
    "hand": "^ ", "check_in_reply": "  ", "step_out": "  ",
}


class AttentionPanel(OptionList):
    """Lists attention items; Enter or space acknowledges the highlighted one."""

    DEFAULT_CSS = """
    AttentionPanel { height: 1fr; border: round $warning; }
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
        super().__init__(**kwargs)
        self.border_title = "Needs you now"
        self.items: list[AttentionItem] = []
        self._shown: list[tuple[int, str, str]] = []  # (id, text, style) of each line shown

    def show(self, items: list[AttentionItem]) -> None:
        """Re-render, keeping the highlight on the same item when it is still there.

        When the highlight lands on another item (the panel was empty, or the
        item went), ``Chosen`` says so: the selection starts on the most urgent
        item and never silently differs from the highlight the facilitator sees.
        The same items in the same order (the usual redraw): only the lines that
        changed are replaced, so the list is not rebuilt and re-measured whole.
        """
        lines = [self._line(item) for item in items]
        shown = [(item.id, line.plain, str(line.style)) for item, line in zip(items, lines)]
        if items and [s[0] for s in shown] == [s[0] for s in self._shown] \
                and self.option_count == len(items):
            self.items = items
            for i, (new, old) in enumerate(zip(shown, self._shown)):
                if new != old:
                    self.replace_option_prompt_at_index(i, lines[i])
            self._shown = shown
            return
        current = self.current
        self.items = items
        self._shown = shown
        self.clear_options()
        if not items:
            self.add_option(Option(Text("Nothing needs you right now.", style="dim"), disabled=True))
            return
        self.add_options(Option(line, id=str(item.id)) for item, line in zip(items, lines))
        ids = [item.id for item in items]
        index = ids.index(current.id) if current is not None and current.id in ids else 0
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = index
        if current is None or current.id != ids[index]:
            self.post_message(self.Chosen(self.current))

    @staticmethod
    def _line(item: AttentionItem) -> Text:
        style = "bold red" if item.rank == 0 else "bold yellow" if item.urgent else ""
        return Text(MARKS.get(item.kind, "  ") + item.summary, style=style)

    @property
    def current(self) -> AttentionItem | None:
        if self.highlighted is None or not self.items or self.highlighted >= len(self.items):
            return None
        return self.items[self.highlighted]

    def on_focus(self) -> None:
        # Coming back to the panel (Tab, Escape) selects what it highlights.
        self.post_message(self.Chosen(self.current))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.Chosen(self.current))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_acknowledge()

    # The list is ordered by urgency: Up at the top stays on the most urgent
    # item instead of wrapping round to the least urgent one.
    def action_cursor_up(self) -> None:
        if self.highlighted:
            super().action_cursor_up()

    def action_cursor_down(self) -> None:
        if self.highlighted is None or self.highlighted < self.option_count - 1:
            super().action_cursor_down()

    def action_acknowledge(self) -> None:
        item = self.current
        if item is not None:
            self.post_message(self.Acknowledge(item))
