"""Who is here: name, status with timers, and how much each has said.

A line widget rather than a DataTable: in a live session nearly every refresh
changes some cell (step-out and hand timers, share of voice), and DataTable
throws away every cached row on any change, so it redrew the whole table
(about 24 ms with 60 people) several times a second, while the facilitator's
keys waited. Here each row is drawn once and kept until its own text, its
place or the width changes; a changed row repaints only its own line.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.facilitator import Participant, SessionModel, State

HEADINGS = ("Name", "Status", "Said")
# Each column is as wide as its longest entry, within these bounds; the status
# column gives way when the panel is narrow.
NAME_WIDTH = (4, 24)
SAID_WIDTH = (4, 16)
ORDER = {State.WAITING: 0, State.PRESENT: 1, State.STEPPED_OUT: 1, State.OFFLINE: 1, State.HELD: 2}


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def status(p: Participant, now: float) -> Text:
    state = p.state
    if state is State.WAITING:
        agreed = "agreed" if p.agreed else "reading agreement"
        return Text(f"waiting ({agreed}) code {p.safety_code}", style="cyan")
    if state is State.STEPPED_OUT and p.stepped_out_since is not None:
        return Text(f"stepped out {minutes(now - p.stepped_out_since)}", style="yellow")
    if state is State.PRESENT and p.hand_since is not None:
        return Text(f"hand raised {minutes(now - p.hand_since)}", style="bold green")
    styles = {State.OFFLINE: "red", State.HELD: "magenta", State.GONE: "dim"}
    words = {State.HELD: "in waiting room (held)", State.GONE: "left"}
    return Text(words.get(state, state.value), style=styles.get(state, ""))


class Row(NamedTuple):
    """One person's line as shown; equal rows draw the same."""

    name: Text
    status: Text
    said: Text

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.name.plain, self.status.plain, str(self.status.style), self.said.plain,
                str(self.said.style))


def row_for(p: Participant, voices: dict, now: float) -> Row:
    voice = voices.get(p.vk)
    said = ""
    if voice is not None and p.place == "seated":
        said = f"{voice.share:.0%}" + (f" {voice.flag}" if voice.flag else "")
    return Row(Text(p.label), status(p, now), Text(said))


class ParticipantsTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    ParticipantsTable { height: 1fr; border: round $primary; background: $surface; }
    ParticipantsTable:focus { border: round $accent; background-tint: $foreground 5%; }
    ParticipantsTable > .participants--header { text-style: bold; background: $panel; color: $foreground; }
    ParticipantsTable > .participants--stripe { background: $surface-lighten-1 50%; }
    ParticipantsTable > .participants--cursor {
        background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    ParticipantsTable:focus > .participants--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES = {"participants--header", "participants--stripe", "participants--cursor"}
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]

    class Chosen(Message):
        def __init__(self, vk: bytes | None) -> None:
            super().__init__()
            self.vk = vk

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.border_title = "People"
        self.vks: list[bytes] = []
        self.rows: list[Row] = []
        self.cursor_row = 0
        self._widths = (0, 0, 0)
        # Drawn lines, by row: (what was drawn, the strip). A row is drawn again
        # only when its text, stripe, cursor, focus or the widths differ.
        self._drawn: dict[bytes, tuple[tuple, Strip]] = {}

    # --- what is shown -----------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    def get_row_at(self, index: int) -> Row:
        return self.rows[index]

    @property
    def selected_vk(self) -> bytes | None:
        if not self.vks or self.cursor_row >= len(self.vks):
            return None
        return self.vks[self.cursor_row]

    def show(self, model: SessionModel, now: float) -> None:
        """Take in the model. The cursor stays on the same person when they are
        still listed; only the lines that changed are repainted."""
        selected = self.selected_vk
        voices = model.share_of_voice()
        people = [p for p in model.participants.values() if p.state is not State.GONE]
        people.sort(key=lambda p: (ORDER.get(p.state, 3), p.joined_at or p.knocked_at or 0))
        rows = [row_for(p, voices, now) for p in people]
        vks = [p.vk for p in people]
        if vks == self.vks:
            changed = [i for i, (new, old) in enumerate(zip(rows, self.rows)) if new.key != old.key]
            self.rows = rows
            if self._fit_widths():
                self.refresh()
            else:
                for i in changed:
                    self._refresh_row(i)
            return
        self.vks, self.rows = vks, rows
        self.cursor_row = vks.index(selected) if selected in vks else 0
        self.virtual_size = Size(self.scrollable_content_region.width, len(rows) + 1)
        self._fit_widths()
        self._scroll_to_cursor()
        self.refresh()
        if self.selected_vk != selected:
            self.post_message(self.Chosen(self.selected_vk))

    def move_cursor(self, row: int) -> None:
        row = max(0, min(row, len(self.rows) - 1))
        if row == self.cursor_row or not self.rows:
            return
        old, self.cursor_row = self.cursor_row, row
        self._refresh_row(old)
        self._refresh_row(row)
        self._scroll_to_cursor()
        self.post_message(self.Chosen(self.selected_vk))

    # --- keys and mouse ----------------------------------------------------------------
    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self._visible_rows() - 1))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self.move_cursor(int(self.scroll_offset.y) + offset.y - 1)

    def on_focus(self) -> None:
        # Tabbing into the table selects the person under its cursor.
        self.refresh()
        self.post_message(self.Chosen(self.selected_vk))

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows) + 1)
        self._fit_widths()
        self._scroll_to_cursor()

    # --- drawing -----------------------------------------------------------------------
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the heading

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        visible = self._visible_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def _fit_widths(self) -> bool:
        """Column widths for the current rows and width; True when they changed."""
        width = self.scrollable_content_region.width

        def longest(column: int, bounds: tuple[int, int]) -> int:
            cells = max((row[column].cell_len for row in self.rows), default=0)
            return max(bounds[0], min(bounds[1], cells))

        name, said = longest(0, NAME_WIDTH), longest(2, SAID_WIDTH)
        said = min(said, max(0, width - name - 4))
        status = max(len(HEADINGS[1]), max((row.status.cell_len for row in self.rows), default=0))
        widths = (name, max(0, min(status, width - name - said - 3)), said)
        if widths == self._widths:
            return False
        self._widths = widths
        self._drawn.clear()
        return True

    def _refresh_row(self, index: int) -> None:
        top = int(self.scroll_offset.y)
        if top <= index < top + self._visible_rows():
            self.refresh(Region(0, index - top + 1, self.scrollable_content_region.width, 1))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            heading = Row(*(Text(h) for h in HEADINGS))
            return self._draw(heading, self.get_component_rich_style("participants--header"), width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row, vk = self.rows[index], self.vks[index]
        cursor = index == self.cursor_row
        key = (row.key, index % 2, cursor, self.has_focus, self._widths, width)
        drawn = self._drawn.get(vk)
        if drawn is not None and drawn[0] == key:
            return drawn[1]
        if cursor:
            style = self.get_component_rich_style("participants--cursor")
        elif index % 2:
            style = self.get_component_rich_style("participants--stripe")
        else:
            style = self.rich_style
        strip = self._draw(row, style, width)
        self._drawn[vk] = (key, strip)
        return strip

    def _draw(self, row: Row, style: Style, width: int) -> Strip:
        line = Text(no_wrap=True, end="")
        for cell, cell_width in zip(row, self._widths):
            cell = cell.copy()
            cell.truncate(cell_width, overflow="ellipsis", pad=True)
            line.append(" ")
            line.append_text(cell)
        segments = [Segment(text, style + seg_style if seg_style else style)
                    for text, seg_style, _ in line.render(self.app.console)]
        return Strip(segments).adjust_cell_length(width, style)
