"""Two consoles in one room: the lead's, and a co-facilitator's that joined
with the lead's co-facilitator link (docs/PROTOCOL.md, "Co-facilitators").
Real relay, real sessions, both consoles driven by their keys; nothing
sleeps: every wait is a bounded poll of an app or of a member's events."""

from __future__ import annotations

import stat

from holdspace.cli import main
from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink, parse_invite
from holdspace.console.app import FacilitatorApp
from holdspace.console.co_actions import REMOVED
from holdspace.console.cofacilitation import CO_LINK_TEXT, LEAD_BACK, LEAD_GONE
from holdspace.console.config import ConsoleConfig, load_identity
from holdspace.console.launch import co_start
from holdspace.console.screens.co_waiting import CoWaitingScreen
from holdspace.console.screens.invite_link import LinkScreen
from holdspace.console.screens.remove import RemoveScreen
from holdspace.console.screens.safeguarding import SafeguardingScreen
from holdspace.console.widgets.chat import ChatPanel
from holdspace.console.widgets.participants import FACILITATOR_MARK, ParticipantsTable
from holdspace.console.widgets.session_header import SessionHeader
from holdspace.ui.ask_text import AskTextScreen
from holdspace.ui.choice import ChoiceScreen
from tests.session_helpers import FAST
from tests.ui_helpers import (
    attention_lines,
    chat_text,
    dialog_text,
    knock_and_agree,
    modal,
    people,
    running_co_console,
    running_console,
    seat,
    select_item,
    select_vk,
    static_text,
    until,
)


def header(app) -> str:
    return static_text(app.query_one(SessionHeader))


def table_line(app, name: str) -> str:
    """A person's line of the people table as drawn, the marker column first."""
    table = app.query_one(ParticipantsTable)
    return next(text.plain for text in table.texts if f"{name} " in text.plain)


async def let_in(lead, lead_pilot, co, co_pilot, name: str = "Jo") -> None:
    """The lead lets the co-facilitator in with a, then y in the dialog."""
    await until(lead_pilot, lambda: any("wants to join as your co-facilitator" in line
                                        for line in attention_lines(lead)), "the co-facilitator's knock")
    await select_item(lead_pilot, lead, "wants to join as your co-facilitator")
    await lead_pilot.press("a")
    await modal(lead_pilot, lead, ChoiceScreen)
    await lead_pilot.press("y")
    await until(co_pilot, lambda: co.co.promoted and not isinstance(co.screen, CoWaitingScreen),
                f"{name}'s console to be let in")


async def co_lets_in(co, co_pilot, members, link, name: str):
    """A member knocks with ``link`` and agrees; the co-facilitator's a lets them in."""
    member, watch = await members.knock(link, name)
    await member.agree()
    await until(co_pilot, lambda: any(p.agreed for p in co.model.participants.values()
                                      if p.vk == member.identity.vk), f"{name} agreed, on Jo's console")
    await select_item(co_pilot, co, "waiting to join")
    await co_pilot.press("a")
    await watch.expect(ev.Admitted)
    return member, watch


async def test_o_shows_the_co_facilitator_link_once_with_plain_words_and_writes_the_file(relay, tmp_path):
    path = tmp_path / "co-link"
    async with running_console(relay.url, co_invite_file=path) as (app, pilot):
        await until(pilot, lambda: path.exists(), "the co-facilitator link file")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert parse_invite(path.read_text().strip()).facilitator_vk == app.session.identity.vk
        await pilot.press("o")
        screen = await modal(pilot, app, LinkScreen, "#link-terminal")
        text = dialog_text(screen)
        assert CO_LINK_TEXT in text and "holdspace console --co-facilitator" in text
        # Seen by hand at 120 columns: the link is cut at the box's edge, so say how to get it whole.
        assert "scrolls sideways if it is wider than the box; t copies it whole" in text
        link = screen.links["terminal"]
        assert link in text and not screen.query("#link-web")  # a console link only
        assert path.read_text() == link + "\n"  # the newest one
        assert link != app.invite.link
        await pilot.press("t")
        assert app.clipboard == link


