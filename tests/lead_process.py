"""A lead facilitator's session run as its own process, so a test can kill -9
it (issue 13: "the lead killed, kill -9 of its process, not a clean close").

Run as a script: it opens a room on the relay at argv[1], prints
``LINKS <member link> <co-facilitator link>``, and lets in every co-facilitator
who knocks with its link and every member who accepts the agreement.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink, parse_invite


async def _lead(relay_url: str) -> None:
    fac = FacilitatorSession(relay_url, Identity.generate(), name="Alex", agreement="Be kind.",
                             resources="Call 999.", backoff=(0.05, 0.5))
    events = fac.subscribe()
    await fac.start()
    link, co_link = await fac.create_invite(), await fac.create_co_invite()
    print("LINKS", link.link, co_link.link, flush=True)
    while True:
        event = await events.get()
        if isinstance(event, ev.Knock) and event.cofacilitator:
            await fac.admit(event.member)
        elif isinstance(event, ev.DirectMessage) and event.kind == "agree" and event.sender in fac.waiting:
            await fac.admit(event.sender)


class LeadProcess:
    def __init__(self, proc: asyncio.subprocess.Process, link: InviteLink, co_link: InviteLink) -> None:
        self.proc = proc
        self.link = link
        self.co_link = co_link

    @classmethod
    async def start(cls, relay_url: str) -> LeadProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__)), relay_url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            line = (await proc.stdout.readline()).decode().split()
        assert line and line[0] == "LINKS", line
        return cls(proc, parse_invite(line[1]), parse_invite(line[2]))

    async def kill(self) -> None:
        """kill -9: the socket goes with no closing handshake."""
        self.proc.kill()
        await self.proc.wait()


if __name__ == "__main__":
    asyncio.run(_lead(sys.argv[1]))
