"""The safeguarding workflow, driven with keys in the console against a real
relay, with real member sessions on the other end.

Every path of the workflow: each situation shows its policy steps; ticking a
step time-stamps it; the note is kept; crisis resources, a private message and
the waiting room reach the member; consent is asked and answered yes or no by
the member, recorded either way, with details reaching the facilitator only on
yes; the records and the summary are exported from the console.
"""

from __future__ import annotations

import base64

from textual.widgets import Input, OptionList, SelectionList

from holdspace.client import events as ev
from holdspace.console import records
from holdspace.console.config import ConsoleConfig
from holdspace.console.facilitator import Place
from holdspace.console.safeguarding import SITUATIONS
from holdspace.console.screens.export import ExportScreen
from holdspace.console.screens.safeguarding import SITUATION_KEYS, SafeguardingScreen, stamp
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from tests.conftest import ManualClock
from tests.ui_helpers import (
    attention_lines,
    running_console,
    seat,
    select_item,
    select_person,
    static_text,
    until,
)

T0 = 1_750_000_000.0  # a fixed moment, so time stamps are known


def steps_shown(screen: SafeguardingScreen) -> list[str]:
    steps = screen.query_one("#steps", SelectionList)
    return [str(steps.get_option_at_index(i).prompt) for i in range(steps.option_count)]


async def open_workflow(pilot, app, member) -> SafeguardingScreen:
    await select_person(pilot, app, member)
    await pilot.press("s")
    assert isinstance(app.screen, SafeguardingScreen)
    return app.screen


async def test_each_situation_shows_the_steps_of_the_groups_policy(relay, members):
    config = ConsoleConfig(safeguarding={"steps": {"other": ["Our own first step", "And a second"]}})
    async with running_console(relay.url, config) as (app, pilot):
        sam, _ = await seat(pilot, app, members, "Sam")
        screen = await open_workflow(pilot, app, sam)
        assert static_text(screen.query_one("#title")) == "Safeguarding: Sam"
        assert app.focused is screen.query_one("#situation", OptionList)

        for number, situation in SITUATION_KEYS.items():
            await pilot.press(number)
            record = app.records.latest(sam.identity.vk)
            assert record is not None and record.situation == situation
            assert SITUATIONS[situation] in static_text(screen.query_one("#kind"))
            assert steps_shown(screen) == app.records.steps[situation]
            assert app.focused is screen.query_one("#steps")
            await pilot.press("n")  # another situation: back to the choice
            assert app.focused is screen.query_one("#situation")

        assert [r.situation for r in app.records.records] == list(SITUATIONS)
        assert app.records.steps["other"] == ["Our own first step", "And a second"]
        await pilot.press("escape")
        assert not isinstance(app.screen, SafeguardingScreen)


