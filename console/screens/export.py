"""Choosing what to export at the end of a session, and where. Enter exports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from holdspace.ui.wrapped_selection import WrappedSelectionList


@dataclass(frozen=True)
class ExportChoice:
    records: bool
    summary: bool
    folder: Path


RECORDS_TEXT = ("Safeguarding records ({n}): sealed so that only your key opens them "
                "(holdspace records open FILE)")
SUMMARY_TEXT = ("Session summary for supervision: counts only - no names, no messages, no notes")


class ExportScreen(ModalScreen[ExportChoice | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "export", "Export", priority=True),
    ]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 80%; max-width: 100; height: auto;
        border: round $accent; background: $surface; padding: 1 2;
    }
    ExportScreen #title { text-style: bold; margin-bottom: 1; }
    ExportScreen SelectionList { height: auto; margin-bottom: 1; }
    ExportScreen .hint { color: $text-muted; }
    """

    def __init__(self, record_count: int, folder: Path | None = None) -> None:
        super().__init__()
        self.record_count = record_count
        self.folder = folder or Path.cwd()

    def compose(self) -> ComposeResult:
        choices = [Selection(SUMMARY_TEXT, "summary", True)]
        if self.record_count:
            choices.insert(0, Selection(RECORDS_TEXT.format(n=self.record_count), "records", True))
        with Vertical():
            yield Static("Export from this session", id="title")
            yield Static("Nothing is written unless you export it here. Space ticks or unticks.",
                         classes="hint")
            yield WrappedSelectionList[str](*choices, id="what")  # each choice read whole
            yield Static("Folder:")
            yield Input(str(self.folder), id="folder")
            yield Static("Enter exports, Escape cancels. Files are readable only by you.",
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#what", SelectionList).focus()

    def action_export(self) -> None:
        chosen = set(self.query_one("#what", SelectionList).selected)
        if not chosen:
            self.notify("Tick at least one thing to export, or press Escape.", severity="warning")
            return
        folder = Path(self.query_one("#folder", Input).value.strip() or ".").expanduser()
        self.dismiss(ExportChoice("records" in chosen, "summary" in chosen, folder))

    def action_cancel(self) -> None:
        self.dismiss(None)
