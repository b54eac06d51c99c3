"""Asking someone to leave: a reason, for how long, and what happens to the link
they came in with. It says exactly what removal does, and what it cannot do. Enter confirms."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, OptionList, RadioButton, RadioSet, Static

from holdspace.console.widgets.toggles import ClearCheckbox, ClearRadioButton


# Why a co-facilitator is removed: the members' reasons (abusive language...) are not theirs.
CO_REASONS = ["They are no longer co-facilitating this session",
              "Their computer or key may not be safe", "Other"]


@dataclass(frozen=True)
class Removal:
    reason: str
    ban_seconds: int | None  # None: for the rest of the session
    # Cancel their personal link, or (shared link) replace the shared link.
    change_link: bool = False


@dataclass(frozen=True)
class TheirLink:
    """The link the person came in with, as the removal dialog offers to change it."""

    personal_for: str = ""  # the label of their personal link; "" for the shared link


class RemoveScreen(ModalScreen[Removal | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "confirm", "Remove", priority=True),
    ]
    DEFAULT_CSS = """
    RemoveScreen { align: center middle; }
    RemoveScreen > Vertical {
        width: 80%; max-width: 90; height: auto; max-height: 95%;
        border: round $error; background: $surface; padding: 0 2; overflow-y: auto;
    }
    RemoveScreen OptionList { height: auto; max-height: 8; }
    RemoveScreen RadioSet { height: auto; width: 1fr; }
    RemoveScreen Horizontal { height: auto; }
    RemoveScreen #minutes { width: 12; }
    RemoveScreen .hint { color: $text-muted; }
    RemoveScreen Checkbox { border: none; padding: 0; height: auto; }
    """

    def __init__(self, name: str, reasons: list[str], link: TheirLink | None = None,
                 cofacilitator: bool = False) -> None:
        super().__init__()
        self.person = name
        self.cofacilitator = cofacilitator
        self.reasons = CO_REASONS if cofacilitator else reasons or ["Other"]
        self.link = link or TheirLink()

    def compose(self) -> ComposeResult:
        with Vertical():
            question = (f"Stop {self.person} co-facilitating and remove them from the session?"
                        if self.cofacilitator else f"Remove {self.person} from the session?")
            yield Static(question, classes="title", markup=False)
            yield Static(self._what_happens(), classes="hint", id="what-happens", markup=False)
            yield OptionList(*self.reasons, id="reason")
            with Horizontal():
                with RadioSet(id="duration"):
                    yield ClearRadioButton("For the rest of the session", value=True, id="whole")
                    yield ClearRadioButton("For a number of minutes:", id="minutes-choice")
                yield Input("15", id="minutes", type="integer")
            if not self.cofacilitator:  # a co-facilitator's link worked once: none to change
                yield self._link_choice()
            yield Static("Enter removes them, Escape cancels.", classes="hint")

    def _link_choice(self) -> Checkbox:
        if self.link.personal_for:
            return ClearCheckbox(f"Cancel their personal link ({self.link.personal_for})",
                                 value=True, id="change-link")
        return ClearCheckbox("Replace the shared link (the old one stops working)",
                             value=False, id="change-link")

    def _what_happens(self) -> str:
        if self.cofacilitator:  # nobody holds a facilitator, so no 1-to-1 first (h)
            return (f"{self.person} stops being your co-facilitator: they are disconnected at once, "
                    f"members' clients stop trusting their key, they read nothing more, and their "
                    f"key is refused for as long as you choose.")
        kept = "their personal link" if self.link.personal_for else "the shared link, if you keep it"
        return (f"{self.person} is disconnected at once, reads nothing more, and their key is "
                f"refused for as long as you choose. They could knock again with a new key "
                f"through {kept}: a knock with their name, key or personal link is flagged. "
                f"Ideally talk 1-to-1 first (h).")

    def on_mount(self) -> None:
        reason = self.query_one("#reason", OptionList)
        reason.highlighted = 0
        reason.focus()

    @on(Input.Changed, "#minutes")
    def _typed_minutes(self, event: Input.Changed) -> None:
        # The box reports its prefilled value too: only typing in it chooses
        # "for a number of minutes", or Enter alone would ban for 15 minutes.
        if event.input.has_focus:
            self.query_one("#minutes-choice", RadioButton).value = True

    def action_confirm(self) -> None:
        reason_list = self.query_one("#reason", OptionList)
        index = reason_list.highlighted or 0
        reason = self.reasons[index]
        ban: int | None = None
        if self.query_one("#minutes-choice", RadioButton).value:
            try:
                minutes = int(self.query_one("#minutes", Input).value)
            except ValueError:
                self.notify("Please type a number of minutes.", severity="warning")
                return
            ban = max(1, minutes) * 60
        change = self.query("#change-link")
        self.dismiss(Removal(reason, ban, bool(change) and change.first(Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
