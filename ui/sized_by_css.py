"""Scrolling panels whose size comes from the stylesheet, never from their content.

Textual lays out the whole screen again when a widget's scrollable (virtual)
size changes, and every layout repaints every scroll bar on screen. A panel
whose box is fixed by the CSS (``height: 1fr``) needs none of that when a line
is added: its scroll bar must follow, and that is all. A scroll bar appearing
or going still lays the screen out (Textual does that itself).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget


class SizedByCss(Widget):
    """Mix in after the widget class (``class ChatLog(RichLog, SizedByCss)``):
    Textual takes CSS type names from the first base only."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self, size: Size) -> None:
        self._scroll_update(size)
