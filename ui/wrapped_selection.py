"""A list of choices to tick, each wrapped over as many lines as it needs:
every word of a choice is read before it is ticked (a policy step, what to
export), never cut to "…" at 80 columns."""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList

V = TypeVar("V")


class WrappedSelectionList(SelectionList[V]):
    """Each choice's box empty until ticked: "▐X▌" against "▐ ▌", so its state
    does not rest on colour alone.

    Textual's SelectionList draws one line per option, its box on each; here a
    choice's first line carries the box and the lines under it are indented.
    """

    DEFAULT_CSS = "WrappedSelectionList { text-wrap: wrap; text-overflow: fold; }"

    def render_line(self, y: int) -> Strip:
        prompt = OptionList.render_line(self, y)  # the option's own (wrapped) line
        try:  # which option, and which of its lines (OptionList's own map)
            index, offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return prompt
        base = next(iter(prompt)).style if prompt.cell_length else self.rich_style
        meta = Style(meta={"option": index})  # a click anywhere on it ticks it
        if offset:
            return Strip([Segment(" " * 4, base + meta), *prompt])
        ticked = self.get_option_at_index(index).value in self.selected
        component = "selection-list--button" + ("-selected" if ticked else "")
        component += "-highlighted" if self.highlighted == index else ""
        button = self.get_component_rich_style(component)
        side = Style.from_color(button.bgcolor, base.bgcolor) + meta
        return Strip([Segment(Checkbox.BUTTON_LEFT, side),
                      Segment(Checkbox.BUTTON_INNER if ticked else " ", button + meta),
                      Segment(Checkbox.BUTTON_RIGHT, side), Segment(" ", base), *prompt])
