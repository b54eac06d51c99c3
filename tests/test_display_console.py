"""The console against what hostile members send (issue 10, "On screen" and the
waiting room): escapes and controls shown, never obeyed; a message of several
lines stays one message; names that pose as the facilitator or as another
member are told apart; a waiting-room flood stays in the knock items, rings no
bell; a link gone astray is replaced in one step. Real relay, real sessions,
the console driven with Pilot, and what its widgets draw inspected."""

from __future__ import annotations

import unicodedata

from holdspace.client import events as ev
from holdspace.client.display import FACILITATOR_MARK, UNNAMED
from holdspace.client.identity import Identity
from holdspace.console import records
from holdspace.console.attention_queue import Kind
from holdspace.console.config import ConsoleConfig, write_private
from holdspace.console.facilitator import SessionModel
from holdspace.console.safeguarding import SafeguardingLog
from holdspace.console.screens.invite_link import LinkScreen
from holdspace.console.widgets.chat import ChatLog, ChatPanel
from holdspace.console.widgets.participants import ParticipantsTable
from tests.ui_helpers import (
    attention_lines,
    dialog_text,
    modal,
    people,
    running_console,
    screen_lines,
    seat,
    until,
)

ESCAPES = "\x1b[2J\x1b[3;5HFacilitator: trust me\x1b]0;title\x07\u202eevil\u202c z\u200bw"
SPOOF = "ok\n(private) Facilitator: please send me your home address"


def unsafe(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs")]


def drawn(panel: ChatPanel) -> list[str]:
    """The chat lines exactly as the panel draws them, gutter included."""
    panel.lines()  # flush what is pending
    return [strip.text.rstrip() for strip in panel.query_one(ChatLog).lines]


async def test_escapes_and_several_lines_from_a_member_are_shown_not_obeyed(relay, members):
    async with running_console(relay.url) as (app, pilot):
        sam, _ = await seat(pilot, app, members, "Sam")
        group = app.query_one("#group", ChatPanel)
        await sam.chat(ESCAPES)
        await sam.chat(SPOOF)
        await sam.private(SPOOF)
        await until(pilot, lambda: any("home address" in line for line in drawn(group)),
                    "the spoof in the group chat")
        lines = drawn(group)
        assert not unsafe("".join(lines))
        assert any("Sam: \ufffd[2J\ufffd[3;5HFacilitator: trust me" in line for line in lines)
        first = next(i for i, line in enumerate(lines) if line.endswith("Sam: ok"))
        # The second line of Sam's message sits under it, indented, with no mark.
        assert lines[first + 1].startswith("      (private) Facilitator: please send")
        assert not any(line.startswith(FACILITATOR_MARK) for line in lines)

        # The facilitator's own lines carry the mark, in its own column.
        await pilot.press("g", *"hello all", "enter")
        await until(pilot, lambda: any(line.startswith(f"{FACILITATOR_MARK} You: hello all")
                                       for line in drawn(group)), "the facilitator's line, marked")

        # The private panel and the attention panel show the same text, safely.
        await until(pilot, lambda: any("home address" in line for line in attention_lines(app)),
                    "the private message as an alert")
        assert not unsafe("".join(attention_lines(app)))
        app.select(sam.identity.vk)
        private = app.query_one("#private", ChatPanel)
        await until(pilot, lambda: any("home address" in line for line in drawn(private)),
                    "the private panel")
        assert not unsafe("".join(drawn(private)))
        assert not any(line.startswith(FACILITATOR_MARK) for line in drawn(private))
        assert not unsafe("".join(screen_lines(app)))


async def test_names_that_pose_as_the_facilitator_or_someone_else_are_told_apart(relay, members):
    async with running_console(relay.url) as (app, pilot):
        await seat(pilot, app, members, "Sam")
        posers = ["Facilitator", "Facilit\u200bator", "Sam", "S\u202eam", "Ann\nBob", "\x1b[2J"]
        sessions = []
        for name in posers:
            member, watch = await members.knock(app.invite, name)
            await member.agree()
            sessions.append((member, watch))
        await until(pilot, lambda: len(app.model.participants) == 1 + len(posers), "the knocks")
        names = [app.model.participants[m.identity.vk].name for m, _ in sessions]
        assert names == [UNNAMED, f"{UNNAMED} (2)", "Sam (2)", "Sam (3)", "Ann Bob", "[2J"]
        table = app.query_one(ParticipantsTable)
        await until(pilot, lambda: len(people(app)) == 1 + len(posers), "everyone in the table")
        assert not unsafe(" ".join(people(app)))
        assert table.row_count == 1 + len(posers)  # "Ann\nBob" split no row

        # Members see the same names in the roster, and the facilitator's apart.
        for member, _ in sessions[:3]:
            await app.admit(member.identity.vk)
        _, watch = sessions[2]
        roster = await watch.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                                    and len(e.body["members"]) == 5)
        listed = [(m["name"], m["role"]) for m in roster.body["members"]]
        assert listed == [(app.session.name, "facilitator"), ("Sam", "member"),
                          (UNNAMED, "member"), (f"{UNNAMED} (2)", "member"), ("Sam (2)", "member")]


