"""The command palette (Ctrl+P) carries the program's own actions, and nothing
else: Textual's own entries quit without asking and save screenshots (names and
safety codes) to disk, which the promise "nothing is written but the exports
you ask for" does not allow."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import SystemCommand


def palette(app: Any, entries: Iterable[tuple[str, str, str]]) -> Iterable[SystemCommand]:
    """One command per (title, help, action name); each runs the action as its key does."""
    for title, help_text, action in entries:
        yield SystemCommand(title, help_text, lambda action=action: app.run_action(action))
