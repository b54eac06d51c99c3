"""How messages read on screen, shared by the console and both member clients."""

from __future__ import annotations

from collections.abc import Callable

from holdspace.client import events as ev

NameOf = Callable[[bytes], str]

CHECK_IN_WORDS = {"ok": "I'm OK", "soon": "back soon", "support": "I need support"}


def group_line(event: ev.GroupMessage, name_of: NameOf, me: bytes) -> str | None:
    """One line for the group chat, or None for messages that are not shown there."""
    body = event.body
    who = "You" if event.sender == me else name_of(event.sender)
    if event.kind == "chat":
        warning = f"[{body['cw']}] " if body.get("cw") else ""
        return f"{who}: {warning}{body['text']}"
    if event.kind == "notice":
        return f"* {body['text']}"
    if event.kind == "floor":
        to = "you" if body["to"] == me else name_of(body["to"])
        return f"* The facilitator has invited {to} to speak."
    if event.kind == "bye":
        return f"* {who} left the session."
    if event.kind == "hand" and body["up"]:
        return f"* {who} raised a hand."
    return None


def private_line(event: ev.DirectMessage, name_of: NameOf) -> str | None:
    """One line of a private conversation with the facilitator, from either side."""
    body = event.body
    who = name_of(event.sender)
    lines = {
        "private": lambda: f"{who}: {body['text']}",
        "trigger": lambda: f"{who} is finding this hard" + _note(body),
        "step_out": lambda: f"{who} stepped out" + _note(body),
        "back": lambda: f"{who} is back",
        "help": lambda: f"{who} asked for support now",
        "check_in": lambda: f"Check-in: {body['text']}",
        "check_in_reply": lambda: f"{who} answered the check-in: "
                                  f"{CHECK_IN_WORDS[body['status']]}" + _note(body, "text"),
    }
    make = lines.get(event.kind)
    return make() if make else None


def _note(body: dict, key: str = "note") -> str:
    return f": {body[key]}" if body.get(key) else ""


def gap_line(event: ev.Gap, name_of: NameOf) -> str:
    """Said where the missing messages would have been (the threat model relies
    on people noticing: a relay can drop frames, never hide that it did)."""
    return f"* Some messages from {name_of(event.sender)} may be missing."


CUT_OFF_LINE = ("* You are cut off from the group for now: for over a minute your connection has "
                "not been getting what the facilitator sends. Reconnecting... Nothing you type is "
                "sent until this is fixed.")


def unconfirmed_line(names: list[str]) -> str:
    """For the facilitator: whose client has not confirmed the newest group key."""
    return (f"Not yet confirmed the new key: {', '.join(names)}. Sending it again; if this "
            "stays, their connection may be failing (or being interfered with).")
