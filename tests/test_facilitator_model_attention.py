"""The facilitator model's attention panel: ordered by urgency, acknowledged one item at a time, repeats shown once."""

from __future__ import annotations

from holdspace.client.events import Presence
from holdspace.console.facilitator import Kind, SessionModel
from tests.model_helpers import CODE, direct, group, kinds, knock, seat


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