async def test_a_co_facilitator_is_let_in_only_by_an_explicit_yes_and_both_headers_say_who(relay):
    async with running_console(relay.url) as (lead, lead_pilot):
        link = await lead.session.create_co_invite()
        async with running_co_console(link, "Jo") as (co, co_pilot):
            # The co-facilitator waits, reading its code out, and checking the lead's.
            waiting = await modal(co_pilot, co, CoWaitingScreen, "#codes")
            await until(co_pilot, lambda: co.session.safety_code in dialog_text(waiting), "the codes")
            said = dialog_text(waiting)
            assert f"Read your code to the facilitator: {co.session.safety_code}" in said
            assert f"Theirs should be: {lead.session.safety_code}" in said
            await co_pilot.press("c", "x", "o", "a")  # nothing to act on yet: the keys wait
            assert co.screen is waiting and len(co.screen_stack) == 2

            await until(lead_pilot, lambda: any("Jo wants to join as your co-facilitator" in line
                                                for line in attention_lines(lead)), "the knock")
            [line] = [line for line in attention_lines(lead) if "co-facilitator" in line]
            assert line.startswith("++") and co.session.safety_code in line
            await select_item(lead_pilot, lead, "wants to join as your co-facilitator")
            await lead_pilot.press("a")
            dialog = await modal(lead_pilot, lead, ChoiceScreen)
            assert (f"Jo wants to join as your co-facilitator. Their safety code: "
                    f"{co.session.safety_code} — ask them to read it to you.") in dialog_text(dialog)
            await lead_pilot.press("n")  # not now: nothing happens
            await until(lead_pilot, lambda: len(lead.screen_stack) == 1, "the dialog to close")
            assert not co.co.promoted and isinstance(co.screen, CoWaitingScreen)

            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: header(co).startswith("co-facilitator | "), "the co header")
            await until(lead_pilot, lambda: people(lead).get("Jo") == "co-facilitator", "Jo marked")
            assert table_line(lead, "Jo").startswith(FACILITATOR_MARK)
            assert "co-facilitator" not in header(lead) and "0 in the group" in header(lead)
            assert "Jo is your co-facilitator." in lead.notes


