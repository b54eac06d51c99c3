"""A conversation's scrolling log, wrapped to its width and wrapped again when
that width changes.

A RichLog wraps a line once, when it is written: after a resize its lines keep
the old width (cut off after shrinking, ragged after growing). This log keeps
what it shows and writes it all again at the new width. Used by the console's
chat panes and by the member's full-screen client.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from textual import events
from textual.widgets import RichLog

from holdspace.ui.chat_text import Drawn, ShownLine, as_table
from holdspace.ui.sized_by_css import SizedByCss
from holdspace.ui.style_per_frame import StylePerFrame

# Lines kept on screen. Every kept line is a few dozen live objects that each
# full garbage collection walks (a pause of the whole app); a long session
# would otherwise slow it down as it goes.
SCROLLBACK = 1000


class ChatLog(RichLog, SizedByCss, StylePerFrame):
    """Lines as ``ui.chat_text`` draws them; adding one does not lay the screen out again."""

    def __init__(self, *, scrollback: int = SCROLLBACK, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(wrap=True, markup=False, min_width=20, max_lines=scrollback, **kwargs)
        # What is shown, kept to draw it again at a new width.
        self._kept: deque[ShownLine | str] = deque(maxlen=scrollback)
        self._drawn = Drawn(limit=4 * scrollback)  # drawn once, shown again on replace
        self._width = 0

    def add(self, lines: Iterable[ShownLine | str]) -> None:
        """Lines below the others, as one write (one repaint)."""
        lines = list(lines)
        if lines:
            self._kept.extend(lines)
            self.write(as_table(lines, self._drawn), expand=True)

    def replace(self, lines: Iterable[ShownLine | str]) -> None:
        self._kept = deque(lines, maxlen=self._kept.maxlen)
        self._redraw()

    def _redraw(self) -> None:
        self.clear()
        if self._kept:
            self.write(as_table(self._kept, self._drawn), expand=True)

    def on_resize(self, event: events.Resize) -> None:
        # Lines are wrapped when written: at a new width they are written again.
        # (The first size is not a change: RichLog writes what waited for it.)
        if event.size.width != self._width:
            first, self._width = not self._width, event.size.width
            if not first:
                self.call_after_refresh(self._redraw)  # once the scroll bars are settled
