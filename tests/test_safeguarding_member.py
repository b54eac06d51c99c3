"""The member's side of safeguarding: emergency details they keep (in memory,
or in a file locked with a passphrase), consent asked plainly and answered in
both clients, and crisis resources shown at once."""

from __future__ import annotations

import asyncio
import io

import pytest
from textual.widgets import Input, Static

from holdspace.client import events as ev
from holdspace.client.member_session import MemberSession
from holdspace.member import details as member_details
from holdspace.member.app import MemberApp
from holdspace.member.details import DetailsError
from holdspace.member.plain import PlainMember
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from tests.session_helpers import FAST, open_room, seat
from tests.ui_helpers import log_text, modal, static_text, until, wait_for

DETAILS = {"where": "Flat 3, 27 Birch Road, Leeds", "contact": "my sister Ruth 07700 900789"}


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    """Any details file goes to a temporary config dir, never the real one."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


# --- the details file ---------------------------------------------------------------


def test_details_file_round_trip_is_0600_and_holds_nothing_readable(tmp_path):
    path = member_details.save(DETAILS, "correct horse battery", tmp_path / "details")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    data = path.read_bytes()
    for value in (*DETAILS.values(), "Birch", "Ruth", "07700", "correct horse"):
        assert value.encode() not in data
    assert member_details.load("correct horse battery", path) == DETAILS
    assert member_details.default_path().is_relative_to(tmp_path / "config")


def test_a_wrong_passphrase_or_a_damaged_file_is_refused_plainly(tmp_path):
    path = member_details.save(DETAILS, "right", tmp_path / "details")
    with pytest.raises(DetailsError, match="passphrase does not open"):
        member_details.load("wrong", path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(DetailsError, match="passphrase does not open"):
        member_details.load("right", path)
    path.write_bytes(b"hello")
    with pytest.raises(DetailsError, match="not a holdspace details file"):
        member_details.load("right", path)
    with pytest.raises(DetailsError, match="no saved details"):
        member_details.load("right", tmp_path / "missing")
    with pytest.raises(DetailsError, match="choose a passphrase"):
        member_details.save(DETAILS, "", tmp_path / "details")


# --- the plain client ------------------------------------------------------------------


class Plain:
    """A --plain client on a real session: type lines, read what it printed."""

    def __init__(self, member: MemberSession) -> None:
        self.out = io.StringIO()
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.client = PlainMember(member, self.lines, self.out)
        self.task = asyncio.create_task(self.client.run())

    async def type(self, *lines: str) -> None:
        for line in lines:
            await self.lines.put(line)

    async def shows(self, text: str) -> None:
        await wait_for(lambda: text in self.out.getvalue(), f"{text!r} on the plain client")

    async def close(self) -> None:
        await self.lines.put(None)
        await asyncio.wait_for(self.task, 5)


@pytest.fixture
async def room(relay):
    fac, fwatch, link = await open_room(relay.url)
    yield fac, fwatch, link
    await fac.stop()


async def plain_member(fac, fwatch, link, name="Sam"):
    member = MemberSession(link, name, **FAST)
    plain = Plain(member)
    await plain.shows("Do you accept the group agreement?")
    await plain.type("yes")
    await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    await fac.admit(member.identity.vk)
    await plain.shows("The facilitator has let you in")
    return member, plain


async def test_plain_details_then_consent_yes_shares_them(room):
    fac, fwatch, link = room
    member, plain = await plain_member(fac, fwatch, link)
    await plain.type("/details")
    await plain.shows("Where are you?")
    await plain.type(DETAILS["where"])
    await plain.shows("Who should be contacted")
    await plain.type(DETAILS["contact"])
    await plain.shows("Keep them:")
    await plain.type("1")
    await plain.shows("Kept for this session")
    assert member.details == DETAILS
    assert not member_details.default_path().exists()  # nothing on disk unless asked

    await fac.send_direct(member.identity.vk, "consent_request", reason="I'm worried about you.",
                          contact="a crisis line")
    await plain.shows("The facilitator is worried about your safety and would like to contact "
                      "a crisis line.")
    await plain.shows("They say: I'm worried about you.")
    await plain.type("maybe")  # not an answer: asked again
    await wait_for(lambda: plain.out.getvalue().count("Do you agree to share") == 2, "asked again")
    await plain.type("y")
    reply = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "consent_reply")
    assert reply.body["answer"] == "yes" and reply.body["details"] == DETAILS
    await plain.shows("Thank you. You agreed")
    await plain.close()


async def test_plain_consent_no_sends_no_details_and_shows_resources(room):
    fac, fwatch, link = room
    member, plain = await plain_member(fac, fwatch, link)
    member.details = dict(DETAILS)
    await fac.send_direct(member.identity.vk, "consent_request", reason="Can I call your GP?")
    await plain.shows("would like to contact someone who can help")
    await plain.type("no")
    reply = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "consent_reply")
    assert reply.body["answer"] == "no" and "details" not in reply.body
    await plain.shows("You said no. Nothing was shared.")
    await plain.shows("Call 999.")  # the resources from the agreement

    await fac.send_direct(member.identity.vk, "resources", text="Samaritans: 116 123")
    await plain.shows("The facilitator sent you these crisis resources:\nSamaritans: 116 123")
    await plain.close()


async def test_plain_help_shows_resources_at_once_and_details_can_be_saved_and_unlocked(room):
    fac, fwatch, link = room
    member, plain = await plain_member(fac, fwatch, link)
    await plain.type("/support")  # support now (issue 11: /help lists the commands)
    await plain.shows("The facilitator has been asked to support you now.\nCall 999.")
    await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "help")

    await plain.type("/details", DETAILS["where"], "", "2", "pass phrase", "pass phrase")
    await plain.shows("Saved, locked with your passphrase")
    path = member_details.default_path()
    assert member_details.load("pass phrase", path) == {"where": DETAILS["where"]}

    member.details = {}  # a new session: only the file remembers
    await plain.type("/details", "yes", "wrong phrase")
    await plain.shows("That passphrase does not open the details file")
    await plain.type("pass phrase")  # asked again
    await plain.shows("Unlocked for this session")
    assert member.details == {"where": DETAILS["where"]}
    await plain.type("/details forget")
    await plain.shows("Your details are forgotten and the saved file is deleted.")
    assert member.details == {} and not path.exists()
    await plain.close()


# --- the full-screen client ----------------------------------------------------------------


async def test_full_screen_consent_is_asked_plainly_and_resources_are_pinned(relay):
    fac, fwatch, link = await open_room(relay.url)
    sessions: list[MemberSession] = []

    def make(name: str) -> MemberSession:
        sessions.append(MemberSession(link, name, **FAST))
        return sessions[-1]

    app = MemberApp(make, "Ana")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the agreement")
            await pilot.press("y")
            member = sessions[0]
            await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
            await fac.admit(member.identity.vk)
            await until(pilot, lambda: "let you in" in log_text(app.query_one("#log")), "Ana let in")

            await fac.send_direct(member.identity.vk, "resources", text="Samaritans: 116 123")
            panel = app.query_one("#resources", Static)
            await until(pilot, lambda: "Samaritans: 116 123" in static_text(panel),
                        "the resources sent")
            assert panel.has_class("shown")

            await fac.send_direct(member.identity.vk, "consent_request", reason="I'm worried.",
                                  contact="emergency services")
            question = await modal(pilot, app, ChoiceScreen, "#body")
            body = static_text(question.query_one("#body"))
            assert body.startswith("The facilitator is worried about your safety and would like "
                                   "to contact emergency services.")
            await pilot.press("y")
            await modal(pilot, app, AskTextScreen, "Input")
            await pilot.press(*"Park bench", "enter")
            await until(pilot, lambda: isinstance(app.screen, AskTextScreen)
                        and "Who should" in app.screen.question, "who to contact?")
            await pilot.press("enter")  # skipped
            reply = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "consent_reply")
            assert reply.body == {**reply.body, "answer": "yes", "details": {"where": "Park bench"}}

            # A passphrase is typed hidden.
            await app.run_line("/details")
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "change them?")
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, AskTextScreen), "where are you?")
            await pilot.press("enter", "enter")
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "keep them")
            await pilot.press("2")
            await until(pilot, lambda: isinstance(app.screen, AskTextScreen), "a passphrase")
            assert app.screen.query_one(Input).password
    finally:
        for member in sessions:
            await member.stop()
        await fac.stop()


async def test_a_member_session_sends_details_only_with_yes(relay):
    fac, fwatch, link = await open_room(relay.url)
    member, _ = await seat(fac, fwatch, link, "Kai")
    await member.answer_consent(False, DETAILS)
    no = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "consent_reply")
    await member.answer_consent(True, {"where": "", "contact": "Mo"})
    yes = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "consent_reply")
    assert "details" not in no.body and yes.body["details"] == {"contact": "Mo"}
    await member.stop()
    await fac.stop()
