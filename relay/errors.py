"""Protocol error codes, the close codes that follow them, and ProtocolError."""

from __future__ import annotations

ERROR_CODES = (
    "bad_frame",
    "bad_auth",
    "version",
    "no_room",
    "room_taken",
    "bad_invite",
    "banned",
    "forbidden",
    "not_seated",
    "room_full",
    "lobby_full",
    "rate_limited",
    "too_large",
    "internal",
)
# WebSocket close code that follows a fatal error: 4010 + position in the list.
CLOSE_CODES = {code: 4010 + i for i, code in enumerate(ERROR_CODES)}
# WebSocket close code that follows {t: closed, reason}.
CLOSED_CODES = {"removed": 4003, "denied": 4004, "room_closed": 4005}


class ProtocolError(Exception):
    """Any input that is not a valid frame. ``code`` is a protocol error code."""

    def __init__(self, code: str, msg: str = "") -> None:
        if code not in CLOSE_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(msg or code)
        self.code = code
        self.msg = msg or code
