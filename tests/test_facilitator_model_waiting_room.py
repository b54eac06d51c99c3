"""The facilitator model's waiting room: who may be admitted, and knocks that leave or come back."""

from __future__ import annotations

import pytest

from holdspace.client.events import Knock, Presence
from holdspace.console.facilitator import Kind, Place, SessionModel
from tests.model_helpers import CODE, direct, group, kinds, knock, only, vk_of


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


def test_a_member_seated_before_a_console_restart_is_not_said_to_be_waiting_to_join():
    # Seen by hand: after "leave it running" and a restart, Sam (in the group all
    # along) showed as "Sam is waiting to join — ... has accepted the group agreement".
    m = SessionModel()
    sam = vk_of("Sam")
    m.apply(Knock(sam, "Sam", "test", CODE, returning=True), 10)
    assert only(m, 10).summary == (
        f"Sam was in the group before your console restarted — safety code {CODE} — "
        "check the code, then a lets them back in")
