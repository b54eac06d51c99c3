"""Every key of the console, in plain words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = """\
The keys act on the one highlighted line. The highlight starts on what
needs you most; Tab goes between the panels.

Moving around
  Up / Down      move the highlight (Home / End: first and last)
  Tab            go between the panels and the chat boxes
  Shift+Tab      from a chat box up to its log, to scroll it with keys
  Enter / space  mark the highlighted alert as dealt with; on a help,
                 support, risk or consent alert it opens safeguarding
  g              type in the group chat
  Escape         back to the panels from a chat log or box

People
  a   let in the highlighted person from the waiting room
  d   do not let the highlighted person in
  n   give the floor to the highlighted person (told to the group)
  c   check in privately with the highlighted person
  p   private message to the highlighted person
  h   send them to the waiting room (e.g. for a 1-to-1 talk)
  x   remove them (then Enter)
  s   safeguarding: the steps to follow for them

The group
  m   send a quick notice to the whole group
  i   the invite link and your safety code (n there: a new link)
  o   a link for a co-facilitator (works once, for one hour); when
      they knock, you compare safety codes and let them in

The session
  e   export safeguarding records (sealed to your key) or a summary
  ?   this help
  q   quit (Ctrl+Q and Ctrl+C too): you are asked whether to end
      the session for everyone"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 78; max-width: 100%; height: auto; max-height: 100%;
                                  border: round $accent; background: $surface; padding: 0 1;
                                  border-subtitle-color: $text; }
    """
    text = KEYS

    def compose(self) -> ComposeResult:
        # How to close it sits in the border, always in view however far it scrolls.
        box = VerticalScroll()
        box.border_subtitle = "Up/Down scroll - Escape or ? closes"
        with box:
            yield Static(KEYS, markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # Up, Down, Page and End scroll it

    def action_close(self) -> None:
        self.dismiss(None)
