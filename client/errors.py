"""The one error the client's crypto raises, and its reasons in plain words.

Everything that goes wrong while opening or checking a frame becomes
``CryptoError(reason)``: callers turn it into a visible "could not be verified"
state, never a crash.
"""

from __future__ import annotations

# Reason codes carried by CryptoError and shown (in plain words) to the user.
REASONS = {
    "no_key": "a message arrived for a key we do not hold",
    "undecryptable": "a message could not be decrypted",
    "bad_signature": "a message had a signature that did not match its sender",
    "not_in_roster": "a message came from someone the facilitator has not let in",
    "facilitator_only": "a message only the facilitator may send came from someone else",
    "wrong_room": "a message belonged to another room",
    "wrong_epoch": "a message claimed a different key period than it was sealed with",
    "wrong_recipient": "a private message was addressed to someone else",
    "replayed": "a message was a repeat or out of order",
    "duplicate": "a message we already had came again",
    "not_from_facilitator": "a private message did not come from the facilitator",
    "stale_key": "an old or repeated key was offered",
    "bad_key": "a key was malformed",
    "malformed": "a message was malformed",
    "bad_delegation": "someone was named a co-facilitator without the facilitator's signature",
    "unexpected_rename": "someone tried to change their name in the middle of the session",
}


class CryptoError(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def plain(self) -> str:
        return REASONS.get(self.reason, "a message could not be verified")
