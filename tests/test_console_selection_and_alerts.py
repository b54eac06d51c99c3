"""The console's selection, acknowledgement, bell and attention panel against a real relay with real members."""

from __future__ import annotations

import time

from holdspace.console.config import ConsoleConfig
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from holdspace.ui.ask_text import AskTextScreen
from tests.conftest import ManualClock
from tests.ui_helpers import (
    attention_lines, chat_text, focus, highlighted_line, knock_and_agree, modal, people,
    running_console, seat, select_item, select_person, static_text, until,
)


# --- selection, acknowledgement, bell, what the panel shows --------------------------


async def test_selection_starts_on_the_most_urgent_item_and_moves_with_arrows_and_tab(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        # Until the panel is redrawn it still shows Bob's knock, and going back
        # to it would rightly select him.
        await until(pilot, lambda: attention_lines(app) == [], "the knocks gone from the panel")
        await select_person(pilot, app, ann)
        await focus(pilot, app, app.query_one(AttentionPanel), "shift+tab")
        assert attention_lines(app) == [] and app.selected == ann.identity.vk

        await bob.trigger("too much")
        await until(pilot, lambda: attention_lines(app), "Bob's trigger")
        await until(pilot, lambda: app.selected == bob.identity.vk, "the selection on Bob's item")
        assert highlighted_line(app) == "! Bob is finding this hard: too much"
        assert app.query_one("#private", ChatPanel).border_title == "Private with Bob"
        assert "Bob is finding this hard: too much" in chat_text(app, "private")

        # A later, less urgent item does not pull the highlight away.
        await ann.hand(True)
        await until(pilot, lambda: len(attention_lines(app)) == 2, "Ann's hand")
        for _ in range(3):  # nor does the once-a-second redraw
            app.refresh_views()
            await pilot.pause()
            assert app.selected == bob.identity.vk

        # Keys act on the selected person.
        await pilot.press("p")
        screen = await modal(pilot, app, AskTextScreen, "#question")
        assert "Private message to Bob" in static_text(screen.query_one("#question"))
        await pilot.press("escape")

        await pilot.press("down")
        await until(pilot, lambda: app.selected == ann.identity.vk, "down to Ann's hand")
        assert "Ann raised a hand" in highlighted_line(app)
        await pilot.press("up")
        await until(pilot, lambda: app.selected == bob.identity.vk, "up to Bob's trigger")
        # The ends stop the highlight: Up at the top stays on the most urgent item.
        await pilot.press("up")
        assert "Bob is finding this hard" in highlighted_line(app)
        await pilot.press("down", "down")
        assert "Ann raised a hand" in highlighted_line(app)
        await pilot.press("up")

        table = app.query_one(ParticipantsTable)
        await pilot.press("tab")
        assert app.focused is table
        await until(pilot, lambda: app.selected == table.selected_vk, "tab: the person under the cursor")
        here = table.cursor_row
        await pilot.press("down" if here == 0 else "up")
        await until(pilot, lambda: app.selected == table.selected_vk != table.vks[here],
                    "the arrow moving the selection in the table")


def drawn_row(table: ParticipantsTable, vk: bytes) -> str:
    """The people table's line for ``vk`` as it is drawn on screen (not the model)."""
    return table.render_line(1 + table.vks.index(vk) - int(table.scroll_offset.y)).text


async def test_people_table_redraws_a_changed_row_and_a_click_selects(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        bob, _ = await seat(pilot, app, members, "Bob")
        table = app.query_one(ParticipantsTable)
        await until(pilot, lambda: "present" in drawn_row(table, bob.identity.vk), "Bob drawn present")
        assert table.render_line(0).text.split() == ["Name", "Status", "Said"]

        await bob.hand(True)
        await until(pilot, lambda: "hand raised 0:0" in drawn_row(table, bob.identity.vk),
                    "Bob's drawn row showing his hand")
        assert "Ann" in drawn_row(table, ann.identity.vk)
        assert "hand" not in drawn_row(table, ann.identity.vk)
        await bob.hand(False)
        await until(pilot, lambda: "hand" not in drawn_row(table, bob.identity.vk), "Bob's hand down")

        # A click on a row (the border and the heading come first) selects that person.
        row = table.vks.index(ann.identity.vk)
        await pilot.click(ParticipantsTable, offset=(3, 2 + row))
        assert app.focused is table
        await until(pilot, lambda: app.selected == ann.identity.vk, "the click selecting Ann")
        await pilot.press("end")
        await until(pilot, lambda: app.selected == table.vks[-1], "End: the last person")
        await pilot.press("home")
        await until(pilot, lambda: app.selected == table.vks[0], "Home: the first person")


async def test_enter_and_space_acknowledge_alerts(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await bob.trigger("too close to home")
        await ann.hand(True)
        await until(pilot, lambda: len(attention_lines(app)) == 2, "the trigger and the hand")
        assert attention_lines(app)[0] == "! Bob is finding this hard: too close to home"

        await select_item(pilot, app, "Bob is finding this hard")
        await pilot.press("enter")
        await until(pilot, lambda: len(attention_lines(app)) == 1, "the trigger acknowledged")
        assert "Ann raised a hand" in attention_lines(app)[0]

        # The same thing again is a new item.
        await bob.trigger("too close to home")
        await until(pilot, lambda: any("Bob is finding" in x for x in attention_lines(app)),
                    "the new trigger")

        await select_item(pilot, app, "Ann raised a hand")
        await pilot.press("space")
        await until(pilot, lambda: not any("Ann raised" in x for x in attention_lines(app)),
                    "the hand acknowledged")
        assert people(app)["Ann"].startswith("hand raised")  # still raised: only the alert went

        # Acknowledging a call for help opens the safeguarding steps for that person.
        await ann.ask_for_help()
        await until(pilot, lambda: attention_lines(app)[:1] == ["!!Ann is asking for help now"],
                    "Ann's call for help at the top")
        await select_item(pilot, app, "Ann is asking for help")
        await pilot.press("enter")
        await modal(pilot, app, SafeguardingScreen, "#title")
        assert static_text(app.screen.query_one("#title")) == "Safeguarding: Ann"
        await pilot.press("escape")
        await until(pilot, lambda: not any("help" in x for x in attention_lines(app)),
                    "the help item acknowledged")


async def test_the_bell_rings_for_urgent_items_only(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        await knock_and_agree(pilot, app, members, "Cat")
        await ann.hand(True)
        await until(pilot, lambda: len(attention_lines(app)) == 2, "a knock and a hand")
        assert app.bells == 0

        await ann.trigger()
        await until(pilot, lambda: app.bells == 1, "a bell for the trigger")
        await ann.ask_for_help()
        await until(pilot, lambda: app.bells == 2, "a bell for the call for help")
        await until(pilot, lambda: len(attention_lines(app)) == 4, "all four items")
        app.refresh_views()  # a redraw later, nothing rings again for the same items
        assert app.bells == 2


async def test_no_bell_when_turned_off(relay, members):
    async with running_console(relay.url, ConsoleConfig(bell=False)) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        await ann.trigger("hard")
        await ann.ask_for_help()
        await until(pilot, lambda: len(attention_lines(app)) == 2, "the trigger and the call for help")
        assert app.bells == 0


async def test_a_trigger_note_and_a_step_out_show_and_a_step_out_becomes_check_in_now(relay, members):
    clock = ManualClock(time.time())
    async with running_console(relay.url, clock=clock) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        bob, _ = await seat(pilot, app, members, "Bob")
        await ann.trigger("the story about the car")
        await bob.step_out("getting some air")
        await until(pilot, lambda: len(attention_lines(app)) == 2, "the trigger and the step-out")
        assert attention_lines(app) == ["! Ann is finding this hard: the story about the car",
                                        "  Bob stepped out just now: getting some air"]
        assert people(app)["Bob"] == "stepped out 0:00"
        assert app.bells == 1

        clock.advance(app.config.check_in_minutes * 60 + 1)
        await until(pilot, lambda: "check in now" in " ".join(attention_lines(app)),
                    "the step-out to become overdue")
        assert attention_lines(app)[1] == \
            "! Bob stepped out 5 min ago: getting some air — check in now"
        assert people(app)["Bob"] == "stepped out 5:01"
        assert app.bells == 2

        await bob.back()
        await until(pilot, lambda: len(attention_lines(app)) == 1, "Bob back")
        assert people(app)["Bob"] == "present"
        await select_person(pilot, app, bob)
        assert chat_text(app, "private").endswith("Bob stepped out: getting some air Bob is back")
