"""The console burst's members process (``_members``): real MemberSessions that knock, agree and send the burst."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.burst_plan import CHATS, burst_plan
from bench.jsonlines import Out, read_line
from holdspace.client import events as ev
from holdspace.client.invites import parse_invite
from holdspace.client.member_session import MemberSession


class BenchMember(MemberSession):
    """A real member session that opens only the facilitator's group frames
    (keys, rosters): the bench does not measure members reading each other."""

    def _open_group(self, frame: dict[str, Any]) -> None:
        if frame["from"] == self.facilitator_vk:
            super()._open_group(frame)


async def _members() -> None:
    out = Out()
    cmd = await read_line()
    link = parse_invite(cmd["invite"])
    count = cmd["members"]
    members: list[BenchMember] = []
    queues: list[asyncio.Queue[ev.Event]] = []

    async def knock(i: int) -> None:
        m = BenchMember(link, f"Member {i + 1}", backoff=(0.05, 0.5))
        q = m.subscribe()
        members.append(m)
        queues.append(q)
        started = await m.start()
        if not isinstance(started, ev.Connected):
            raise RuntimeError(f"member could not connect: {started}")
        async with asyncio.timeout(30):
            while not isinstance(await q.get(), ev.AgreementOffered):
                pass
        await m.agree()

    for start in range(0, count, 16):  # the waiting room holds 32
        await asyncio.gather(*(knock(i) for i in range(start, min(count, start + 16))))
        async with asyncio.timeout(60):
            while not all(m.seated for m in members):
                await asyncio.sleep(0.02)
    out({"knocked": len(members)})
    cmd = await read_line()
    epoch = cmd["epoch"]
    async with asyncio.timeout(60):
        while not all(m.verifier is not None and m.verifier.keys.epoch >= epoch for m in members):
            await asyncio.sleep(0.02)
    out({"keyed": len(members)})

    while True:
        cmd = await read_line()
        if cmd["cmd"] == "warm":  # a few hands up, so the attention panel has items
            for m in members[: cmd["hands"]]:
                await m.hand(True)
            await m.trigger("warm-up: a hard moment")  # type: ignore[possibly-undefined]
            out({"warm": True})
        elif cmd["cmd"] == "burst":
            plans = burst_plan(cmd["events"], len(members))
            times: list[float] = []

            async def run(m: BenchMember, plan: list[str], i: int) -> None:
                for kind in plan:
                    times.append(time.monotonic())
                    if kind == "chat":
                        await m.chat(CHATS[i % len(CHATS)])
                    elif kind == "hand":
                        await m.hand(not m.hand_up)
                    elif kind == "step":
                        await (m.back() if m.stepped_out else m.step_out("getting some air"))
                    elif kind == "trigger":
                        await m.trigger("that topic is hard for me")
                    i += 1

            await asyncio.gather(*(run(m, plan, i) for i, (m, plan) in enumerate(zip(members, plans))))
            out({"sent": len(times), "first_sent": min(times), "last_sent": max(times)})
        elif cmd["cmd"] == "quit":
            break
    for m in members:
        await m.stop()


def members_main(argv: list[str]) -> None:
    asyncio.run(_members())
