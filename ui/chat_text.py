"""Chat lines as a terminal shows them: a gutter for the facilitator's mark,
and the message beside it, wrapped within its own column.

The gutter is a column of its own, so no message, however long or however
spaced, can wrap into it and look like the facilitator's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rich.console import Group, RenderableType
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


def as_table(lines: Iterable[ShownLine | str]) -> RenderableType:
    """One row a message in the grid; a plain string (the client's own words,
    no mark) is a line of its own across the width."""
    parts: list[RenderableType] = []
    table: Table | None = None
    for line in lines:
        if isinstance(line, str):
            parts.append(Text(line))
            table = None
            continue
        if table is None:
            table = Table.grid(expand=True)
            table.add_column(no_wrap=True)
            table.add_column(ratio=1, overflow="fold")
            parts.append(table)
        table.add_row(Text(line.gutter, style=MARK_STYLE if line.mark else ""), Text(line.body))
    return parts[0] if len(parts) == 1 else Group(*parts)
