"""Console keys n and c against a real relay: giving the floor to a raised hand, checking in, a support reply on top."""

from __future__ import annotations

from textual.widgets import Input

from holdspace.client import events as ev
from holdspace.ui.ask_text import AskTextScreen
from tests.console_checks import is_main, received_so_far
from tests.ui_helpers import (
    attention_lines, chat_text, everyone_has_roster, knock_and_agree, modal, participant, people,
    running_console, seat, select_item, select_person, static_text, until,
)


# --- n: the floor ----------------------------------------------------------------------


async def test_n_gives_the_floor_to_the_highlighted_hand_not_the_oldest(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await everyone_has_roster([ann_w, bob_w], 3)
        await bob.hand(True)
        await until(pilot, lambda: any("Bob raised a hand" in x for x in attention_lines(app)),
                    "Bob's hand on the panel")
        await ann.hand(True)
        await until(pilot, lambda: len(attention_lines(app)) == 2, "both hands on the panel")
        assert ["Bob raised a hand" in x for x in attention_lines(app)] == [True, False]
        assert people(app)["Bob"].startswith("hand raised")

        # Ann's hand highlighted (the pane says so): n invites Ann, though Bob's is older.
        await select_item(pilot, app, "Ann raised a hand")
        assert app.selected == ann.identity.vk
        await pilot.press("n")

        for watch in (ann_w, bob_w):
            floor = await watch.expect(ev.GroupMessage, lambda e: e.kind == "floor")
            assert floor.body["to"] == ann.identity.vk
        await until(pilot, lambda: participant(app, ann).hand_since is None, "Ann's hand lowered")
        assert participant(app, bob).hand_since is not None
        # The panels redraw a moment later (they are rebuilt at most 5 times a second).
        await until(pilot, lambda: people(app)["Ann"] == "present", "Ann shown present")
        lines = attention_lines(app)
        assert len(lines) == 1 and "Bob raised a hand" in lines[0]
        assert "* The facilitator has invited Ann to speak." in chat_text(app, "group")
        assert "Ann has the floor." in app.notes

        await select_item(pilot, app, "Bob raised a hand")
        await pilot.press("n")
        floor = await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "floor")
        assert floor.body["to"] == bob.identity.vk
        await until(pilot, lambda: attention_lines(app) == [], "no hands left")

        # Anyone seated may be invited to speak, hand or not: their name highlighted.
        await select_person(pilot, app, ann)
        await pilot.press("n")
        floor = await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "floor")
        assert floor.body["to"] == ann.identity.vk


async def test_n_with_no_one_in_the_group_highlighted_sends_nothing(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        await ann.hand(True)
        await knock_and_agree(pilot, app, members, "Cy")
        await select_item(pilot, app, "Cy is waiting to join")  # Ann's hand is on the panel too

        await pilot.press("n")

        await until(pilot, lambda: any("Highlight someone in the group first" in n for n in app.notes),
                    "one plain sentence")
        assert not [e for e in await received_so_far(app, ann, ann_w)
                    if isinstance(e, ev.GroupMessage) and e.kind == "floor"]
        assert participant(app, ann).hand_since is not None


# --- c: check in -------------------------------------------------------------------------


async def test_c_opens_a_prefilled_editable_check_in(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        await select_person(pilot, app, ann)

        await pilot.press("c")
        await modal(pilot, app, AskTextScreen, "#answer")
        assert "Check in privately with Ann" in static_text(app.screen.query_one("#question"))
        prefilled = "Hi Ann, just checking in. How are you doing?"
        assert app.screen.query_one("#answer", Input).value == prefilled
        await pilot.press("escape")  # changed my mind: nothing is sent
        assert is_main(app)

        await pilot.press("c")
        await pilot.press("end", *" Ok?", "enter")

        check_in = await ann_w.expect(ev.DirectMessage, lambda e: e.kind == "check_in")
        assert check_in.body["text"] == prefilled + " Ok?"
        assert not [e for e in ann_w.seen if isinstance(e, ev.DirectMessage) and e.kind == "check_in"
                    and e is not check_in]
        assert is_main(app)
        await until(pilot, lambda: f"You checked in: {prefilled} Ok?"
                    in chat_text(app, "private"), "the check-in in the private panel")


async def test_a_support_reply_goes_to_the_top_of_the_panel(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await knock_and_agree(pilot, app, members, "Cat")
        await bob.trigger("this is close to home")
        await bob.hand(True)
        await until(pilot, lambda: len(attention_lines(app)) == 3, "trigger, knock and hand")
        await select_person(pilot, app, ann)
        await pilot.press("c", "enter")
        await ann_w.expect(ev.DirectMessage, lambda e: e.kind == "check_in")

        await ann.check_in_reply("support", "can we talk?")

        await until(pilot, lambda: len(attention_lines(app)) == 4, "the support item")
        top, *rest = attention_lines(app)
        assert top == "!!Ann asked for support now: can we talk?"
        assert ["finding this hard" in rest[0], "waiting to join" in rest[1],
                "raised a hand" in rest[2]] == [True, True, True]
        assert "Ann answered the check-in: I need support: can we talk?" in chat_text(app, "private")
