"""Every key of the console, in plain words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = """\
Move with the arrow keys; Tab goes between the panels.
The selection starts on what needs you most.

  Enter / space   mark the selected alert as dealt with
  a   let in the selected person from the waiting room (or whoever waited longest)
  d   do not let them in
  n   give the floor to the person whose hand has been up longest
  c   check in privately with the selected person
  p   private message to the selected person
  h   send the selected person to the waiting room (e.g. for a 1-to-1 talk)
  x   remove the selected person (then Enter)
  s   safeguarding: steps to follow for the selected person
      (Enter on a help, support, risk or consent alert opens it too)
  e   export safeguarding records (sealed to your key) or a summary
  m   send a quick notice to the whole group
  i   the invite link and your safety code (n there: a new link)
  g   type in the group chat (Escape to come back)
  ?   this help
  q   quit (you will be asked whether to end the session for everyone)

Press Escape or ? to close."""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: auto; height: auto; border: round $accent;
                            background: $surface; padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(KEYS, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
