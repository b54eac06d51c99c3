"""Chat lines as a terminal shows them: a gutter for the facilitator's mark,
and the message beside it, wrapped within its own column.

The gutter is a column of its own, so no message, however long or however
spaced, can wrap into it and look like the facilitator's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

MARK_STYLE = Style.parse("bold magenta")


class ShownLine(Protocol):
    """What client/display.py's ``Line`` offers (ui imports no client)."""

    mark: bool

    @property
    def gutter(self) -> str: ...

    @property
    def body(self) -> str: ...


class ChatRows:
    """Messages in two columns, the gutter and the text, as a two-column grid
    would draw them; a plain string (the client's own words, no mark) is a line
    of its own across the width.

    Drawn by hand rather than as a Rich Table: a table measures every cell of
    every row before drawing, and a burst of chat (a hundred lines a flush) then
    held the console's keys for tens of milliseconds.
    """

    def __init__(self, lines: Iterable[ShownLine | str], drawn: Drawn | None = None) -> None:
        self.lines = list(lines)
        self.drawn = drawn

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(options.max_width, options.max_width)  # it takes the whole width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        width = options.max_width
        # The gutter column is as wide as its widest entry (as a grid's would be).
        gutter = max((cell_len(line.gutter) for line in self.lines if not isinstance(line, str)),
                     default=0)
        for line in self.lines:
            if self.drawn is None:
                yield from _draw(line, console, width, gutter)
            else:
                yield from self.drawn.get(line, width, gutter, lambda: _draw(line, console, width, gutter))


class Drawn:
    """Lines already drawn, by line, width and gutter: showing another person's
    private conversation (each move of the highlight) draws it again, and most
    of its lines were drawn before. Bounded: emptied when it holds ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._drawn: dict[tuple[ShownLine | str, int, int], list[Segment]] = {}

    def get(self, line: ShownLine | str, width: int, gutter: int,
            draw: Callable[[], Iterable[Segment]]) -> list[Segment]:
        key = (line, width, gutter)
        segments = self._drawn.get(key)
        if segments is None:
            if len(self._drawn) >= self.limit:
                self._drawn.clear()
            segments = self._drawn[key] = list(draw())
        return segments


def _draw(line: ShownLine | str, console: Console, width: int, gutter: int) -> Iterator[Segment]:
    new_line = Segment.line()
    if isinstance(line, str):
        for piece in Text(line).wrap(console, width):
            yield from piece.render(console, end="")
            yield new_line
        return
    room, blank = max(1, width - gutter), Segment(" " * gutter)
    lead = Segment(line.gutter.ljust(gutter), MARK_STYLE if line.mark else None)
    for i, text in enumerate(line.body.split("\n")):
        # A continuation line wraps under its own indented text.
        indent = len(text) - len(text.lstrip(" ")) if i else 0
        for piece in Text(text[indent:]).wrap(console, max(1, room - indent), overflow="fold"):
            yield lead
            lead = blank
            if indent:
                yield Segment(" " * indent)
            yield from piece.render(console, end="")
            yield new_line


def as_table(lines: Iterable[ShownLine | str], drawn: Drawn | None = None) -> RenderableType:
    """The lines as the chat panes show them (``ChatRows``)."""
    return ChatRows(lines, drawn)
