"""Who is here: name, status with timers, and how much each has said."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from console.facilitator import Participant, SessionModel, State


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


def _key(cell: Text | str) -> tuple[str, str]:
    return (cell.plain, str(cell.style)) if isinstance(cell, Text) else (cell, "")


class ParticipantsTable(DataTable):
    DEFAULT_CSS = """
    ParticipantsTable { height: 1fr; border: round $primary; }
    ParticipantsTable:focus { border: round $accent; }
    """

    class Chosen(Message):
        def __init__(self, vk: bytes | None) -> None:
            super().__init__()
            self.vk = vk

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.border_title = "People"
        self.vks: list[bytes] = []
        self._shown: list[tuple[tuple[str, str], ...]] = []  # per row: (text, style) of each cell
        self._columns: list = []

    def on_mount(self) -> None:
        self._columns = self.add_columns("Name", "Status", "Said")

    def show(self, model: SessionModel, now: float) -> None:
        """Re-render. When the same people are listed in the same order, only
        the cells that changed are updated: clearing and re-adding every row
        makes the table re-measure and repaint whole (tens of ms with 60)."""
        selected = self.selected_vk
        voices = model.share_of_voice()
        people = [p for p in model.participants.values() if p.state is not State.GONE]
        order = {State.WAITING: 0, State.PRESENT: 1, State.STEPPED_OUT: 1, State.OFFLINE: 1, State.HELD: 2}
        people.sort(key=lambda p: (order.get(p.state, 3), p.joined_at or p.knocked_at or 0))
        rows = []
        for p in people:
            voice = voices.get(p.vk)
            said = ""
            if voice is not None and p.place == "seated":
                said = f"{voice.share:.0%}" + (f" {voice.flag}" if voice.flag else "")
            rows.append((p.vk, (Text(p.label), status(p, now), said)))
        vks = [vk for vk, _ in rows]
        shown = [tuple(_key(cell) for cell in cells) for _, cells in rows]
        if vks == self.vks and len(shown) == len(self._shown) and self.row_count == len(vks):
            for (vk, cells), new, old in zip(rows, shown, self._shown):
                for column, cell, a, b in zip(self._columns, cells, new, old):
                    if a != b:
                        self.update_cell(vk.hex(), column, cell)
            self._shown = shown
            return
        # A redraw (once a second) must not move the selection: the table
        # itself says it highlights a first row, so it is kept quiet here.
        with self.prevent(DataTable.RowHighlighted):
            self.clear()
            self.vks = vks
            self._shown = shown
            for vk, cells in rows:
                self.add_row(*cells, key=vk.hex())
            if selected in self.vks:
                self.move_cursor(row=self.vks.index(selected))
        if self.selected_vk != selected:
            self.post_message(self.Chosen(self.selected_vk))

    @property
    def selected_vk(self) -> bytes | None:
        if not self.vks or self.cursor_row is None or self.cursor_row >= len(self.vks):
            return None
        return self.vks[self.cursor_row]

    def on_focus(self) -> None:
        # Tabbing into the table selects the person under its cursor.
        self.post_message(self.Chosen(self.selected_vk))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Chosen(self.selected_vk))
