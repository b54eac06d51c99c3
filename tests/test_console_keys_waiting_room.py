"""Console keys a and d on the waiting room, against a real relay with real members: let in, not now, and saying why not."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.console.facilitator import Place
from holdspace.console.widgets.session_header import SessionHeader
from tests.console_checks import is_main, nothing_more_arrived, received_so_far
from tests.ui_helpers import (
    attention_lines, knock_and_agree, participant, people, running_console, seat, select_item,
    select_person, static_text, until,
)


# --- a: let in ---------------------------------------------------------------------------


async def test_a_admits_the_selected_knock(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await knock_and_agree(pilot, app, members, "Ann")
        bob, bob_w = await knock_and_agree(pilot, app, members, "Bob")
        await until(pilot, lambda: len(attention_lines(app)) == 2, "two knocks on the panel")
        first, second = attention_lines(app)
        assert "Ann is waiting to join" in first and ann.safety_code in first
        assert "has accepted the group agreement" in first
        assert "Bob is waiting to join" in second and bob.safety_code in second
        assert people(app)["Bob"] == f"waiting (agreed) code {bob.safety_code}"
        assert "2 waiting" in static_text(app.query_one(SessionHeader))

        await select_item(pilot, app, "Bob is waiting")
        assert app.selected == bob.identity.vk
        await pilot.press("a")

        await bob_w.expect(ev.Admitted)
        await until(pilot, lambda: people(app).get("Bob") == "present", "Bob shown as present")
        assert "Bob is in the group." in app.notes
        assert not any("Bob is waiting" in line for line in attention_lines(app))
        header = static_text(app.query_one(SessionHeader))
        assert "end-to-end encrypted" in header and "1 in the group" in header and "1 waiting" in header
        # Ann, who waited longer but was not selected, is still waiting.
        assert participant(app, ann).place is Place.WAITING
        await nothing_more_arrived(app, ann, ann_w, ev.Admitted)


async def test_a_and_d_with_no_knock_highlighted_act_on_nobody_and_say_so(relay, members):
    async with running_console(relay.url) as (app, pilot):
        zed, _ = await seat(pilot, app, members, "Zed")
        cat, cat_w = await knock_and_agree(pilot, app, members, "Cat", agree=False)
        ann, ann_w = await knock_and_agree(pilot, app, members, "Ann")
        await select_person(pilot, app, zed)  # someone in the group, not a knock

        await pilot.press("a", "d")

        said = "Highlight someone in the waiting room first, then press {}."
        await until(pilot, lambda: app.notes[-2:] == [said.format("a"), said.format("d")],
                    "a word saying what to do")
        assert participant(app, ann).place is Place.WAITING
        assert participant(app, cat).place is Place.WAITING
        assert app.selected == zed.identity.vk
        for member, watch in ((ann, ann_w), (cat, cat_w)):
            seen = await received_so_far(app, member, watch)
            assert not [e for e in seen if isinstance(e, (ev.Admitted, ev.SessionEnded))]


async def test_a_refuses_someone_who_has_not_agreed_and_says_why(relay, members):
    async with running_console(relay.url) as (app, pilot):
        cat, cat_w = await knock_and_agree(pilot, app, members, "Cat", agree=False)
        await until(pilot, lambda: app.selected == cat.identity.vk, "Cat's knock selected")
        (line,) = attention_lines(app)
        assert "Cat is waiting to join" in line and "has not accepted the group agreement yet" in line
        assert people(app)["Cat"] == f"waiting (reading agreement) code {cat.safety_code}"

        await pilot.press("a")

        await until(pilot, lambda: "Cat has not accepted the group agreement yet" in app.notes,
                    "the reason to be shown")
        assert participant(app, cat).place is Place.WAITING
        await nothing_more_arrived(app, cat, cat_w, ev.Admitted)
        assert cat.role == "lobby"

        # Once she accepts, the same key lets her in.
        await cat.agree()
        await until(pilot, lambda: participant(app, cat).agreed, "Cat's agreement to arrive")
        await pilot.press("a")
        await cat_w.expect(ev.Admitted)


async def test_keys_with_nobody_to_act_on_say_why(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("a", "d", "n", "p", "x", "s")
        await until(pilot, lambda: len(app.notes) >= 7, "a word for each key")
        floor = "Highlight someone in the group first (their raised hand, or their name), then press n."
        assert app.notes[-6:] == ["Nobody is in the waiting room.", "Nobody is in the waiting room.",
                                  floor, "Select someone first.",
                                  "Select someone first.", "Select someone first."]
        assert is_main(app)

        # Someone waiting is not someone in the group: check-in and hold say so.
        ann, ann_w = await knock_and_agree(pilot, app, members, "Ann")
        await until(pilot, lambda: app.selected == ann.identity.vk, "Ann's knock selected")
        await pilot.press("c", "h")
        await until(pilot, lambda: app.notes[-2:] == ["Select someone in the group first."] * 2,
                    "the reason")
        assert is_main(app)
        assert participant(app, ann).place is Place.WAITING
        await nothing_more_arrived(app, ann, ann_w, ev.Held)


# --- d: not now ----------------------------------------------------------------------


async def test_d_denies_the_knock(relay, members):
    async with running_console(relay.url) as (app, pilot):
        dan, dan_w = await knock_and_agree(pilot, app, members, "Dan")
        await until(pilot, lambda: app.selected == dan.identity.vk, "Dan's knock highlighted")
        await pilot.press("d")

        ended = await dan_w.expect(ev.SessionEnded)
        assert ended.reason == "denied"
        await until(pilot, lambda: "Dan" not in people(app), "Dan gone from the people table")
        assert "Dan was not let in." in app.notes
        assert attention_lines(app) == []
