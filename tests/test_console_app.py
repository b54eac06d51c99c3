"""Pilot tests of every console key, against a real relay with real members.

Each test drives the facilitator console with keys and checks both sides: what
the facilitator sees (attention panel, people table, chats, notifications,
which screen is open) and what the members receive (events on their Watcher).
Nothing sleeps: waits are bounded polls of the app (``until``) or of a member's
events (``Watcher.expect``).
"""

from __future__ import annotations

import stat
import time

from textual.widgets import Input, OptionList, RadioButton

from holdspace.client import events as ev
from holdspace.client.invites import parse_invite
from holdspace.console.config import ConsoleConfig
from holdspace.console.facilitator import Place
from holdspace.console.screens.help import HelpScreen
from holdspace.console.screens.remove import RemoveScreen
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from holdspace.console.widgets.session_header import SessionHeader
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from tests.conftest import ManualClock
from tests.session_helpers import Watcher
from tests.ui_helpers import (
    attention_lines,
    chat_text,
    everyone_has_roster,
    focus,
    highlighted_line,
    knock_and_agree,
    modal,
    participant,
    people,
    running_console,
    seat,
    select_item,
    select_person,
    dialog_text,
    static_text,
    until,
)


async def received_so_far(app, member, watch: Watcher) -> list[ev.Event]:
    """Everything the console has sent ``member`` so far. The relay delivers in
    order, so a private message sent now arrives after anything sent before:
    this proves a member was *not* sent something, without waiting blindly."""
    await app.session.private(member.identity.vk, "sync")
    await watch.expect(ev.DirectMessage, lambda e: e.kind == "private" and e.body["text"] == "sync")
    return watch.seen


async def nothing_more_arrived(app, member, watch: Watcher, cls: type[ev.Event]) -> None:
    assert not [e for e in await received_so_far(app, member, watch) if isinstance(e, cls)]


def is_main(app) -> bool:
    """No dialog is open: the console's own screen is showing."""
    return len(app.screen_stack) == 1


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


