"""The facilitator model's header counts, statistics, names after removal or restart, session time, and what it imports."""

from __future__ import annotations

import subprocess
import sys

from holdspace.client.events import Connected, ConnectionLost, Knock, Presence, RosterChanged
from holdspace.console.facilitator import Kind, SessionModel, State
from tests.model_helpers import CODE, FACILITATOR, direct, group, kinds, knock, only, seat, vk_of


# --- header counts, statistics, names ------------------------------------------------


def test_counts_for_the_header_and_peak_attendance():
    m = SessionModel()
    ana, lee, kim, mo = seat(m, "Ana"), seat(m, "Lee"), seat(m, "Kim"), seat(m, "Mo")
    knock(m, "Jo", 1)
    direct(m, lee, "step_out", 2)
    m.apply(Presence(kim, "offline"), 3)
    m.note_held(mo, 4)

    c = m.counts()

    assert (c.present, c.stepped_out, c.offline, c.waiting, c.held) == (1, 1, 1, 1, 1)
    assert c.seated == 3
    assert m.stats.peak_attendance == 4
    assert m.participants[ana].state is State.PRESENT


def test_statistics_count_what_happened_without_naming_anyone():
    m = SessionModel()
    ana, lee, kai = seat(m, "Ana"), seat(m, "Lee"), seat(m, "Kai")
    group(m, ana, "hand", 1, up=True)
    direct(m, lee, "step_out", 2)
    m.note_check_in_sent(lee, 3)
    direct(m, lee, "check_in_reply", 4, status="ok")
    direct(m, ana, "check_in_reply", 5, status="support")
    direct(m, ana, "trigger", 6)
    direct(m, ana, "help", 7)
    m.note_removed(kai, "talking over others", 8)

    s = m.stats
    assert (s.hands_raised, s.step_outs, s.check_ins_sent, s.triggers, s.help_requests) == (1, 1, 1, 1, 1)
    assert s.check_in_replies == {"ok": 1, "support": 1}
    assert s.removals == {"talking over others": 1}
    assert s.peak_attendance == 3


def test_removal_clears_what_it_ends_but_keeps_a_call_for_help():
    m = SessionModel()
    kai = seat(m, "Kai")
    group(m, kai, "hand", 1, up=True)
    direct(m, kai, "step_out", 2)
    direct(m, kai, "help", 3)

    m.note_removed(kai, "risk to others", 4)

    assert kinds(m, 1000) == [Kind.HELP]
    assert m.participants[kai].state is State.GONE


def test_a_removed_members_messages_leave_the_panel_and_what_stays_says_they_were_removed():
    m = SessionModel()
    sam = seat(m, "Sam")
    direct(m, sam, "private", 1, text="can we talk?")
    direct(m, sam, "check_in_reply", 2, status="ok")
    direct(m, sam, "trigger", 3, note="too much")

    m.note_removed(sam, "talking over others", 4)

    (item,) = m.attention(5)
    assert item.summary == "Sam is finding this hard: too much — Sam was removed"

    # Back through a link after a timed removal: a new knock, nothing said of the removal.
    m.apply(Knock(sam, "Sam", "test", CODE), 600)
    assert not any("removed" in i.summary for i in m.attention(601))


def test_items_of_someone_who_left_say_so():
    m = SessionModel()
    ana = seat(m, "Ana")
    direct(m, ana, "private", 1, text="thanks, bye")
    group(m, ana, "bye", 2)
    m.apply(Presence(ana, "gone"), 3)
    assert only(m, 4).summary == "Ana sent you a private message: thanks, bye — Ana has left"


def test_after_a_console_restart_members_are_named_by_their_introduction():
    m = SessionModel()
    m.apply(RosterChanged(7, ((FACILITATOR, "Facilitator", "facilitator"),)), 0)
    kim = vk_of("Kim")
    m.apply(Presence(kim, "online"), 1)
    group(m, kim, "hand", 2, up=True)
    assert only(m, 3).summary == "Unnamed member raised a hand — waiting under a minute"

    direct(m, kim, "introduce", 4, name="Kim")

    assert only(m, 5).summary == "Kim raised a hand — waiting under a minute"
    assert list(m.participants) == [kim]  # the facilitator is not a row
    assert m.epoch == 7


def test_session_time_runs_from_the_first_connection():
    m = SessionModel()
    assert m.duration(50) == 0
    m.apply(Connected("facilitator", b"r" * 16, 0), 100)
    m.apply(ConnectionLost("network", 2.0), 200)
    assert m.link == "reconnecting"
    m.apply(Connected("facilitator", b"r" * 16, 5, resumed=True), 205)

    assert m.link == "connected"
    assert m.duration(400) == 300


def test_model_imports_no_ui_network_or_crypto():
    code = ("import sys, console.facilitator; "
            "print([m for m in ('textual', 'asyncio', 'websockets', 'nacl') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
