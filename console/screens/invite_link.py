"""An invite link shown whole: each link on one line of its own that scrolls
sideways, never wrapped, since a link broken by the line no longer works."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.widgets import Static

from holdspace.client.invites import InviteLink
from holdspace.ui.choice import ChoiceScreen

COPY_CHOICES = [("web", "Copy web link", "w"), ("terminal", "Copy terminal link", "t")]
# Which links a dialog shows, each with its label; a member's link shows both.
MEMBER_LINKS = {"web": "In a web browser:", "terminal": "In the terminal (holdspace join):"}


class LinkScreen(ChoiceScreen):
    """``before``, the links of ``link`` unwrapped (``shown``: which, labelled),
    then ``after``; buttons to copy each link shown, and any further ``choices``."""

    DEFAULT_CSS = """
    LinkScreen .text { height: auto; }
    LinkScreen HorizontalScroll { height: auto; margin-bottom: 1; }
    LinkScreen .link { width: auto; text-wrap: nowrap; text-style: bold; }
    """

    def __init__(self, title: str, link: InviteLink, before: str, after: str = "",
                 choices: list[tuple[str, str, str]] | None = None,
                 shown: dict[str, str] | None = None) -> None:
        self.shown = shown or MEMBER_LINKS
        copy = [choice for choice in COPY_CHOICES if choice[0] in self.shown]
        super().__init__(title, before, [*copy, *(choices or []), ("close", "Close", "enter")])
        self.links = {"web": link.web_link, "terminal": link.link}
        self.after = after

    def choose(self, value: str) -> None:
        """Copying keeps the dialog open (an Enter meant to close it must not
        land on the main screen); it says what was copied."""
        if value in self.links and value in self.shown:
            self.app.copy_to_clipboard(self.links[value])
            self.say(f"The {value} link is copied. Enter closes this.")
            return
        super().choose(value)

    def body(self) -> ComposeResult:
        yield Static(self.body_text + "\n", classes="text", markup=False)
        for name, label in self.shown.items():
            yield Static(label, classes="text", markup=False)
            with HorizontalScroll():
                yield Static(self.links[name], id=f"link-{name}", classes="link", markup=False)
        if self.after:
            yield Static(self.after, classes="text", markup=False)
