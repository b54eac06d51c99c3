"""What a member can type, shared by the full-screen and the --plain client.

Plain words back for every command: the member may be anxious, in distress,
or new to terminals. Nothing here touches the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from holdspace.client.member_session import MemberSession
from holdspace.client.session import SessionError
from holdspace.member import dialogs as member_dialogs

# The full-screen client takes F5 as a key; plain mode says more (member/plain.py).
F5_HINT = "(or press F5)"
HELP_TEXT = f"""\
To ask the facilitator for support now, type /support {F5_HINT}.
Type a message and press Enter to send it to the group.
  /hand            raise or lower your hand
  /out [note]      step out for a moment (only the facilitator is told)
  /back            say you are back
  /trigger [note]  tell the facilitator privately you find this hard
  /leader TEXT     a private message to the facilitator
  /support         ask for support now, and see crisis resources
  /ok /soon        answer a check-in from the facilitator (/support too)
  /details         keep your emergency details for this session (where
                   you are, who to contact); shared only if you agree
  /details forget  forget them (and delete the saved file)
  /leave           leave the session
  /help            show this list
While you are in the waiting room, what you type goes privately to the facilitator."""

# Said instead of "the facilitator has been told" while none is connected.
KEPT = ("No facilitator is connected right now. This is kept and will reach them the moment "
        "they are back.")
HELP_KEPT = ("No facilitator is connected right now, so nobody has been asked yet. Your request "
             "is kept and will reach them the moment they are back. These resources can help "
             "at once:")

CHECK_IN_ANSWERS = {
    "ok": ("ok", "I'm OK"),
    "soon": ("soon", "Back soon"),
    "support": ("support", "I need support"),
}


@dataclass(frozen=True)
class Outcome:
    """What the client should show after a command."""

    say: str = ""
    show_resources: bool = False
    confirm_leave: bool = False
    dialog: member_dialogs.Dialog | None = None  # questions to ask next, in order
    unsent: bool = False  # refused, nothing sent: what was typed stays to be edited


def split(line: str) -> tuple[str, str]:
    """'/out getting water' -> ('out', 'getting water'); plain text -> ('', text)."""
    text = line.strip()
    if not text.startswith("/"):
        return "", text
    name, _, rest = text[1:].partition(" ")
    return name.lower(), rest.strip()


# What a message or a note may hold (docs/PROTOCOL.md): longer is refused by
# every receiver, so it is not sent at all.
TEXT_LIMIT, NOTE_LIMIT = 8000, 2000
NOTES = ("out", "trigger", *CHECK_IN_ANSWERS)


def reached(count: int) -> str:
    """Whom a member's words reached, in plain words: the lead and a connected
    co-facilitator are "the facilitators" (web/src/commands.js says the same)."""
    return "The facilitators have been" if count > 1 else "The facilitator has been"


def sent_privately(count: int, waiting: bool = False) -> str:
    """Said when private words went to ``count`` facilitators (web/src/commands.js)."""
    them = "the facilitators" if count > 1 else "the facilitator"
    why = " (you are in the waiting room, so only they can read it)" if waiting else ""
    return f"Sent privately to {them}{why}."


async def perform(session: MemberSession, line: str) -> Outcome:
    """Run one line the member typed. Never raises: problems become plain words."""
    name, arg = split(line)
    limit = NOTE_LIMIT if name in NOTES else TEXT_LIMIT
    if len(arg) > limit:
        return Outcome(f"That is too long to send ({len(arg):,} characters; at most {limit:,}). "
                       "Nothing was sent: please make it shorter.", unsent=True)
    try:
        return await _perform(session, name, arg)
    except SessionError as exc:
        return Outcome(str(exc), unsent=True)


async def _perform(session: MemberSession, name: str, arg: str) -> Outcome:
    if name == "" and not arg:
        return Outcome()
    # From the waiting room the group cannot be reached (the relay would refuse
    # it): what is typed goes to the facilitator, and a hand is not raised.
    if name == "" and not session.seated:
        sent = await session.private(arg)
        return Outcome(sent_privately(sent, waiting=True) if sent else KEPT)
    if name == "hand" and not session.seated:
        return Outcome("You are still in the waiting room; the facilitator will let you in soon.")
    if name == "":
        await session.chat(arg)
        return Outcome()
    if name in ("help", "commands", "?"):
        return Outcome(HELP_TEXT)
    if name == "hand":
        up = not session.hand_up
        await session.hand(up)
        return Outcome("Your hand is raised. The facilitator can see it." if up
                       else "Your hand is lowered.")
    if name == "out":
        sent = await session.step_out(arg or None)
        return Outcome("The facilitator knows you have stepped out. Type /back when you return."
                       if sent else KEPT + " Type /back when you return.")
    if name == "back":
        sent = await session.back()
        return Outcome("Welcome back. The facilitator knows you are here." if sent else KEPT)
    if name == "trigger":
        sent = await session.trigger(arg or None)
        return Outcome(f"{reached(sent)} told, privately, that you are finding this hard. "
                       "Take whatever time you need." if sent else KEPT)
    if name == "leader":
        if not arg:
            return Outcome("Write your message after /leader, for example: /leader can we talk?")
        sent = await session.private(arg)
        return Outcome(sent_privately(sent) if sent else KEPT)
    if name == "support" and session.last_check_in is None:
        # Support now: one plain step, with crisis resources at once whatever happens.
        try:
            sent = await session.ask_for_help()
            said = f"{reached(sent)} asked to support you now." if sent else HELP_KEPT
        except SessionError:
            said = "We could not reach the facilitator just now. These resources can help at once:"
        return Outcome(said, show_resources=True)
    if name in CHECK_IN_ANSWERS:
        status, words = CHECK_IN_ANSWERS[name]
        sent = await session.check_in_reply(status, arg or None)
        session.last_check_in = None  # answered: /support asks for support again
        return Outcome(f"You told the facilitator: {words}." if sent else KEPT,
                       show_resources=status == "support")
    if name == "details":
        return Outcome(dialog=member_dialogs.details_dialog(session, arg))
    if name == "consent":
        if session.consent_asked is None:
            return Outcome("The facilitator has not asked you anything right now.")
        return Outcome(dialog=member_dialogs.consent_dialog(session, session.consent_asked))
    if name in ("leave", "quit", "exit"):
        return Outcome(confirm_leave=True)
    return Outcome(f"I don't know /{name}. Type /help to see what you can do.")


async def leave(session: MemberSession, tell_ok: bool) -> None:
    """Leave; if the member wants, first tell the facilitator they are OK."""
    if tell_ok:
        try:
            await session.private("I'm OK - leaving the session now.")
        except SessionError:
            pass
    await session.leave()


ENDINGS = {
    "removed": "The facilitator has asked you to leave this session. "
               "If you want to talk about it, you can contact the group's organisers.",
    "denied": "The facilitator could not let you in this time.",
    "room_closed": "The session has ended. Thank you for being here.",
    "left": "You have left the session. Take care of yourself.",
    "banned": "You cannot rejoin this session.",
    "bad_invite": "This invite link no longer works. Please ask the facilitator for a new one.",
    "no_room": "This session is not open right now. It may have ended, or not started yet.",
    "lobby_full": "The waiting room is full right now. Please try again in a little while.",
    "room_full": "The session is full right now. Please try again in a little while.",
    "gave_up": "We could not reach the session. Please check your connection and the link.",
    "closed": "You have left the session.",
}


def ending_text(reason: str, detail: str = "") -> str:
    return ENDINGS.get(reason, "The session has ended for you.")


def waiting_room_text(session: MemberSession) -> str:
    """Both safety codes, so member and facilitator can check each other."""
    return (f"You are in the waiting room. Your safety code is {session.safety_code}; the "
            f"facilitator may ask you to read it out. The facilitator's code is "
            f"{session.facilitator_code}: if they read theirs out, it should be the same. "
            "They will let you in soon.")


HELD_TEXT = ("The facilitator has moved you back to the waiting room for now. "
             "They may want a private word with you; please stay here.")
