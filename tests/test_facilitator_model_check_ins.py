"""The facilitator model's step-outs and check-ins: timers that fall due, restart and resolve."""

from __future__ import annotations

import pytest

from holdspace.console.facilitator import Kind, SessionModel, State
from tests.model_helpers import direct, kinds, only, seat


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
