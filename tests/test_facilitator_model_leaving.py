"""The facilitator model when members leave: offline, gone, with or without a goodbye."""

from __future__ import annotations

import pytest

from holdspace.client.events import Presence
from holdspace.console.facilitator import Kind, SessionModel, State
from tests.model_helpers import direct, group, kinds, only, seat


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
