"""What the relay logs, and what it never does: no content, no addresses.

websockets' own log records (which can name addresses) are reduced to their
fixed message text; relay bugs are logged by exception type and code location.
"""

from __future__ import annotations

import logging
import traceback


def keep_fixed_text(record: logging.LogRecord) -> bool:
    """A logging filter for records from other libraries: keep only the message
    template, since arguments and tracebacks can carry addresses and headers.
    Chatter below WARNING is dropped."""
    if record.levelno < logging.WARNING:
        return False
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None:
        record.msg = f"{record.msg} ({type(exc).__name__})"
    record.args = ()
    record.exc_info = None
    record.exc_text = record.stack_info = None
    record.__dict__.pop("websocket", None)  # websockets attaches the connection
    return True


# websockets logs through this logger. At WARNING it also skips its per-frame
# debug work; the filter strips what it does log down to fixed text.
websockets_log = logging.getLogger("holdspace.relay.server.websockets")
websockets_log.setLevel(logging.WARNING)
if keep_fixed_text not in websockets_log.filters:
    websockets_log.addFilter(keep_fixed_text)


def log_bug(log: logging.Logger, where: str, exc: BaseException) -> None:
    """Log a relay bug by exception type and code location only: the exception's
    message could quote frame contents (a key, a room id)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("internal error in %s: %s\n%s", where, type(exc).__name__, frames.rstrip())
