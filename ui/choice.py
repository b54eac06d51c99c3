"""A small modal that asks one plain question and returns the chosen answer."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ChoiceScreen(ModalScreen[str | None]):
    """Shows ``text`` and one button per choice; each choice has a key.

    choices: (value, label, key). Escape answers None when ``can_cancel``.
    """

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 80%; max-width: 90; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 1 2;
    }
    ChoiceScreen #title { text-style: bold; margin-bottom: 1; }
    ChoiceScreen VerticalScroll { height: auto; max-height: 20; }
    ChoiceScreen Horizontal { height: auto; margin-top: 1; }
    ChoiceScreen Button { margin-right: 2; }
    """

    def __init__(self, title: str, text: str, choices: list[tuple[str, str, str]],
                 can_cancel: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.body_text = text
        self.choices = choices
        self.can_cancel = can_cancel
        self._keys = {key: value for value, _, key in choices}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="title", markup=False)
            with VerticalScroll():
                yield Static(self.body_text, id="body", markup=False)
            with Horizontal():
                for value, label, key in self.choices:
                    yield Button(Content(f"{label} ({key})"), id=f"choice-{value}", name=value)

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key in self._keys:
            event.stop()
            self.dismiss(self._keys[event.key])
        elif event.key == "escape" and self.can_cancel:
            event.stop()
            self.dismiss(None)

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.name)
