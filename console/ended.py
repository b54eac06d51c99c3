"""Why the facilitator's session ended, in a sentence that says what to do.

The session's own reason codes (``gave_up``, ``replaced``...) are for programs;
a facilitator sees these words instead.
"""

from __future__ import annotations

from holdspace.client import events as ev


def ended_text(event: ev.SessionEnded, relay: str, *, reached: bool, built_in: bool) -> str:
    """``relay`` is the address the console used; ``reached`` whether it ever
    answered; ``built_in`` whether it runs inside this console."""
    if event.reason == "gave_up" and not reached:
        other = "" if built_in else ", or leave out --relay to use the console's built-in relay"
        return (f"Could not reach the relay at {relay}. Check the address and that the relay "
                f"is running and reachable from this machine{other}.")
    if event.reason == "gave_up":
        return ("The connection to the relay was lost and could not be restored. Start the "
                "console again with the same --relay to reopen the session for your members.")
    if event.reason == "replaced":
        return "This session was opened in another console, so this one has stopped."
    if event.reason in ("room_closed", "closed", "left"):
        return "The session has ended."
    detail = f" ({event.detail})" if event.detail else ""
    if not reached:
        return (f"The relay at {relay} refused to open the session{detail}. If it asks for a "
                "token, give it with --relay-token or relay_token in console.toml.")
    return f"The relay ended the session{detail}."
