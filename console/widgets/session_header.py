"""The top line: who is here, session time, encryption, group, relay."""

from __future__ import annotations

from textual.widgets import Static

from holdspace.console.facilitator import SessionModel

LINK_WORDS = {
    "connecting": "connecting to the relay...",
    "connected": "end-to-end encrypted",
    "reconnecting": "connection lost, reconnecting...",
    "ended": "session ended",
}


def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class SessionHeader(Static):
    """Plain text only: the group name comes from a config file."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(markup=False, **kwargs)
        self._shown = ""

    DEFAULT_CSS = """
    SessionHeader { height: 1; background: $primary; color: $text; padding: 0 1; }
    SessionHeader.-trouble { background: $error; }
    """

    def show(self, model: SessionModel, group: str, relay: str, now: float, role: str = "") -> None:
        """``role``: said first on a co-facilitator's console ("co-facilitator")."""
        counts = model.counts()
        link = LINK_WORDS.get(model.link, model.link)
        # Who is here and the time first: at 80 columns the rest is cut, not these.
        parts = [role] if role else []
        parts.append(f"{counts.present + counts.stepped_out} in the group")
        if counts.offline:
            parts.append(f"{counts.offline} offline")
        if counts.waiting + counts.held:
            parts.append(f"{counts.waiting + counts.held} waiting")
        if counts.stepped_out:
            parts.append(f"{counts.stepped_out} stepped out")
        parts += [clock(model.duration(now)), link, group, relay]
        self.set_class(model.link in ("reconnecting", "ended"), "-trouble")
        text = " | ".join(part for part in parts if part)
        if text != self._shown:
            # One line, as wide as the screen whatever it says: the clock ticking
            # every second needs a repaint of this line, not a new layout.
            self._shown = text
            self.update(text, layout=False)
