"""Who is really connected after the facilitator's console reconnects.

Right after ``ready`` the relay announces every seated member it holds
(``presence``, docs/PROTOCOL.md "Handshake"), all in one burst. After a relay
restart it holds no one, so it announces no one, and a console that kept its
list would show everyone ``present`` until they come back (which may be never).
So whoever the relay has not announced, and the console has not seated again,
a moment after ``ready`` is shown offline; they show online again when they
come back (their knock, or the relay's ``presence``). Meanwhile nothing is
sealed to them: a direct to a member the relay does not have is dropped, and
its counter would tell the member, once back, that a message is missing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from holdspace.client import events as ev

if TYPE_CHECKING:
    from holdspace.client.facilitator_session import FacilitatorSession

# Seconds after ready by which the relay's burst of presences has long come (it
# is sent with ready itself); a member who comes back later shows online then.
ROLL_CALL_SECONDS = 2.0


async def roll_call(session: FacilitatorSession, online: set[bytes],
                    wait: float = ROLL_CALL_SECONDS) -> None:
    """Show offline those of ``online`` (online before ``ready``) not announced since."""
    session._unannounced = online
    await asyncio.sleep(wait)  # the protocol's own timer: the burst after ready
    session._unannounced = set()
    for member in online - session._seen_seated:
        if member in session.online and member in session.seated:
            session.online.discard(member)
            if member in session.cos:
                session.emit(session._facilitator_presence(member, False))
            session.emit(ev.Presence(member, "offline"))


def reachable(session: FacilitatorSession, member: bytes) -> bool:
    """Online, and not one a restarted relay may have forgotten (not announced yet)."""
    return member in session.online and (
        member not in session._unannounced or member in session._seen_seated)
