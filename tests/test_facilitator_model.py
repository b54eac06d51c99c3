"""The facilitator's session model (console/facilitator.py), without a screen.

Time is plain numbers: the model never reads a clock, so nothing here sleeps.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from holdspace.client.events import (
    Connected,
    ConnectionLost,
    DirectMessage,
    GroupMessage,
    Knock,
    Presence,
    RosterChanged,
)
from holdspace.console.facilitator import Kind, Place, SessionModel, State

CODE = "1234 5678 9012"
FACILITATOR = b"F" * 32


def vk_of(name: str) -> bytes:
    return name.encode().ljust(32, b".")


def knock(m: SessionModel, name: str, t: float, agree: bool = False) -> bytes:
    vk = vk_of(name)
    m.apply(Knock(vk, name, "test", CODE), t)
    if agree:
        direct(m, vk, "agree", t)
    return vk


def seat(m: SessionModel, name: str, t: float = 0) -> bytes:
    vk = knock(m, name, t, agree=True)
    m.note_admitted(vk, t)
    return vk


def direct(m: SessionModel, vk: bytes, kind: str, t: float, **body) -> None:
    m.apply(DirectMessage(vk, kind, body), t)


def group(m: SessionModel, vk: bytes, kind: str, t: float, **body) -> None:
    m.apply(GroupMessage(vk, kind, body), t)


def kinds(m: SessionModel, t: float) -> list[Kind]:
    return [item.kind for item in m.attention(t)]


def only(m: SessionModel, t: float):
    items = m.attention(t)
    assert len(items) == 1, items
    return items[0]


# --- urgency -----------------------------------------------------------------


def test_attention_orders_one_of_each_kind_by_urgency_not_arrival():
    m = SessionModel(check_in_minutes=5, offline_grace_seconds=60)
    names = ["Val", "Lee", "Ola", "Mo", "Pat", "Kim", "Rui", "Ari", "Sam", "Bea", "Ana"]
    vk = {name: seat(m, name) for name in names}
    # Mostly least urgent first, so arrival order cannot pass for urgency order.
    direct(m, vk["Val"], "step_out", 600)  # overdue by t=1100
    direct(m, vk["Lee"], "step_out", 1000)  # still within its check-in time
    direct(m, vk["Ola"], "check_in_reply", 1001, status="ok")
    group(m, vk["Mo"], "hand", 1002, up=True)
    knock(m, "Jo", 1003)
    direct(m, vk["Pat"], "private", 1004, text="can we talk after?")
    m.apply(Presence(vk["Rui"], "gone"), 1005)
    m.add_risk_cue(vk["Ari"], "self-harm", "high", "I can't go on", 1006)
    direct(m, vk["Sam"], "trigger", 1007, note="the last story")
    direct(m, vk["Bea"], "help", 1008)
    direct(m, vk["Ana"], "check_in_reply", 1009, status="support")
    m.apply(Presence(vk["Kim"], "offline"), 1090)  # dropped 10 s ago

    items = m.attention(1100)

    assert [i.kind for i in items] == [
        Kind.HELP, Kind.SUPPORT, Kind.TRIGGER, Kind.RISK, Kind.CHECK_IN_DUE,
        Kind.LEFT_WITHOUT_WORD, Kind.OFFLINE, Kind.PRIVATE, Kind.KNOCK, Kind.HAND,
        Kind.CHECK_IN_REPLY, Kind.STEP_OUT,
    ]
    assert [i.summary for i in items] == [
        "Bea is asking for help now",
        "Ana asked for support now",
        "Sam is finding this hard: the last story",
        'Ari wrote something that may need a safeguarding check (self-harm, high): "I can\'t go on"',
        "Val stepped out 8 min ago — check in now",
        "Rui left without saying goodbye",
        "Kim went offline just now — they may be reconnecting",
        "Pat sent you a private message: can we talk after?",
        f"Jo is waiting to join — safety code {CODE} — has not accepted the group agreement yet",
        "Mo raised a hand — waiting 1 min",
        "Ola answered your check-in: doing okay",
        "Lee stepped out 1 min ago",
    ]
    assert {i.kind for i in items if i.urgent} == {
        Kind.HELP, Kind.SUPPORT, Kind.TRIGGER, Kind.RISK, Kind.CHECK_IN_DUE, Kind.LEFT_WITHOUT_WORD,
    }


def test_support_reply_goes_to_the_top_and_shares_it_with_help_oldest_first():
    m = SessionModel()
    sam, ana, bea = seat(m, "Sam"), seat(m, "Ana"), seat(m, "Bea")
    direct(m, sam, "trigger", 10)
    knock(m, "Jo", 20)
    direct(m, ana, "check_in_reply", 30, status="support", text="I need to talk")
    direct(m, bea, "help", 40)

    items = m.attention(50)

    assert [i.kind for i in items] == [Kind.SUPPORT, Kind.HELP, Kind.TRIGGER, Kind.KNOCK]
    assert items[0].summary == "Ana asked for support now: I need to talk"
    assert items[0].urgent


# --- step-outs and check-ins -------------------------------------------------


@pytest.mark.parametrize("minutes", [2, 5])
def test_step_out_becomes_check_in_due_at_exactly_check_in_minutes(minutes):
    m = SessionModel(check_in_minutes=minutes)
    lee = seat(m, "Lee")
    direct(m, lee, "step_out", 100, note="getting some air")
    due = 100 + minutes * 60

    before = only(m, due - 0.5)
    assert before.kind is Kind.STEP_OUT and not before.urgent
    assert before.summary == f"Lee stepped out {minutes - 1} min ago: getting some air"
    assert m.take_new_urgent(due - 0.5) == []
    assert m.participants[lee].state is State.STEPPED_OUT

    after = only(m, due)
    assert after.kind is Kind.CHECK_IN_DUE and after.urgent and after.id == before.id
    assert after.summary == f"Lee stepped out {minutes} min ago: getting some air — check in now"
    assert [i.id for i in m.take_new_urgent(due)] == [after.id]
    assert m.take_new_urgent(due + 1) == []  # the bell rings once


def test_back_resolves_the_step_out_even_when_overdue():
    m = SessionModel(check_in_minutes=5)
    lee = seat(m, "Lee")
    direct(m, lee, "step_out", 0)
    assert kinds(m, 400) == [Kind.CHECK_IN_DUE]

    direct(m, lee, "back", 410)

    assert m.attention(1000) == []
    assert m.participants[lee].state is State.PRESENT


def test_acknowledging_the_running_timer_does_not_hide_check_in_due():
    m = SessionModel(check_in_minutes=5)
    lee = seat(m, "Lee")
    direct(m, lee, "step_out", 0)
    assert m.acknowledge(only(m, 10).id, 10)
    assert m.attention(299) == []

    assert kinds(m, 300) == [Kind.CHECK_IN_DUE]


def test_checking_in_restarts_the_timer_and_silence_makes_it_due_again():
    m = SessionModel(check_in_minutes=5)
    lee = seat(m, "Lee")
    direct(m, lee, "step_out", 0)
    first = m.take_new_urgent(300)[0]

    m.note_check_in_sent(lee, 310)

    waiting = only(m, 320)
    assert waiting.kind is Kind.STEP_OUT
    assert waiting.summary == "Lee stepped out 5 min ago — you checked in just now"
    again = only(m, 610)
    assert again.kind is Kind.CHECK_IN_DUE
    assert [i.id for i in m.take_new_urgent(610)] == [again.id] != [first.id]
    assert m.stats.check_ins_sent == 1


def test_reply_back_soon_shows_and_restarts_the_timer():
    m = SessionModel(check_in_minutes=5)
    lee = seat(m, "Lee")
    direct(m, lee, "step_out", 0)
    m.note_check_in_sent(lee, 300)
    direct(m, lee, "check_in_reply", 360, status="soon", text="two minutes")

    assert kinds(m, 600) == [Kind.CHECK_IN_REPLY, Kind.STEP_OUT]
    assert m.attention(600)[0].summary == "Lee answered your check-in: back soon: two minutes"
    assert Kind.CHECK_IN_DUE in kinds(m, 660)


# --- leaving -----------------------------------------------------------------


def test_offline_without_goodbye_escalates_to_left_without_a_word():
    m = SessionModel(offline_grace_seconds=60)
    kim = seat(m, "Kim")
    m.apply(Presence(kim, "offline"), 10)

    dropped = only(m, 20)
    assert dropped.kind is Kind.OFFLINE and not dropped.urgent
    assert m.participants[kim].state is State.OFFLINE

    left = only(m, 70)
    assert left.kind is Kind.LEFT_WITHOUT_WORD and left.urgent
    assert left.summary == "Kim went offline without saying goodbye"
    assert m.take_new_urgent(70) == [left]


def test_member_coming_back_online_resolves_the_offline_item():
    m = SessionModel(offline_grace_seconds=60)
    kim = seat(m, "Kim")
    m.apply(Presence(kim, "offline"), 10)
    m.apply(Presence(kim, "online"), 100)

    assert m.attention(100) == []
    assert m.participants[kim].state is State.PRESENT


def test_seat_given_up_without_goodbye_rings_at_once_even_if_drop_was_acknowledged():
    m = SessionModel(offline_grace_seconds=60)
    kim = seat(m, "Kim")
    m.apply(Presence(kim, "offline"), 10)
    m.acknowledge(only(m, 11).id, 11)

    m.apply(Presence(kim, "gone"), 20)

    left = only(m, 20)
    assert left.kind is Kind.LEFT_WITHOUT_WORD
    assert left.summary == "Kim left without saying goodbye"
    assert m.participants[kim].state is State.GONE


@pytest.mark.parametrize("drop", ["offline", "gone"])
def test_goodbye_then_leaving_makes_no_item(drop):
    m = SessionModel(offline_grace_seconds=60)
    kim = seat(m, "Kim")
    group(m, kim, "bye", 10)
    m.apply(Presence(kim, drop), 11)

    assert m.attention(1000) == []


def test_a_stepped_out_member_who_drops_is_watched_by_the_step_out_timer_alone():
    m = SessionModel(check_in_minutes=5, offline_grace_seconds=60)
    lee = seat(m, "Lee")
    direct(m, lee, "step_out", 0)
    m.apply(Presence(lee, "offline"), 10)

    assert kinds(m, 200) == [Kind.STEP_OUT]
    assert kinds(m, 300) == [Kind.CHECK_IN_DUE]


# --- raised hands --------------------------------------------------------------


def test_hand_queue_is_oldest_first_with_wait_seconds():
    m = SessionModel()
    lee, mo, ana = seat(m, "Lee"), seat(m, "Mo"), seat(m, "Ana")
    group(m, mo, "hand", 10, up=True)
    group(m, ana, "hand", 20, up=True)
    group(m, lee, "hand", 5, up=True)
    group(m, mo, "hand", 30, up=True)  # raising again keeps the place in the queue

    assert [(h.name, h.waited) for h in m.hand_queue(100)] == [("Lee", 95), ("Mo", 90), ("Ana", 80)]
    assert m.oldest_hand() == lee
    assert [i.vk for i in m.attention(100)] == [lee, mo, ana]

    group(m, mo, "hand", 110, up=False)
    assert [h.name for h in m.hand_queue(120)] == ["Lee", "Ana"]
    assert m.stats.hands_raised == 3


def test_giving_the_floor_lowers_the_oldest_hand_and_clears_its_item():
    m = SessionModel()
    lee, mo = seat(m, "Lee"), seat(m, "Mo")
    group(m, lee, "hand", 5, up=True)
    group(m, mo, "hand", 10, up=True)

    m.note_floor_given(m.oldest_hand(), 20)

    assert m.oldest_hand() == mo
    assert [i.vk for i in m.attention(20)] == [mo]
    assert m.participants[lee].hand_since is None


# --- acknowledging -------------------------------------------------------------


def test_acknowledge_removes_one_item_and_a_later_event_makes_a_new_one():
    m = SessionModel()
    sam, ana = seat(m, "Sam"), seat(m, "Ana")
    direct(m, sam, "trigger", 10, note="loud noises")
    direct(m, ana, "trigger", 20)
    sams = m.attention(30)[0]
    m.take_new_urgent(30)

    assert m.acknowledge(sams.id, 30)
    assert not m.acknowledge(sams.id, 31)  # already off the panel
    assert [i.vk for i in m.attention(31)] == [ana]

    direct(m, sam, "trigger", 40, note="loud noises")
    assert [i.vk for i in m.attention(41)] == [ana, sam]
    new = m.attention(41)[1]
    assert new.id != sams.id
    assert m.take_new_urgent(41) == [new]


def test_the_same_alert_repeated_while_on_the_panel_is_shown_once():
    m = SessionModel()
    bea = seat(m, "Bea")
    for t in (10, 11, 12):
        direct(m, bea, "help", t)

    assert kinds(m, 13) == [Kind.HELP]
    assert m.stats.help_requests == 3


# --- the waiting room -------------------------------------------------------------


def test_can_admit_refuses_a_member_who_has_not_accepted_the_agreement():
    m = SessionModel()
    jo = knock(m, "Jo", 10)

    assert m.can_admit(jo) == (False, "Jo has not accepted the group agreement yet")

    direct(m, jo, "agree", 20)
    assert m.can_admit(jo) == (True, "")
    assert only(m, 20).summary == (
        f"Jo is waiting to join — safety code {CODE} — has accepted the group agreement")

    m.note_admitted(jo, 30)
    assert m.can_admit(jo) == (False, "Jo is not in the waiting room")
    assert m.can_admit(vk_of("Nobody")) == (False, "That person is not in the waiting room")


@pytest.mark.parametrize("outcome", ["admitted", "denied", "gone"])
def test_knock_leaves_the_panel_when_the_waiting_ends(outcome):
    m = SessionModel()
    jo = knock(m, "Jo", 10, agree=True)
    if outcome == "admitted":
        m.note_admitted(jo, 20)
    elif outcome == "denied":
        m.note_denied(jo, 20)
    else:
        m.apply(Presence(jo, "gone"), 20)

    assert m.attention(30) == []
    assert m.participants[jo].place is not Place.WAITING


def test_an_acknowledged_knock_comes_back_when_the_member_accepts():
    m = SessionModel()
    jo = knock(m, "Jo", 10)
    m.acknowledge(only(m, 10).id, 11)
    assert m.attention(12) == []

    direct(m, jo, "agree", 20)

    assert kinds(m, 21) == [Kind.KNOCK]


def test_knocks_repeated_by_the_relay_after_a_reconnect_change_nothing():
    m = SessionModel()
    jo = knock(m, "Jo", 10, agree=True)

    m.apply(Knock(jo, "Jo", "test", CODE), 50)

    assert m.can_admit(jo) == (True, "")
    assert [i.created for i in m.attention(60)] == [10]


# --- share of voice ----------------------------------------------------------------


def say(m: SessionModel, vk: bytes, words: int, t: float = 1) -> None:
    group(m, vk, "chat", t, text=" ".join(["word"] * words))


def test_share_of_voice_counts_member_words_only():
    m = SessionModel()
    ana, lee = seat(m, "Ana"), seat(m, "Lee")
    say(m, ana, 30)
    say(m, ana, 30)
    say(m, lee, 20)
    say(m, FACILITATOR, 500)  # our own message, echoed back

    voices = m.share_of_voice()

    assert (voices[ana].messages, voices[ana].words, voices[ana].share) == (2, 60, 0.75)
    assert (voices[lee].messages, voices[lee].words, voices[lee].share) == (1, 20, 0.25)
    assert FACILITATOR not in voices
    # Two speakers are too few to call anyone dominant or quiet.
    assert {v.flag for v in voices.values()} == {""}


def test_quiet_and_dominant_voices_are_flagged_against_the_fair_share():
    m = SessionModel()
    ana, lee, mo, sam = seat(m, "Ana"), seat(m, "Lee"), seat(m, "Mo"), seat(m, "Sam")
    say(m, ana, 60)
    say(m, lee, 20)
    say(m, mo, 20)
    assert {m.share_of_voice()[vk].flag for vk in (ana, lee, mo)} == {""}

    say(m, ana, 40)  # 100 of 140 words: more than twice a third

    voices = m.share_of_voice()
    assert voices[ana].flag == "dominant"
    assert voices[lee].flag == voices[mo].flag == "quiet"  # 1/7: under half a third
    assert voices[sam].flag == "quiet"  # has said nothing


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