async def test_a_without_a_selected_knock_admits_the_longest_waiting_who_agreed(relay, members):
    async with running_console(relay.url) as (app, pilot):
        zed, _ = await seat(pilot, app, members, "Zed")
        cat, cat_w = await knock_and_agree(pilot, app, members, "Cat", agree=False)
        ann, ann_w = await knock_and_agree(pilot, app, members, "Ann")
        bob, bob_w = await knock_and_agree(pilot, app, members, "Bob")
        await select_person(pilot, app, zed)  # someone in the group, not a knock

        await pilot.press("a")

        await ann_w.expect(ev.Admitted)
        await until(pilot, lambda: people(app).get("Ann") == "present", "Ann shown as present")
        assert participant(app, bob).place is Place.WAITING
        assert participant(app, cat).place is Place.WAITING
        await nothing_more_arrived(app, bob, bob_w, ev.Admitted)
        await nothing_more_arrived(app, cat, cat_w, ev.Admitted)


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
        assert app.notes[-6:] == ["Nobody is in the waiting room.", "Nobody is in the waiting room.",
                                  "No hands are raised.", "Select someone first.",
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
        await pilot.press("d")

        ended = await dan_w.expect(ev.SessionEnded)
        assert ended.reason == "denied"
        await until(pilot, lambda: "Dan" not in people(app), "Dan gone from the people table")
        assert "Dan was not let in." in app.notes
        assert attention_lines(app) == []


# --- n: the floor ----------------------------------------------------------------------


async def test_n_gives_the_floor_to_the_oldest_raised_hand(relay, members):
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

        await pilot.press("n")

        for watch in (ann_w, bob_w):
            floor = await watch.expect(ev.GroupMessage, lambda e: e.kind == "floor")
            assert floor.body["to"] == bob.identity.vk
        await until(pilot, lambda: participant(app, bob).hand_since is None, "Bob's hand lowered")
        assert not bob.hand_up
        assert participant(app, ann).hand_since is not None
        # The panels redraw a moment later (they are rebuilt at most 5 times a second).
        await until(pilot, lambda: people(app)["Bob"] == "present", "Bob shown present")
        lines = attention_lines(app)
        assert len(lines) == 1 and "Ann raised a hand" in lines[0]
        assert people(app)["Ann"].startswith("hand raised")
        assert "* The facilitator has invited Bob to speak." in chat_text(app, "group")
        assert "Bob has the floor." in app.notes

        await pilot.press("n")
        floor = await ann_w.expect(ev.GroupMessage, lambda e: e.kind == "floor")
        assert floor.body["to"] == ann.identity.vk
        await until(pilot, lambda: attention_lines(app) == [], "no hands left")

        await pilot.press("n")
        await until(pilot, lambda: "No hands are raised." in app.notes, "the notice")


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


# --- p: private message --------------------------------------------------------------


async def test_p_sends_a_private_message_to_the_selected_person(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await select_person(pilot, app, ann)

        await pilot.press("p")
        await modal(pilot, app, AskTextScreen, "#answer")
        assert "Private message to Ann" in static_text(app.screen.query_one("#question"))
        await pilot.press(*"okay?", "enter")

        got = await ann_w.expect(ev.DirectMessage, lambda e: e.kind == "private")
        assert got.body["text"] == "okay?"
        assert app.query_one("#private", ChatPanel).border_title == "Private with Ann"
        await until(pilot, lambda: "You: okay?" in chat_text(app, "private"),
                    "the message in the private panel")
        assert not [e for e in await received_so_far(app, bob, bob_w)
                    if isinstance(e, ev.DirectMessage) and e.body.get("text") == "okay?"]

        # Her answer shows in the same conversation and as an item to deal with.
        await ann.private("yes, thank you")
        await until(pilot, lambda: "Ann: yes, thank you" in chat_text(app, "private"),
                    "Ann's answer in the private panel")
        await until(pilot, lambda: any("Ann sent you a private message: yes, thank you" in x
                                       for x in attention_lines(app)), "Ann's message on the panel")

        # The private panel's own input writes to the selected person too.
        await focus(pilot, app, app.query_one("#private", ChatPanel).query_one(Input))
        await pilot.press(*"bye", "enter")
        got = await ann_w.expect(ev.DirectMessage, lambda e: e.kind == "private")
        assert got.body["text"] == "bye"
        # Answering privately deals with her private message on the panel.
        await until(pilot, lambda: not any("private message" in x for x in attention_lines(app)),
                    "the private item handled")


# --- h: waiting room, then a -------------------------------------------------------


async def test_h_sends_the_selected_person_to_the_waiting_room_and_a_lets_them_back(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await everyone_has_roster([ann_w, bob_w], 3)
        await select_person(pilot, app, ann)

        await pilot.press("h")

        await ann_w.expect(ev.Held)
        await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                           and ann.identity.vk not in {m["vk"] for m in e.body["members"]})
        await until(pilot, lambda: people(app).get("Ann") == "in waiting room (held)",
                    "Ann shown as held")
        assert "Ann is in the waiting room. Press p to talk privately." in app.notes
        assert "1 in the group" in static_text(app.query_one(SessionHeader))
        assert app.selected == ann.identity.vk

        await pilot.press("a")

        await ann_w.expect(ev.Admitted)
        await ann_w.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                           and ann.identity.vk in {m["vk"] for m in e.body["members"]})
        await until(pilot, lambda: people(app).get("Ann") == "present", "Ann back in the group")
        # She can talk to the group again.
        await ann.chat("I'm back")
        await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "I'm back")


# --- x: remove -------------------------------------------------------------------------


async def test_x_then_enter_removes_for_the_rest_of_the_session(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")
        await everyone_has_roster([ann_w, bob_w], 3)
        await select_person(pilot, app, ann)

        await pilot.press("x")
        await modal(pilot, app, RemoveScreen, "#minutes")
        assert "Remove Ann from the session?" in static_text(app.screen.query_one(".title"))
        reasons = app.screen.query_one("#reason", OptionList)
        assert [str(o.prompt) for o in reasons.options] == app.config.removal_reasons
        await pilot.press("down", "down", "enter")

        ended = await ann_w.expect(ev.SessionEnded)
        assert ended.reason == "removed"
        assert is_main(app)
        await until(pilot, lambda: "Ann" not in people(app), "Ann gone from the people table")
        assert "Ann has been removed." in app.notes
        assert app.model.stats.removals == {app.config.removal_reasons[2]: 1}
        await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 2)

        again = await members.try_join(app.invite, "Ann", ann.identity)
        assert isinstance(again, ev.SessionEnded) and again.reason == "banned"