async def test_a_waiting_room_flood_stays_in_the_knock_items_and_rings_no_bell(relay, members):
    async with running_console(relay.url) as (app, pilot):
        strangers = []
        for n in range(12):
            member, _ = await members.knock(app.invite, f"Stranger {n}")
            strangers.append(member)
        for n, member in enumerate(strangers):
            await member.ask_for_help()
            await member.trigger("let me in")
            await member.private(f"I want to kill myself {n}")
        await until(pilot, lambda: all(f"I want to kill myself {n}" in " ".join(attention_lines(app))
                                       for n in range(12)), "what they wrote, in their knocks")
        await pilot.pause(0.3)  # a refresh that would ring has run
        items = app.model.attention(app.clock())
        assert [i.kind for i in items] == [Kind.KNOCK] * 12  # one per person
        assert not any(i.urgent for i in items)
        assert app.bells == 0
        assert app.model.stats.help_requests == 0 and not app.model.stats.risk_cues

        for member in strangers:
            await member.stop()
        await until(pilot, lambda: attention_lines(app) == [], "their knocks gone with them")
        assert app.bells == 0


async def test_a_new_link_in_one_step_and_the_old_one_stops_working(relay, members):
    async with running_console(relay.url) as (app, pilot):
        old = app.invite
        await pilot.press("i")
        screen = await modal(pilot, app, LinkScreen)
        assert old.link in dialog_text(screen)
        await pilot.press("n")
        await until(pilot, lambda: app.invite is not old and isinstance(app.screen, LinkScreen)
                    and app.invite.link in dialog_text(app.screen),
                    "the new link shown")
        refused = await members.try_join(old, "Late", identity=None)
        assert isinstance(refused, ev.SessionEnded) and refused.reason == "bad_invite", refused
        member, _ = await members.knock(app.invite, "On time")
        await until(pilot, lambda: member.identity.vk in app.model.participants, "a knock on the new link")


def test_exported_records_read_back_without_control_characters(tmp_path, capsys):
    """`holdspace records open` prints what a member once typed: never as controls."""
    log = SafeguardingLog(ConsoleConfig())
    me = Identity.generate()
    sam = Identity.generate().vk
    record = log.open(sam, "Sam", "risk_to_self")
    log.ask_consent(record, "a crisis line", "I'm worried about you")
    log.consent_answered(sam, "yes", {"where": "\x1b[2J12 Oak Road\nNote: all fine", "contact": "\x07Mo"})
    write_private(tmp_path / "facilitator.key", me.seed)
    written = records.export(tmp_path, model=SessionModel(), log=log, identity=me, records=True,
                             summary_too=False, clock=log.clock)
    assert records.open_records_command(written.records, tmp_path / "facilitator.key") == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\ufffd[2J12 Oak Road Note: all fine" in shown  # no line of its own


async def test_notifications_show_what_a_relay_says_without_control_characters(relay):
    async with running_console(relay.url) as (app, pilot):
        app.post_message(app.SessionEvent(ev.RelayError("forbidden", "\x1b[2Jno\x07 \u202eway")))
        await until(pilot, lambda: any("no" in n.message for n in app._notifications), "the toast")
        toast = next(n.message for n in app._notifications if "no" in n.message)
        assert toast == "The relay refused that: \ufffd[2Jno\ufffd way"
        assert not unsafe("".join(screen_lines(app)))
