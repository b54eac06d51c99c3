"""Policy steps ticked by the actions that do them, and drawn so that a ticked
step differs from an open one in its characters, not only its colour.

Sending crisis resources (r), moving someone to the waiting room (h), from the
workflow or from the main screen, or asking their consent (c) ticks the matching
step with its time: the exported record never says "(not done)" above the time
it was done.
"""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.console.config import ConsoleConfig
from holdspace.console.facilitator import Place
from holdspace.console.records import format_records, record_dict
from holdspace.console.screens.safeguarding import SafeguardingScreen, StepList, stamp
from tests.conftest import ManualClock
from tests.test_safeguarding_workflow import ask_consent
from tests.ui_helpers import running_console, seat, select_person, static_text, until

T0 = 1_750_000_000.0


def exported(record) -> str:
    return format_records({"records": [record_dict(record)]})


def boxes(screen: SafeguardingScreen) -> list[str]:
    """The first three cells of each step as drawn: its box."""
    steps = screen.query_one("#steps", StepList)
    return [steps.render_line(y).text[:3] for y in range(steps.option_count)]


async def test_resources_and_the_waiting_room_tick_their_steps(relay, members):
    clock = ManualClock(T0)
    async with running_console(relay.url, ConsoleConfig(resources="Samaritans: 116 123"),
                               clock=clock) as (app, pilot):
        sam, watch = await seat(pilot, app, members, "Sam")
        await select_person(pilot, app, sam)
        await pilot.press("s", "2")  # risk to themselves
        screen = app.screen
        assert isinstance(screen, SafeguardingScreen)
        record = app.records.latest(sam.identity.vk)
        resources = next(i for i, s in enumerate(record.steps) if "resources" in s.text)
        private = next(i for i, s in enumerate(record.steps) if "waiting room" in s.text)

        clock.advance(60)
        await pilot.press("r")
        await watch.expect(ev.ResourcesSent)
        await until(pilot, lambda: record.steps[resources].done_at == T0 + 60, "resources ticked")
        clock.advance(60)
        await pilot.press("h")
        await watch.expect(ev.Held)
        await until(pilot, lambda: record.steps[private].done_at == T0 + 120, "waiting room ticked")

        steps = screen.query_one("#steps", StepList)
        assert set(steps.selected) == {resources, private}
        assert str(steps.get_option_at_index(private).prompt).endswith(f"(done {stamp(T0 + 120)})")
        text = exported(record)
        for index in (resources, private):
            line = next(ln for ln in text.splitlines() if record.steps[index].text in ln)
            assert line.startswith("  [x]") and "not done" not in line
        assert sum("not done" in ln for ln in text.splitlines()) == len(record.steps) - 2


async def test_asking_consent_ticks_its_step_and_the_answer_replaces_the_wait(relay, members):
    clock = ManualClock(T0)
    async with running_console(relay.url, clock=clock) as (app, pilot):
        sam, watch = await seat(pilot, app, members, "Sam")
        await select_person(pilot, app, sam)
        await pilot.press("s", "2")  # risk to themselves
        screen = app.screen
        record = app.records.latest(sam.identity.vk)
        consent = next(i for i, s in enumerate(record.steps) if "consent" in s.text)

        clock.advance(60)
        await ask_consent(pilot, app, "3")  # a crisis line
        await watch.expect(ev.ConsentRequested)
        await until(pilot, lambda: record.steps[consent].done_at == T0 + 60, "consent step ticked")
        assert screen.query_one("#steps", StepList).selected == [consent]
        assert "their answer will show here" in static_text(screen.query_one("#status"))

        clock.advance(60)
        await sam.answer_consent(True, {"where": "12 Oak Road"})
        await until(pilot, lambda: "they said yes" in static_text(screen.query_one("#consent")),
                    "the answer shown")
        status = static_text(screen.query_one("#status"))
        assert "will show here" not in status and f"Sam answered at {stamp(T0 + 120)}: yes" in status
        line = next(ln for ln in exported(record).splitlines() if record.steps[consent].text in ln)
        assert line.startswith("  [x]") and "not done" not in line


async def test_the_waiting_room_from_the_main_screen_ticks_the_open_record(relay, members):
    clock = ManualClock(T0)
    async with running_console(relay.url, clock=clock) as (app, pilot):
        sam, watch = await seat(pilot, app, members, "Sam")
        await select_person(pilot, app, sam)
        await pilot.press("s", "2", "escape")
        assert not isinstance(app.screen, SafeguardingScreen)
        record = app.records.latest(sam.identity.vk)

        clock.advance(300)
        await pilot.press("h")
        await watch.expect(ev.Held)
        await until(pilot, lambda: app.model.participants[sam.identity.vk].place is Place.HELD,
                    "Sam in the waiting room")
        assert record.steps[0].done_at == T0 + 300
        assert (T0 + 300, "moved to the waiting room for a 1-to-1") in record.actions
        await pilot.press("s")  # the workflow shows it ticked
        assert isinstance(app.screen, SafeguardingScreen)
        assert app.screen.query_one("#steps", StepList).selected == [0]


async def test_a_ticked_step_differs_from_an_open_one_without_colour(relay, members):
    async with running_console(relay.url) as (app, pilot):
        sam, _ = await seat(pilot, app, members, "Sam")
        await select_person(pilot, app, sam)
        await pilot.press("s", "5")  # another concern: three steps
        screen = app.screen
        assert boxes(screen) == ["▐ ▌"] * 3
        await pilot.press("down", "space")
        assert boxes(screen) == ["▐ ▌", "▐X▌", "▐ ▌"]
