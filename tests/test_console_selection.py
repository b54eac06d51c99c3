"""One selection, always (issue 11): after any key, event, redraw, removal or
modal, the one highlighted line, the private pane and the person every key acts
on are the same person. Random walks of keys, member events and modals on a real
console with a real relay and real members, the rule checked after every step;
each walk is seeded, so a failure can be replayed."""

from __future__ import annotations

import random

import pytest
from textual.screen import ModalScreen

from holdspace.console.facilitator import Place
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from tests.ui_helpers import knock_and_agree, running_console, seat, until

KEYS = ["up", "down", "home", "end", "pageup", "pagedown", "tab", "shift+tab", "enter", "space",
        "escape", "escape", "c", "p", "s", "x", "h", "i", "question_mark", "m", "g", "a", "d", "n"]
STEPS = 60


def check_one_selection(app, step: str) -> None:
    if isinstance(app.screen, ModalScreen):
        return  # a modal names its person in its own title
    lists = [app.query_one(AttentionPanel), app.query_one(ParticipantsTable)]
    drawn = [panel for panel in lists if panel.marked and panel.person is not None]
    assert len(drawn) <= 1, f"after {step}: two cursors drawn"
    shown = drawn[0].person if drawn else None
    assert app.selected == shown, f"after {step}: selected {app.selected!r}, highlighted {shown!r}"
    title = str(app.query_one("#private", ChatPanel).border_title)
    assert title == (f"Private with {app.name_of(shown)}" if shown else "Private"), f"after {step}"
    target = app.person(Place.SEATED, Place.WAITING, Place.HELD)
    assert target in (shown, None), f"after {step}: a key would act on someone not highlighted"
    if shown is None:
        assert target is None


async def member_event(rng: random.Random, member) -> str:
    what = rng.choice(["hand up", "hand down", "private", "trigger", "chat", "help"])
    if what.startswith("hand"):
        await member.hand(what == "hand up")
    elif what == "private":
        await member.private("can we talk?")
    elif what == "trigger":
        await member.trigger("too much")
    elif what == "help":
        await member.ask_for_help()
    else:
        await member.chat("hello")
    return f"{member.name}: {what}"


# At 80x24 the Needs panel scrolls, and pins its most urgent items on top.
@pytest.mark.parametrize("seed, size", [(1, (120, 40)), (2, (80, 24))])
async def test_the_highlight_the_private_pane_and_every_key_name_the_same_person(relay, members, seed,
                                                                                  size):
    rng = random.Random(seed)
    async with running_console(relay.url, size=size) as (app, pilot):
        seated = [(await seat(pilot, app, members, name))[0] for name in ("Ann", "Bob", "Cat")]
        await knock_and_agree(pilot, app, members, "Dan")
        check_one_selection(app, "setup")
        history: list[str] = []
        for _ in range(STEPS):
            if rng.random() < 0.3:
                alive = [m for m in seated if m.ended is None and m.seated]
                if not alive:
                    continue
                step = await member_event(rng, rng.choice(alive))
                await pilot.pause(0.05)
            else:
                key = rng.choice(KEYS)
                step = f"key {key}"
                await pilot.press(key)
            history.append(step)
            await pilot.pause()
            check_one_selection(app, " > ".join(history[-6:]))


async def test_after_escape_from_safeguarding_the_pane_follows_the_highlight(relay, members):
    """The issue's case: Enter on a help item opens safeguarding and takes the item
    off the panel; after Escape the highlight is on another person's item."""
    async with running_console(relay.url) as (app, pilot):
        alex, _ = await seat(pilot, app, members, "Alex")
        sam, _ = await seat(pilot, app, members, "Sam")
        await sam.hand(True)
        await alex.ask_for_help()
        await until(pilot, lambda: len(app.model.attention(app.clock())) == 2, "help and a hand")
        panel = app.query_one(AttentionPanel)
        app.set_focus(panel)  # the facilitator is in the Needs panel (Tab), where Enter acts
        await until(pilot, lambda: app.focused is panel and panel.person == alex.identity.vk
                    and app.selected == alex.identity.vk, "Alex's help highlighted")
        await pilot.press("enter")  # opens safeguarding for Alex
        await until(pilot, lambda: isinstance(app.screen, ModalScreen), "the safeguarding screen")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ModalScreen), "back to the panels")
        await pilot.pause()
        assert app.query_one(AttentionPanel).person == sam.identity.vk
        check_one_selection(app, "escape")
        assert str(app.query_one("#private", ChatPanel).border_title) == "Private with Sam"
        await pilot.press("c")
        assert "Sam" in str(app.screen.query_one("#question").content)


async def test_an_empty_list_leaves_the_cursor_of_the_other_and_nothing_is_acted_on_unseen(relay,
                                                                                          members):
    async with running_console(relay.url) as (app, pilot):
        jo, _ = await seat(pilot, app, members, "Jo")
        await until(pilot, lambda: app.model.attention(app.clock()) == [], "no items")
        await pilot.pause(0.3)
        # The attention panel is empty: the people table's cursor (on Jo) is the one drawn.
        table = app.query_one(ParticipantsTable)
        assert table.marked and app.selected == jo.identity.vk
        await pilot.press("x", "enter")  # remove Jo
        await until(pilot, lambda: jo.ended is not None, "Jo removed")
        await until(pilot, lambda: table.row_count == 0, "the table empty")
        assert app.selected is None
        before = len(app.notes)
        await pilot.press("h")
        await until(pilot, lambda: len(app.notes) > before, "a word about it")
        assert app.notes[-1] == "Select someone in the group first."
        check_one_selection(app, "h with nobody")
