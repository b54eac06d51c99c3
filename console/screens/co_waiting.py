"""A co-facilitator's console before the lead lets them in: both safety codes,
to be read out to each other, and where the connection stands."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static


def codes_text(mine: str, theirs: str) -> str:
    return (f"Read your code to the facilitator: {mine}\n"
            f"Theirs should be: {theirs}\n\n"
            "Compare them by voice or video, not in a message. If their code is different, "
            "do not go on: press q, and tell them.")


class CoWaitingScreen(Screen[None]):
    """Shown from the start of a co-facilitator's console until it is promoted;
    the app dismisses it then (``promoted``)."""

    BINDINGS = [Binding("q", "leave", "Leave", priority=True),
                Binding("ctrl+q,ctrl+c", "leave", "Leave", show=False, priority=True)]
    DEFAULT_CSS = """
    CoWaitingScreen { align: center middle; }
    CoWaitingScreen > Vertical { width: 80%; min-width: 60; max-width: 90; height: auto;
                                 border: round $accent; background: $surface; padding: 1 2; }
    CoWaitingScreen #title { text-style: bold; margin-bottom: 1; }
    CoWaitingScreen #codes { margin-bottom: 1; }
    CoWaitingScreen #status { color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.codes = Static("", id="codes", markup=False)
        self.status = Static("Connecting to the relay...", id="status", markup=False)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Joining as co-facilitator", id="title", markup=False)
            yield self.codes
            yield self.status
        yield Footer(compact=True, show_command_palette=False)

    def show_codes(self, mine: str, theirs: str) -> None:
        self.codes.update(codes_text(mine, theirs))

    def say(self, status: str) -> None:
        self.status.update(status)

    def action_leave(self) -> None:
        self.app.exit(message="You left before the lead facilitator let you in.")