async def test_a_trigger_shows_on_both_and_ack_on_one_shows_handling_on_the_other(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        ann, _ = await seat(lead_pilot, lead, members, "Ann")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await ann.trigger("the story about the car")
            for app, pilot in ((lead, lead_pilot), (co, co_pilot)):
                await until(pilot, lambda app=app: any("is finding this hard: the story about the car"
                                                       in line for line in attention_lines(app)),
                            "the trigger on both panels")
            await select_item(co_pilot, co, "is finding this hard")
            await co_pilot.press("enter")
            await until(lead_pilot, lambda: any("finding this hard" in line and "Jo (co-facilitator) "
                                                "is handling this" in line for line in attention_lines(lead)),
                        "the lead's panel to say Jo is handling it")
            assert not any("finding this hard" in line for line in attention_lines(co))  # acked there


async def test_each_console_marks_the_other_facilitators_lines_and_no_members(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        ann, _ = await seat(lead_pilot, lead, members, "Ann")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: "Ann" in people(co), "Ann on Jo's console")
            await co.session.chat("Hello, I am Jo")
            await ann.chat("Jo: Hello, I am Jo")  # a member writing the same words
            await lead.session.chat("Welcome, everyone")
            for app, pilot, said in ((lead, lead_pilot, "Jo: Hello, I am Jo"),
                                     (co, co_pilot, "Facilitator: Welcome, everyone")):
                await until(pilot, lambda app=app, said=said: marked(app, said), f"{said!r} marked")
                await until(pilot, lambda app=app: "Ann: Jo: Hello, I am Jo" in chat_text(app, "group"),
                            "Ann's line")
                assert not marked(app, "Ann:")


def marked(app, text: str) -> bool:
    """A group chat line with ``text`` carries the facilitator's mark, in its own column."""
    return any(line.startswith(FACILITATOR_MARK) and text in line
               for line in app.query_one("#group", ChatPanel).lines())


async def test_when_the_lead_drops_the_co_facilitator_says_so_and_lets_a_member_in(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            invite = lead.invite
            await lead.session.stop()  # the lead's connection goes
            await until(co_pilot, lambda: co.query_one("#co-line").display and LEAD_GONE in
                        static_text(co.query_one("#co-line")), "the drop line")
            await until(co_pilot, lambda: header(co).startswith("co-facilitator, keeping the room | "),
                        "the co header to say so")

            kai, kai_w = await co_lets_in(co, co_pilot, members, invite, "Kai")
            await kai_w.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                               and any(m["vk"] == kai.identity.vk for m in e.body["members"]))


async def test_nothing_done_to_members_is_done_to_a_facilitator(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        await knock_and_agree(lead_pilot, lead, members, "Ann")
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: any(p.role == "facilitator" for p in co.model.participants.values()),
                        "the lead on Jo's console")
            await select_vk(co_pilot, co, lead.session.identity.vk, "the lead")
            for key in ("h", "c", "s", "x"):
                await co_pilot.press(key)
                assert len(co.screen_stack) == 1, key
            assert co.notes[-1].endswith("is a facilitator: that is for members.")
            await co_pilot.press("o")
            assert co.notes[-1] == "Only the lead facilitator can make a co-facilitator link."


async def test_the_co_facilitators_invite_link_pins_the_lead_and_lets_members_in(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await lead.session.stop()  # Jo keeps the room, and hands out links
            await co_pilot.press("i")
            screen = await modal(co_pilot, co, LinkScreen, "#link-terminal")
            link = parse_invite(screen.links["terminal"])
            assert link.facilitator_vk == lead.session.identity.vk  # members trust the lead
            assert f"The lead facilitator's safety code: {lead.session.safety_code}" in dialog_text(screen)
            await co_pilot.press("enter")
            await co_lets_in(co, co_pilot, members, link, "Kai")


async def test_a_dropped_lead_connection_that_comes_back_is_said_both_ways(relay):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await lead.session.drop_link()  # as a network fault would; it reconnects
            await until(co_pilot, lambda: LEAD_BACK in chat_text(co, "group"), "the lead back")
            said = chat_text(co, "group")
            assert said.index(LEAD_GONE) < said.index(LEAD_BACK)
            await until(co_pilot, lambda: not co.query_one("#co-line").display, "the drop line to go")
            await until(co_pilot, lambda: header(co).startswith("co-facilitator | "), "the co header")


async def test_what_the_co_facilitator_does_the_leads_console_follows(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            kai, kai_w = await knock_and_agree(lead_pilot, lead, members, "Kai")
            await until(co_pilot, lambda: any("waiting to join" in line for line in attention_lines(co)),
                        "Kai's knock on Jo's console")
            await select_item(co_pilot, co, "waiting to join")
            await co_pilot.press("a")
            await kai_w.expect(ev.Admitted)
            await until(lead_pilot, lambda: people(lead).get("Kai") == "present", "Kai present on the lead's")
            assert "Jo (co-facilitator) let Kai in." in lead.notes
            assert not any("Kai is waiting" in line for line in attention_lines(lead))


def test_the_command_refuses_what_cannot_be_a_co_facilitator_link(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["console", "--co-facilitator", "ws://127.0.0.1:1/not-a-link"]) == 2
    assert "That is not a co-facilitator link" in capsys.readouterr().out
    link = "ws://127.0.0.1:1/AAAAAAAAAAAAAAAAAAAAAA#" + "A" * 43 + "." + "A" * 22
    assert main(["console", "--co-facilitator", link, "--relay", "ws://127.0.0.1:1"]) == 2
    assert "leave out --relay" in capsys.readouterr().out
    own = load_identity()  # the lead's own link, opened with the lead's own key
    mine = InviteLink("ws://127.0.0.1:1", b"r" * 16, own.vk, b"s" * 16).link
    assert main(["console", "--co-facilitator", mine]) == 2
    assert "made with this computer's own facilitator key" in capsys.readouterr().out


async def test_the_co_facilitators_keys_act_on_members_as_the_leads_do(relay, members):
    config = ConsoleConfig(resources="Samaritans: 116 123, any time.")
    async with running_console(relay.url) as (lead, lead_pilot):
        ann, ann_w = await seat(lead_pilot, lead, members, "Ann")
        bob, bob_w = await seat(lead_pilot, lead, members, "Bob")
        async with running_co_console(await lead.session.create_co_invite(), "Jo", config) as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await until(co_pilot, lambda: {"Ann", "Bob"} <= set(people(co)), "Ann and Bob on Jo's console")

            await ann.hand(True)
            await until(co_pilot, lambda: people(co).get("Ann", "").startswith("hand raised"), "Ann's hand")
            await co_pilot.press("n")
            floor = await ann_w.expect(ev.GroupMessage, lambda e: e.kind == "floor")
            assert floor.sender == co.session.identity.vk

            await select_vk(co_pilot, co, ann.identity.vk, "Ann")
            await co_pilot.press("s")
            await modal(co_pilot, co, SafeguardingScreen)
            await co_pilot.press("2", "r")  # risk to themselves; send the resources
            sent = await ann_w.expect(ev.ResourcesSent)
            assert sent.text == "Samaritans: 116 123, any time."
            await co_pilot.press("escape")

            await co_pilot.press("c")
            await modal(co_pilot, co, AskTextScreen, "#answer")
            await co_pilot.press("enter")
            await ann_w.expect(ev.DirectMessage, lambda e: e.kind == "check_in")

            await select_vk(co_pilot, co, bob.identity.vk, "Bob")
            await co_pilot.press("h")
            await bob_w.expect(ev.Held)
            await until(lead_pilot, lambda: people(lead).get("Bob") == "in waiting room (held)",
                        "Bob held, on the lead's console too")
            await co_pilot.press("x")
            await modal(co_pilot, co, RemoveScreen, "#minutes")
            await co_pilot.press("enter")
            assert (await bob_w.expect(ev.SessionEnded)).reason == "removed"
            await until(lead_pilot, lambda: "Bob" not in people(lead), "Bob gone from the lead's console")


async def test_a_restarted_lead_lets_its_co_facilitator_back_and_takes_the_room_back(relay, members):
    async with running_console(relay.url) as (lead, lead_pilot):
        ann, ann_w = await seat(lead_pilot, lead, members, "Ann")
        identity, room, invite = lead.session.identity, lead.session.room, lead.invite
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await lead.session.stop()  # the lead's console goes; Jo keeps the room
            await until(co_pilot, lambda: LEAD_GONE in chat_text(co, "group"), "the drop line")

            def restart() -> FacilitatorSession:
                return FacilitatorSession(relay.url, identity, room=room, restarted=True,
                                          invites=[invite], **FAST)

            async with running_console(relay.url, session=restart) as (again, again_pilot):
                await select_item(again_pilot, again, "wants to join as your co-facilitator")
                await again_pilot.press("a")
                dialog = await modal(again_pilot, again, ChoiceScreen)
                assert "Jo was your co-facilitator before your console restarted" in dialog_text(dialog)
                await again_pilot.press("y")
                await until(co_pilot, lambda: LEAD_BACK in chat_text(co, "group"), "the lead back")
                # Jo vouched for Ann: she is in the group again without a knock to decide.
                await until(again_pilot, lambda: people(again).get("Ann") == "present", "Ann present")
                await until(again_pilot, lambda: people(again).get("Jo") == "co-facilitator", "Jo marked")
                await ann.chat("still here")
                await until(again_pilot, lambda: "Ann: still here" in chat_text(again, "group"),
                            "Ann's words on the restarted console")


async def test_without_a_name_the_co_facilitators_console_asks_for_one_first(relay):
    async with running_console(relay.url) as (lead, lead_pilot):
        link = await lead.session.create_co_invite()
        leaving = FacilitatorApp(ConsoleConfig(), None, co_start=co_start(link, Identity.generate(), ""))
        async with leaving.run_test() as pilot:
            await modal(pilot, leaving, AskTextScreen, "#answer")
            await pilot.press("escape")
            await until(pilot, lambda: not leaving.is_running, "the console to close")
        assert leaving.session is None  # nothing was sent

        app = FacilitatorApp(ConsoleConfig(), None, co_start=co_start(link, Identity.generate(), "", **FAST))
        async with app.run_test() as pilot:
            await modal(pilot, app, AskTextScreen, "#answer")
            await pilot.press(*"Robin", "enter")
            await until(lead_pilot, lambda: any("Robin wants to join as your co-facilitator" in line
                                                for line in attention_lines(lead)), "Robin's knock")
            await app.session.stop()


def test_no_key_of_the_main_screen_ends_or_leaves_the_session_in_the_quit_dialog():
    """q then a habitual key must not end the session: the quit dialog's f (end
    for everyone) and l (leave) do nothing on the main screen."""
    keys = {key for binding in FacilitatorApp.BINDINGS for key in binding.key.split(",")}
    assert "o" in keys and not keys & {"f", "l"}


async def test_a_co_facilitator_link_used_already_says_so_and_closes(relay):
    async with running_console(relay.url) as (lead, lead_pilot):
        link = await lead.session.create_co_invite()
        async with running_co_console(link, "Jo"):
            await until(lead_pilot, lambda: any("Jo wants to join" in line for line in attention_lines(lead)),
                        "Jo's knock")
            again = FacilitatorApp(ConsoleConfig(), None, co_start=co_start(link, Identity.generate(), "Sam"))
            said: list[str] = []
            close = again.exit
            again.exit = lambda *args, **kwargs: (said.append(kwargs.get("message", "")),  # type: ignore[method-assign]
                                                  close(*args, **kwargs))
            async with again.run_test() as pilot:
                await until(pilot, lambda: not again.is_running, "the second console to close")
            assert again.return_code == 1
            assert said and said[0].startswith("This co-facilitator link no longer works")


async def test_the_lead_can_remove_a_co_facilitator_who_is_told_plainly(relay):
    async with running_console(relay.url) as (lead, lead_pilot):
        async with running_co_console(await lead.session.create_co_invite(), "Jo") as (co, co_pilot):
            await let_in(lead, lead_pilot, co, co_pilot)
            await select_vk(lead_pilot, lead, co.session.identity.vk, "Jo")
            await lead_pilot.press("x")
            dialog = await modal(lead_pilot, lead, RemoveScreen, "#minutes")
            # Not a member's removal: no 1-to-1 (h cannot hold a facilitator), and it says what it ends.
            said = static_text(dialog.query_one("#what-happens"))
            assert "(h)" not in said and "stops being your co-facilitator" in said, said
            await lead_pilot.press("enter")
            await until(co_pilot, lambda: REMOVED in co.notes,
                        "Jo told")
            # Seen by hand: Jo's q then offered to end the session for everyone, or to come back.
            await co_pilot.press("q")
            quit_dialog = await modal(co_pilot, co, ChoiceScreen, "Button")
            assert not {"end", "leave"} & {b.name for b in quit_dialog.query("Button")}
            assert "has ended for you" in dialog_text(quit_dialog)
            await until(lead_pilot, lambda: "Jo" not in people(lead), "Jo gone from the lead's table")
