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
        width: 80%; min-width: 60; max-width: 90; height: auto;
        border: round $accent; background: $surface; padding: 1 2;
    }
    ChoiceScreen #title { text-style: bold; margin-bottom: 1; }
    ChoiceScreen VerticalScroll { height: auto; }
    ChoiceScreen #status { height: auto; margin-top: 1; color: $success; display: none; }
    ChoiceScreen #choices { height: auto; margin-top: 1; }
    ChoiceScreen #choices Button { margin-right: 2; }
    ChoiceScreen Vertical#choices Button { margin: 0 0 0 0; width: 100%; content-align: left middle; }
    """
    # Rows around the text: the box's border and padding, the title and its
    # margin, the margin above the buttons, and a row of the screen above and below.
    AROUND = 2 + 2 + 2 + 1 + 2
    SIDE_BY_SIDE = 56  # labels this long in all fit on one row at 80 columns

    def __init__(self, title: str, text: str, choices: list[tuple[str, str, str]],
                 can_cancel: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.body_text = text
        self.choices = choices
        self.can_cancel = can_cancel
        self._keys = {key: value for value, _, key in choices}

    def compose(self) -> ComposeResult:
        labels = [f"{label} ({key})" for _, label, key in self.choices]
        # Few short choices side by side; more, or longer, one under another:
        # each button stays whole, and all of them stay on screen.
        side_by_side = sum(len(label) + 6 for label in labels) <= self.SIDE_BY_SIDE
        row = Horizontal(id="choices") if side_by_side else Vertical(id="choices")
        with Vertical():
            yield Static(self.title_text, id="title", markup=False)
            with VerticalScroll():
                yield from self.body()
            yield Static("", id="status", markup=False)  # what a choice that keeps it open did
            with row:
                for (value, _, _), label in zip(self.choices, labels):
                    yield Button(Content(label), id=f"choice-{value}", name=value, compact=True)

    def body(self) -> ComposeResult:
        """What the question says; a subclass may show more than wrapped text."""
        yield Static(self.body_text, id="body", markup=False)

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The text scrolls within what the buttons leave of the screen."""
        buttons = 1 if isinstance(self.query_one("#choices"), Horizontal) else len(self.choices)
        said = 2 if self.query_one("#status").display else 0  # a short line and its margin
        room = self.app.size.height - self.AROUND - buttons - said
        self.query_one(VerticalScroll).styles.max_height = max(3, room)

    def say(self, text: str) -> None:
        """A short line (one row) above the buttons, for a choice that acted and stays."""
        status = self.query_one("#status", Static)
        status.update(text)
        status.display = True
        self._fit()

    def choose(self, value: str) -> None:
        """A choice answers the question; a subclass may act on some and stay open."""
        self.dismiss(value)

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key in self._keys:
            event.stop()
            self.choose(self._keys[event.key])
        elif event.key == "escape" and self.can_cancel:
            event.stop()
            self.dismiss(None)

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        self.choose(event.button.name or "")
