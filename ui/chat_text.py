"""Chat lines as a terminal shows them: a gutter for the facilitator's mark,
and the message beside it, wrapped within its own column.

The gutter is a column of its own, so no message, however long or however
spaced, can wrap into it and look like the facilitator's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rich.table import Table
from rich.text import Text

MARK_STYLE = "bold magenta"


class ShownLine(Protocol):
    """What client/display.py's ``Line`` offers (ui imports no client)."""

    mark: bool

    @property
    def gutter(self) -> str: ...

    @property
    def body(self) -> str: ...


def as_table(lines: Iterable[ShownLine]) -> Table:
    table = Table.grid(expand=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    for line in lines:
        table.add_row(Text(line.gutter, style=MARK_STYLE if line.mark else ""), Text(line.body))
    return table