async def test_x_escape_removes_nobody(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        await select_person(pilot, app, ann)
        await pilot.press("x", "escape")
        assert is_main(app)
        await nothing_more_arrived(app, ann, ann_w, ev.SessionEnded)
        assert people(app)["Ann"] == "present"


async def test_x_for_a_number_of_minutes_passes_a_ban(relay_factory, clock: ManualClock, members):
    relay = await relay_factory(clock=clock)
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")

        await select_person(pilot, app, ann)
        await pilot.press("x", "tab", "tab")
        minutes = app.screen.query_one("#minutes", Input)
        assert app.focused is minutes
        await pilot.press("end", "backspace", "backspace", "5")
        assert minutes.value == "5"
        assert app.screen.query_one("#minutes-choice", RadioButton).value
        await pilot.press("enter")
        assert (await ann_w.expect(ev.SessionEnded)).reason == "removed"

        await select_person(pilot, app, bob)
        await pilot.press("x", "enter")  # for the rest of the session
        assert (await bob_w.expect(ev.SessionEnded)).reason == "removed"

        refused = await members.try_join(app.invite, "Ann", ann.identity)
        assert isinstance(refused, ev.SessionEnded) and refused.reason == "banned"
        clock.advance(5 * 60 + 1)
        back = await members.try_join(app.invite, "Ann", ann.identity)
        assert isinstance(back, ev.Connected) and back.role == "lobby"
        await until(pilot, lambda: any("Ann is waiting to join" in x for x in attention_lines(app)),
                    "Ann's new knock")
        clock.advance(24 * 3600)
        refused = await members.try_join(app.invite, "Bob", bob.identity)
        assert isinstance(refused, ev.SessionEnded) and refused.reason == "banned"


# --- s: safeguarding ---------------------------------------------------------------------


async def test_s_opens_safeguarding_for_the_selected_person(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, _ = await seat(pilot, app, members, "Ann")
        await seat(pilot, app, members, "Bob")
        await select_person(pilot, app, ann)

        await pilot.press("s")

        await modal(pilot, app, SafeguardingScreen, "#situation")
        assert static_text(app.screen.query_one("#title")) == "Safeguarding: Ann"
        situations = app.screen.query_one("#situation", OptionList)
        assert app.focused is situations and situations.option_count > 0
        await pilot.press("enter")  # choose the first situation: its steps come next
        await until(pilot, lambda: app.focused is not situations, "the situation's steps")
        assert isinstance(app.screen, SafeguardingScreen)
        await pilot.press("escape")
        assert is_main(app)


# --- i, ?, m -------------------------------------------------------------------------------


async def test_i_shows_a_working_invite_link_and_the_facilitators_safety_code(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen, "#link-web")
        body = dialog_text(app.screen)
        assert app.invite.link in body
        assert f"Your safety code: {app.session.safety_code}" in body
        await pilot.press("enter")
        assert is_main(app)

        # The link shown is the one that works.
        shown = next(word for word in body.split() if word.startswith("ws://"))
        sam, _ = await members.knock(parse_invite(shown), "Sam")
        await until(pilot, lambda: "Sam" in people(app), "Sam's knock")


async def test_i_shows_and_copies_the_web_link_too(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen, "#link-web")
        body = dialog_text(app.screen)
        web = next(word for word in body.split() if word.startswith("http://"))
        assert web == app.invite.web_link
        await pilot.press("w")
        assert is_main(app)
        assert app.clipboard == web
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen, "#link-web")
        await pilot.press("t")
        assert app.clipboard == app.invite.link
        # Either link lets a member in.
        sam, _ = await members.knock(parse_invite(web), "Sam")
        await until(pilot, lambda: "Sam" in people(app), "Sam's knock")


async def test_invite_file_is_written_readable_only_by_the_facilitator(relay, members, tmp_path):
    path = tmp_path / "private" / "invite.txt"
    async with running_console(relay.url, invite_file=path) as (app, pilot):
        # Line 1 for the terminal client, line 2 for the web page.
        assert path.read_text().splitlines() == [app.invite.link, app.invite.web_link]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        await pilot.press("i")
        await modal(pilot, app, ChoiceScreen, "#link-web")
        assert f"The link is also in {path}" in dialog_text(app.screen)


async def test_question_mark_shows_every_key(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await pilot.press("?")
        await modal(pilot, app, HelpScreen, "Static")
        text = str(app.screen.query_one("Static").content)
        listed = {line.split()[0] for line in text.splitlines() if line.startswith("  ")}
        # Every one-letter key the console binds is explained, and the contract's keys are there.
        bound = {"?" if b.key == "question_mark" else b.key for b in app.BINDINGS
                 if len(b.key) == 1 or b.key == "question_mark"}
        assert bound - listed == set()
        assert set("adncphxsmiq?") <= bound
        assert "Enter / space" in text
        await pilot.press("escape")
        assert is_main(app)


async def test_m_sends_a_quick_notice_to_the_group(relay, members):
    config = ConsoleConfig(notices=["Welcome, all.", "Ten minutes left."])
    async with running_console(relay.url, config) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        bob, bob_w = await seat(pilot, app, members, "Bob")

        await pilot.press("m")
        await modal(pilot, app, ChoiceScreen, "#title")
        body = static_text(app.screen.query_one("#title"))
        assert body == "Send a notice to the whole group"
        await pilot.press("2")

        for watch in (ann_w, bob_w):
            notice = await watch.expect(ev.GroupMessage, lambda e: e.kind == "notice")
            assert notice.body["text"] == "Ten minutes left."
        await until(pilot, lambda: "* Ten minutes left." in chat_text(app, "group"),
                    "the notice in the group chat")


# --- q: quit -----------------------------------------------------------------------------


async def test_q_asks_and_stay_keeps_the_session(relay, members):
    async with running_console(relay.url, embedded_relay=True) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        await pilot.press("q")
        await modal(pilot, app, ChoiceScreen, "Button")
        assert static_text(app.screen.query_one("#title")) == "Quit the console?"
        choices = [b.name for b in app.screen.query("Button")]
        assert "end" in choices and "stay" in choices
        assert "leave" not in choices  # an embedded relay cannot be left running
        await pilot.press("s")
        assert is_main(app)
        await ann.chat("still here")
        await until(pilot, lambda: "Ann: still here" in chat_text(app, "group"), "Ann's message")


async def test_q_then_f_ends_the_session_for_everyone(relay, members):
    async with running_console(relay.url) as (app, pilot):
        ann, ann_w = await seat(pilot, app, members, "Ann")
        waiting, waiting_w = await knock_and_agree(pilot, app, members, "Cat")
        await pilot.press("q")
        await modal(pilot, app, ChoiceScreen, "Button")
        assert {"end", "leave", "stay"} <= {b.name for b in app.screen.query("Button")}
        await pilot.press("f")  # not e: on the main screen e exports (issue 11)

        assert (await ann_w.expect(ev.SessionEnded)).reason == "room_closed"
        assert (await waiting_w.expect(ev.SessionEnded)).reason == "room_closed"
        await until(pilot, lambda: not app.is_running, "the console to close")
        assert app.session.ended.reason == "room_closed"


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


# --- the chat input types letters -----------------------------------------------------


async def test_letter_keys_in_the_group_chat_type_text(relay, members):
    async with running_console(relay.url) as (app, pilot):
        bob, bob_w = await seat(pilot, app, members, "Bob")
        ann, ann_w = await knock_and_agree(pilot, app, members, "Ann")
        group_input = app.query_one("#group", ChatPanel).query_one(Input)

        await pilot.press("g")
        assert app.focused is group_input
        await pilot.press(*"ax q?")
        assert group_input.value == "ax q?"
        assert is_main(app)
        await pilot.press("enter")

        chat = await bob_w.expect(ev.GroupMessage, lambda e: e.kind == "chat")
        assert chat.body["text"] == "ax q?"
        await until(pilot, lambda: "You: ax q?" in chat_text(app, "group"), "the echo")
        assert group_input.value == ""
        assert participant(app, ann).place is Place.WAITING
        await nothing_more_arrived(app, ann, ann_w, ev.Admitted)
        assert app.session.ended is None

        await pilot.press("escape")
        assert app.focused is app.query_one(AttentionPanel)