async def test_steps_are_time_stamped_and_every_action_reaches_the_member(relay, members):
    clock = ManualClock(T0)
    config = ConsoleConfig(resources="Samaritans: 116 123, any time.")
    async with running_console(relay.url, config, clock=clock) as (app, pilot):
        sam, watch = await seat(pilot, app, members, "Sam")
        screen = await open_workflow(pilot, app, sam)
        await pilot.press("2")  # risk to themselves
        record = app.records.latest(sam.identity.vk)
        assert record.opened_at == T0

        clock.advance(90)
        await pilot.press("down", "space")  # tick the second step
        assert record.steps[1].done_at == T0 + 90
        assert [s.done_at for s in record.steps].count(None) == len(record.steps) - 1
        assert steps_shown(screen)[1].endswith(f"(done {stamp(T0 + 90)})")
        await pilot.press("space", "space")  # untick, tick again
        assert record.steps[1].done_at == T0 + 90

        await pilot.press("w")
        assert app.focused is screen.query_one("#note", Input)
        await pilot.press(*"GP call", "enter")
        assert record.note == "GP call"
        assert app.focused is screen.query_one("#steps")

        await pilot.press("r")
        sent = await watch.expect(ev.ResourcesSent)
        assert sent.text == "Samaritans: 116 123, any time." == sam.resources

        await pilot.press("p")
        assert isinstance(app.screen, AskTextScreen)
        await pilot.press(*"I'm here", "enter")
        said = await watch.expect(ev.DirectMessage, lambda e: e.kind == "private")
        assert said.body["text"] == "I'm here"
        assert app.screen is screen  # back to the workflow

        clock.advance(60)
        await pilot.press("h")
        await watch.expect(ev.Held)
        await until(pilot, lambda: app.model.participants[sam.identity.vk].place is Place.HELD,
                    "Sam in the waiting room")
        assert record.actions == [(T0 + 90, "crisis resources sent"), (T0 + 90, "private message sent"),
                                  (T0 + 150, "moved to the waiting room for a 1-to-1")]
        assert "moved to the waiting room" in static_text(screen.query_one("#status"))
        await pilot.press("h")  # held already: said plainly, nothing breaks
        assert "not in the group" in static_text(screen.query_one("#status"))

        # Reopening shows the same record, its ticks and its note.
        await pilot.press("escape")
        await pilot.press("s")
        again = app.screen
        assert isinstance(again, SafeguardingScreen) and again.record is record
        assert again.query_one("#note", Input).value == "GP call"
        # The step ticked by hand, and those r (resources) and h (waiting room) did.
        assert again.query_one("#steps", SelectionList).selected == [0, 1, 3]


async def ask_consent(pilot, app, contact_key: str = "3") -> None:
    await pilot.press("c")
    assert isinstance(app.screen, ChoiceScreen)
    await pilot.press(contact_key)
    assert isinstance(app.screen, AskTextScreen)
    await pilot.press("enter")  # the reason as written for them


async def test_consent_yes_and_no_are_recorded_and_details_travel_only_with_yes(relay, members):
    async with running_console(relay.url) as (app, pilot):
        sam, sam_watch = await seat(pilot, app, members, "Sam")
        ana, ana_watch = await seat(pilot, app, members, "Ana")

        # A reply nobody asked for is not recorded.
        await ana.answer_consent(True, {"where": "home"})

        screen = await open_workflow(pilot, app, sam)
        await pilot.press("2")
        await ask_consent(pilot, app, "3")
        asked = await sam_watch.expect(ev.ConsentRequested)
        assert asked.contact == "a crisis line" and "worried about your safety" in asked.reason
        record = app.records.latest(sam.identity.vk)
        assert record.consent.contact == "a crisis line" and record.consent.answer == ""
        assert "waiting for their answer" in static_text(screen.query_one("#consent"))

        await sam.answer_consent(True, {"where": "12 Oak Road, Leeds", "contact": "Jo 07700 900123"})
        await until(pilot, lambda: record.consent.answer == "yes", "Sam's answer")
        assert record.consent.details == {"where": "12 Oak Road, Leeds", "contact": "Jo 07700 900123"}
        shown = static_text(screen.query_one("#consent"))
        assert "they said yes" in shown and "12 Oak Road, Leeds" in shown
        await pilot.press("escape")
        await until(pilot, lambda: any("Sam agreed to share their details" in line
                                       for line in attention_lines(app)), "the yes as an alert")

        ana.details = {"where": "4 Elm Street", "contact": "Kai"}  # held by the member only
        screen = await open_workflow(pilot, app, ana)
        await pilot.press("2")
        await ask_consent(pilot, app, "2")
        assert (await ana_watch.expect(ev.ConsentRequested)).contact == "their GP"
        await ana.answer_consent(False, ana.details)  # a "no" never carries details
        ana_record = app.records.latest(ana.identity.vk)
        await until(pilot, lambda: ana_record.consent.answer == "no", "Ana's answer")
        assert ana_record.consent.details == {}
        assert "they said no" in static_text(screen.query_one("#consent"))
        assert [c.answer for r in app.records.records for c in r.consents] == ["yes", "no"]
        await pilot.press("escape")
        await until(pilot, lambda: any("Ana said no to sharing" in line
                                       for line in attention_lines(app)), "the no as an alert")


