"""How messages read on screen, shared by the console and both member clients.

Every line is a ``display.Line``: clean text, continuation lines indented under
the first, and the facilitator's mark on what the facilitator said.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from holdspace.client import events as ev
from holdspace.client.display import Line, clean, normal_name
from holdspace.client.errors import REASONS

NameOf = Callable[[bytes], str]

CHECK_IN_WORDS = {"ok": "I'm OK", "soon": "back soon", "support": "I need support"}


def group_line(event: ev.GroupMessage, name_of: NameOf, me: bytes,
               facilitator: bytes | Collection[bytes]) -> Line | None:
    """One message for the group chat, or None for messages that are not shown there.
    ``facilitator``: the facilitator's vk, or every trusted facilitator's, the lead
    first (a co-facilitator's lines are marked like the lead's)."""
    body = event.body
    who = "You" if event.sender == me else clean(name_of(event.sender))
    facilitators = (facilitator,) if isinstance(facilitator, bytes) else tuple(facilitator)
    mark = event.sender in facilitators
    if event.kind == "chat":
        warning = f"[{body['cw']}] " if body.get("cw") else ""
        return Line.of(f"{who}: {warning}{body['text']}", mark=mark)
    if event.kind == "notice" and mark:
        return Line.of(f"* {body['text']}", mark=True)
    if event.kind == "floor" and mark:
        to = "you" if body["to"] == me else clean(name_of(body["to"]))
        by = "The facilitator" if event.sender == facilitators[0] else who
        return Line.of(f"* {by} has invited {to} to speak.", mark=True)
    if event.kind == "bye":
        return Line.of(f"* {who} left the session.")
    if event.kind == "hand" and body["up"]:
        return Line.of(f"* {who} raised a hand.")
    return None


def private_line(event: ev.DirectMessage, name_of: NameOf) -> Line | None:
    """One message of a private conversation, as the facilitator reads what a member sent."""
    body = event.body
    who = clean(name_of(event.sender))
    lines = {
        "private": lambda: f"{who}: {body['text']}",
        "trigger": lambda: f"{who} is finding this hard" + _note(body),
        "step_out": lambda: f"{who} stepped out" + _note(body),
        "back": lambda: f"{who} is back",
        "help": lambda: f"{who} asked for support now",
        "check_in_reply": lambda: f"{who} answered the check-in: "
                                  f"{CHECK_IN_WORDS[body['status']]}" + _note(body, "text"),
    }
    make = lines.get(event.kind)
    return Line.of(make()) if make else None


def from_facilitator(event: ev.DirectMessage, name_of: NameOf | None = None,
                     lead: bytes | None = None) -> Line | None:
    """What a facilitator said privately, as a member's client shows it (a
    co-facilitator by its name, when ``name_of`` and the ``lead`` are given)."""
    co = name_of is not None and lead is not None and event.sender != lead
    who = clean(name_of(event.sender)) if co and name_of else "Facilitator"
    if event.kind == "private":
        return Line.of(f"(private) {who}: {event.body['text']}", mark=True)
    if event.kind == "check_in":
        asks = f"{who} is" if co else "The facilitator is"
        return Line.of(f"(private) {asks} checking in: {event.body['text']}", mark=True)
    return None


def mine(text: str) -> Line:
    """What the facilitator wrote, as their own console shows it."""
    return Line.of(text, mark=True)


def _note(body: dict, key: str = "note") -> str:
    return f": {body[key]}" if body.get(key) else ""


def gap_line(event: ev.Gap, name_of: NameOf) -> str:
    """Said where the missing messages would have been (the threat model relies
    on people noticing: a relay can drop frames, never hide that it did)."""
    return f"* Some messages from {clean(name_of(event.sender))} may be missing."


FACILITATOR_GONE = "* The facilitator's connection dropped. They may be back shortly."
FACILITATOR_BACK = "* The facilitator is back."
# Before this client has counted any facilitator present (a member who knocked
# while only an untrusted-yet co-facilitator kept the room): nobody "dropped".
FACILITATOR_NONE = "* No facilitator is connected right now. They may be along shortly."
FACILITATOR_FIRST = "* A facilitator is here now."


def co_facilitators_line(count: int) -> str:
    """Who reads what a member sends privately, said when it changes (web/src/chatlines.js)."""
    if count > 0:
        return ("* A co-facilitator is running this group with the facilitator: what you send the "
                "facilitator privately reaches them both.")
    return "* There is no co-facilitator now: what you send privately reaches the facilitator only."


def facilitator_line(event: ev.FacilitatorPresence) -> str:
    if event.present:
        return FACILITATOR_BACK if event.seen else FACILITATOR_FIRST
    return FACILITATOR_GONE if event.seen else FACILITATOR_NONE


def refused_line(event: ev.Rejected, name_of: NameOf) -> str:
    """For the facilitator: what their console refused, and from whom, in plain words."""
    who = clean(name_of(event.sender)) if event.sender else ""
    if event.reason == "unexpected_rename" and who:
        return (f"{who} tried to change their name to \"{clean(event.detail)}\" during the session. "
                "Refused: everyone still sees them as " + who + ".")
    what = REASONS.get(event.reason, "a message could not be verified")
    return f"Not shown: {what}" + (f" (from {who})." if who else ".")


CUT_OFF_LINE = ("* You are cut off from the group for now: for over a minute your connection has "
                "not been getting what the facilitator sends. Reconnecting... Nothing you type is "
                "sent until this is fixed.")


def unconfirmed_line(names: list[str]) -> str:
    """For the facilitator: whose client has not confirmed the newest group key."""
    return (f"Not yet confirmed the new key: {', '.join(names)}. Sending it again; if this "
            "stays, their connection may be failing (or being interfered with).")


def named_as_line(chosen: str, shown: str) -> str:
    """For a member the group sees under another name than the one they chose."""
    mine, theirs = clean(normal_name(chosen)), clean(shown)
    if re.fullmatch(r".* \(\d+\)", theirs):  # "Sam (2)": told apart from a member or a co-facilitator
        return f"* Someone else in the group is also called {mine}, so the group sees you as {theirs}."
    return f"* The group sees you as {theirs}."
