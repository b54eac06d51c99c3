"""Who is here: name, status with timers, and how much each has said."""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.message import Message

from holdspace.console.cofacilitation import MEMBER, ROLE_WORDS
from holdspace.console.facilitator import SessionModel
from holdspace.console.people import Participant, State
from holdspace.console.widgets.line_list import LineList, signature

HEADINGS = ("Name", "Status", "Said")
FACILITATOR_MARK = "\u25c6"  # ◆
# Each column is as wide as its longest entry, within these bounds; the status
# column gives way when the panel is narrow.
NAME_WIDTH = (4, 24)
SAID_WIDTH = (4, 16)
ORDER = {State.WAITING: 0, State.PRESENT: 1, State.STEPPED_OUT: 1, State.OFFLINE: 1, State.HELD: 2}


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def status(p: Participant, now: float) -> Text:
    state = p.state
    if p.role in ROLE_WORDS:
        away = "" if p.online else ", offline"
        return Text(ROLE_WORDS[p.role] + away, style="bold" if p.online else "red")
    if state is State.WAITING:
        agreed = "co-facilitator" if p.co_knock else "agreed" if p.agreed else "reading agreement"
        return Text(f"waiting ({agreed}) code {p.safety_code}", style="cyan")
    if state is State.STEPPED_OUT and p.stepped_out_since is not None:
        return Text(f"stepped out {minutes(now - p.stepped_out_since)}", style="yellow")
    if state is State.PRESENT and p.hand_since is not None:
        return Text(f"hand raised {minutes(now - p.hand_since)}", style="bold green")
    styles = {State.OFFLINE: "red", State.HELD: "magenta", State.GONE: "dim"}
    words = {State.HELD: "in waiting room (held)", State.GONE: "left"}
    return Text(words.get(state, state.value), style=styles.get(state, ""))


class Row(NamedTuple):
    """One person's cells as shown."""

    name: Text
    status: Text
    said: Text


def row_for(p: Participant, voices: dict, now: float) -> Row:
    voice = voices.get(p.vk)
    said = ""
    if voice is not None and p.place == "seated":
        said = f"{voice.share:.0%}" + (f" {voice.flag}" if voice.flag else "")
    return Row(Text(p.label), status(p, now), Text(said))


def column_widths(rows: list[Row], width: int) -> tuple[int, int, int]:
    def longest(column: int, bounds: tuple[int, int]) -> int:
        cells = max((row[column].cell_len for row in rows), default=0)
        return max(bounds[0], min(bounds[1], cells))

    name, said = longest(0, NAME_WIDTH), longest(2, SAID_WIDTH)
    said = min(said, max(0, width - name - 4))
    status_width = max(len(HEADINGS[1]), max((row.status.cell_len for row in rows), default=0))
    return name, max(0, min(status_width, width - name - said - 3)), said


def line(cells: Row, widths: tuple[int, int, int], facilitator: bool = False) -> Text:
    """The first column, before every name, is the facilitators' own: no name
    can reach it, so a member never reads as one (◆, as in every chat)."""
    text = Text(no_wrap=True, end="")
    for index, (cell, cell_width) in enumerate(zip(cells, widths)):
        cell = cell.copy()
        cell.truncate(cell_width, overflow="ellipsis", pad=True)
        text.append(FACILITATOR_MARK if facilitator and index == 0 else " ")
        text.append_text(cell)
    return text


class ParticipantsTable(LineList):
    DEFAULT_CSS = """
    ParticipantsTable { height: 1fr; border: round $primary; }
    ParticipantsTable:focus { border: round $accent; }
    """
    STRIPES = True

    class Chosen(Message):
        def __init__(self, vk: bytes | None) -> None:
            super().__init__()
            self.vk = vk

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.border_title = "People"
        self.rows: list[Row] = []
        self._model: tuple[SessionModel, float] | None = None
        self._lines: dict[bytes, tuple[tuple, Text]] = {}  # per person: (cells, widths) -> line
        self._members: list[bool] = []  # per row: a member (not a facilitator)

    @property
    def vks(self) -> list[bytes]:
        return self.keys  # type: ignore[return-value]

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def get_row_at(self, index: int) -> Row:
        return self.rows[index]

    @property
    def selected_vk(self) -> bytes | None:
        return self.current_key  # type: ignore[return-value]

    @property
    def person(self) -> bytes | None:
        return self.selected_vk

    def show(self, model: SessionModel, now: float) -> None:
        """Take in the model; only the rows that changed are drawn again."""
        self._model = (model, now)
        voices = model.share_of_voice()
        people = [p for p in model.participants.values() if p.state is not State.GONE]
        people.sort(key=lambda p: (ORDER.get(p.state, 3), p.role == MEMBER, p.joined_at or p.knocked_at or 0))
        self.rows = [row_for(p, voices, now) for p in people]
        if len(self._lines) > len(people):  # people who left
            listed = {p.vk for p in people}
            self._lines = {vk: v for vk, v in self._lines.items() if vk in listed}
        widths = column_widths(self.rows, self.scrollable_content_region.width)
        self._members = [p.role == MEMBER for p in people]
        heading = line(Row(*(Text(h) for h in HEADINGS)), widths)
        self.set_entries([p.vk for p in people],
                         [self._line(p, row, widths) for p, row in zip(people, self.rows)], heading)

    def _line(self, p: Participant, row: Row, widths: tuple[int, int, int]) -> Text:
        """The same line object while the row reads the same: nothing to draw again."""
        key = (tuple(signature(cell) for cell in row), widths, p.role)
        cached = self._lines.get(p.vk)
        if cached is None or cached[0] != key:
            cached = self._lines[p.vk] = (key, line(row, widths, p.role != MEMBER))
        return cached[1]

    def row_after_gone(self, row: int) -> int:
        """After someone leaves (a removal: x, then x again), the next member
        in their place, else the one before: never a facilitator, whom the
        member keys are not for."""
        after = [i for i in range(row, len(self._members)) if self._members[i]]
        before = [i for i in range(min(row, len(self._members)) - 1, -1, -1) if self._members[i]]
        return (after or before or [0])[0]

    def on_resize(self) -> None:
        if self._model is not None:
            self.show(*self._model)  # the columns fit the new width
        super().on_resize()

    def cursor_moved(self) -> None:
        self.tell_app(self.Chosen(self.selected_vk))