async def test_help_and_support_come_first_and_enter_opens_the_workflow(relay, members):
    async with running_console(relay.url) as (app, pilot):
        sam, _ = await seat(pilot, app, members, "Sam")
        ana, _ = await seat(pilot, app, members, "Ana")
        await sam.trigger("that story")
        await sam.chat("Honestly some nights I feel like there's no reason to live.")
        await ana.check_in_reply("support", "finding it hard")
        await until(pilot, lambda: len(attention_lines(app)) >= 3, "three alerts")
        lines = attention_lines(app)
        assert lines[0].startswith("!!Ana asked for support now")
        assert any("Sam wrote something that may need a safeguarding check (risk to self, high; "
                   "matched \u201cno reason to live\u201d): "
                   "\"Honestly some nights I feel like there's no reason to live.\"" in line
                   for line in lines)
        assert app.model.stats.risk_cues == {"risk_to_self": 1}

        await select_item(pilot, app, "Sam wrote something")
        await pilot.press("enter")
        assert isinstance(app.screen, SafeguardingScreen) and app.screen.vk == sam.identity.vk
        await pilot.press("escape")
        await select_item(pilot, app, "Ana asked for support")
        await pilot.press("enter")
        assert isinstance(app.screen, SafeguardingScreen) and app.screen.vk == ana.identity.vk


async def test_e_exports_records_and_a_summary_that_names_no_one(relay, members, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)  # the export's default folder
    secret_words = "my brother's dog Pickles"
    async with running_console(relay.url) as (app, pilot):
        sam, _ = await seat(pilot, app, members, "Samwise Quill")
        ana, _ = await seat(pilot, app, members, "Anastasia Roe")
        await sam.chat(f"I want to kill myself, {secret_words}")
        await ana.hand(True)
        await ana.check_in_reply("support", "rough night")
        await until(pilot, lambda: app.model.stats.risk_cues, "the risk cue")
        screen = await open_workflow(pilot, app, sam)
        await pilot.press("2", "space")
        screen.record.note = "called crisis line"  # typing a note is tested above
        await pilot.press("escape")

        # Quitting warns about records not exported yet, and offers the export first.
        await pilot.press("q")
        assert "1 safeguarding record(s) have not been exported" in static_text(
            app.screen.query_one("#body"))
        await pilot.press("x")
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, ChoiceScreen)  # back to the question of quitting
        shown = static_text(app.screen.query_one("#body"))
        written = sorted(tmp_path.iterdir())
        assert len(written) == 2 and all(str(p) in shown for p in written)
        assert "have not been exported" not in shown
        await pilot.press("s")  # stay

        await pilot.press("e")  # e exports at any time; Escape writes nothing
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("escape")
        assert sorted(tmp_path.iterdir()) == written
        sealed = next(p for p in written if p.suffix == records.RECORDS_SUFFIX)
        summary = next(p for p in written if p.suffix == ".toml")
        for path in written:
            assert path.stat().st_mode & 0o777 == 0o600

        opened = records.open_records(sealed, app.session.identity)
        [record] = opened["records"]
        assert record["pseudonym"] == "Samwise Quill" and record["situation"] == "risk_to_self"
        assert record["note"] == "called crisis line" and record["steps"][0]["done_at"]

        data = summary.read_bytes()
        keys = [app.session.identity.vk, sam.identity.vk, ana.identity.vk, app.invite.room,
                app.invite.secret]
        for name in ("Samwise", "Quill", "Anastasia", "Roe"):
            assert name.encode() not in data
        for key in keys:
            for form in (key, key.hex().encode(), base64.urlsafe_b64encode(key).rstrip(b"=")):
                assert form not in data
        for text in (b"kill myself", b"Pickles", b"rough night", b"called crisis line"):
            assert text not in data
        assert b"risk_to_self = 1" in data and b"peak = 2" in data
