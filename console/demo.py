"""`holdspace demo`: the console with six simulated members, so a newcomer sees
every panel come alive within half a minute.

The members are real MemberSessions speaking protocol v1 through a real relay
inside this process. Nothing is written anywhere; the facilitator's key is a
throwaway one, not the user's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
from dataclasses import dataclass, field

from holdspace.client import events as ev
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession
from holdspace.client.session import SessionError
from holdspace.console.app import FacilitatorApp
from holdspace.console.config import ConsoleConfig, load_identity
from holdspace.console.launch import make_session, start_embedded_relay


@dataclass
class Persona:
    name: str
    admit: bool = True  # the demo lets them in; the others wait for you
    lines: list[str] = field(default_factory=list)
    check_in_answer: tuple[str, str | None] = ("ok", None)
    consents: bool = True  # their answer if the facilitator asks consent (safeguarding, c)


PEOPLE = [
    Persona("Robin", lines=["Hi everyone, good to be back.",
                            "This week was a bit of a rollercoaster, honestly."],
            check_in_answer=("ok", "thanks for asking")),
    Persona("Sam", lines=["I've been trying the breathing thing we talked about.",
                          "Honestly some nights I feel like there's no reason to live."]),
    Persona("Ana", lines=["Hello. I might just listen tonight."],
            check_in_answer=("support", "finding it really hard tonight"), consents=False),
    Persona("Lee", lines=["Evening all."]),
    Persona("Kim", lines=["Sorry if my connection is patchy."]),
    Persona("Jo", admit=False),
]


async def _knock(link: InviteLink, persona: Persona) -> MemberSession:
    member = MemberSession(link, persona.name, client="holdspace-demo")
    queue = member.subscribe()
    await member.start()
    while not isinstance(await queue.get(), ev.AgreementOffered):
        pass
    await member.agree()
    asyncio.create_task(_answer_check_ins(member, queue, persona))
    return member


# Made up: 01632 960xxx numbers are reserved for drama in the UK.
DEMO_DETAILS = {"where": "at home, 1 Example Street", "contact": "my friend Jo, 01632 960000"}


async def _answer_check_ins(member: MemberSession, queue: asyncio.Queue[ev.Event],
                            persona: Persona) -> None:
    while member.ended is None:
        event = await queue.get()
        if isinstance(event, ev.DirectMessage) and event.kind == "check_in":
            await asyncio.sleep(1.5)
            with contextlib.suppress(SessionError):
                await member.check_in_reply(*persona.check_in_answer)
        elif isinstance(event, ev.ConsentRequested):
            await asyncio.sleep(2.0)  # a person takes a moment to decide
            with contextlib.suppress(SessionError):
                await member.answer_consent(persona.consents, DEMO_DETAILS)


async def _let_in(app: FacilitatorApp, member: MemberSession) -> None:
    """Admit through the console, and wait until the member holds the key."""
    welcomed = member.subscribe()
    try:
        await app.admit(member.identity.vk)
        async with asyncio.timeout(10):
            while not isinstance(await welcomed.get(), ev.Admitted):
                pass
    finally:
        member.unsubscribe(welcomed)


async def run_members(app: FacilitatorApp, link: InviteLink, pace: float = 1.0) -> list[MemberSession]:
    """The demo's script. ``pace`` scales every pause (tests run it fast)."""

    async def later(seconds: float) -> None:
        await asyncio.sleep(seconds * pace)

    members = {}
    for persona in PEOPLE:
        members[persona.name] = await _knock(link, persona)
        await later(0.4)
    await later(1.0)
    for persona in PEOPLE:
        if persona.admit:
            await _let_in(app, members[persona.name])
    await later(1.5)

    m = members
    script = [
        (m["Robin"], lambda s: s.chat(PEOPLE[0].lines[0])),
        (m["Lee"], lambda s: s.chat(PEOPLE[3].lines[0])),
        (m["Sam"], lambda s: s.hand(True)),
        (m["Ana"], lambda s: s.chat(PEOPLE[2].lines[0])),
        (m["Lee"], lambda s: s.step_out("need some air")),  # and never comes back
        (m["Robin"], lambda s: s.chat(PEOPLE[0].lines[1])),
        (m["Kim"], lambda s: s.hand(True)),
        (m["Robin"], lambda s: s.trigger("the part about the hospital")),
        (None, lambda s: app.check_in_with(m["Ana"].identity.vk,
                                           "Hi Ana, just checking in. How are you doing?")),
        (m["Kim"], lambda s: s.chat(PEOPLE[4].lines[0])),
        (m["Kim"], lambda s: s.stop()),  # gone offline without a word
        (m["Sam"], lambda s: s.chat(PEOPLE[1].lines[0])),
        (m["Sam"], lambda s: s.chat(PEOPLE[1].lines[1])),
    ]
    for member, act in script:
        with contextlib.suppress(SessionError):
            await act(member)
        await later(2.0)
    return list(members.values())


async def _chatter(members: list[MemberSession], pace: float) -> None:
    """Keep the room gently alive after the script."""
    words = ["Thank you for sharing that.", "That really resonates with me.",
             "I hear you.", "Same here, some weeks are like that.", "Sending support."]
    while True:
        await asyncio.sleep(random.uniform(6, 12) * pace)
        speakers = [s for s in members if s.seated and s.ended is None and s.name in ("Robin", "Ana", "Sam")]
        if speakers:
            with contextlib.suppress(SessionError):
                await random.choice(speakers).chat(random.choice(words))


def demo_config() -> ConsoleConfig:
    config = ConsoleConfig(group_name="Demo: Thursday evening group", facilitator_name="Alex")
    config.check_in_minutes = 1  # so a step-out becomes "check in now" within the demo
    return config


async def _run(port: int) -> None:
    relay = await start_embedded_relay("127.0.0.1", port)
    config = demo_config()
    session = make_session(relay.url, Identity.generate(), config)
    ready = session.subscribe()

    async def connect() -> tuple[FacilitatorSession, str]:
        return session, f"built-in relay {relay.url} (demo)"

    # Exported records are sealed to your own key, so `holdspace records open` reads them.
    app = FacilitatorApp(config, connect, embedded_relay=True, records_key=load_identity)
    script = asyncio.create_task(_drive(app, ready))
    try:
        await app.run_async()
    finally:
        script.cancel()
        await relay.stop()


async def _drive(app: FacilitatorApp, ready: asyncio.Queue[ev.Event], pace: float = 1.0) -> None:
    while not isinstance(await ready.get(), ev.Connected):
        pass
    link = await app.wait_for_invite()
    members = await run_members(app, link, pace)
    await _chatter(members, pace)


def run_demo(args: argparse.Namespace) -> int:
    print("Starting the demo: a session with six simulated members. Press q to quit.")
    asyncio.run(_run(args.port))
    return 0
