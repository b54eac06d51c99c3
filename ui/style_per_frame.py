"""Panels drawn line by line that look up their own style once per frame.

A widget's ``rich_style`` is worked out afresh on every call, from its CSS and
each of its ancestors' backgrounds (about 40 microseconds), and Textual's log
and our lists ask for it on every line they draw: a chat pane of 40 lines
asked 80 times a frame while a burst of messages scrolled it.
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class StylePerFrame(Widget):
    """Mix in like SizedByCss (after the widget class)."""

    _frame_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    @property
    def rich_style(self) -> Style:
        return self._frame_style or super().rich_style
