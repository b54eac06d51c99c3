"""Two facilitators in the console's plain model (console/cofacilitation.py):
who is marked as a facilitator, what a handling mark does to the panel, and
what a co-facilitator's console learns from the lead's roster. No screen, no
network; time is plain numbers."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.console.cofacilitation import CO, LEAD, LEAD_BACK, LEAD_GONE, CoFacilitation
from holdspace.console.facilitator import Kind, Place, SessionModel
from holdspace.console.widgets.participants import FACILITATOR_MARK, column_widths, line, row_for, status
from tests.test_import_hygiene import loaded_after_import

ANN, JO, LEADVK, ME = b"a" * 32, b"j" * 32, b"l" * 32, b"m" * 32


def seated(model: SessionModel, vk: bytes, name: str, now: float = 0.0) -> None:
    model.apply(ev.Knock(vk, name, "test", "1111 2222 3333"), now)
    model.note_admitted(vk, now)


def lead_with_co() -> tuple[SessionModel, CoFacilitation]:
    model = SessionModel()
    co = CoFacilitation(model.participants, LEAD)
    seated(model, ANN, "Ann")
    model.apply(ev.Knock(JO, "Jo", "test", "4444 5555 6666"), 1.0)
    co.knocked(JO, True)
    model.note_knock_context(JO, "", "", co=True)
    return model, co


def test_a_co_facilitator_knock_reads_apart_from_a_members_and_ranks_above_it():
    model, co = lead_with_co()
    model.apply(ev.Knock(b"k" * 32, "Kai", "test", "7777 8888 9999"), 0.5)  # knocked first
    first, second = model.attention(2.0)
    assert first.kind is Kind.CO_KNOCK and first.vk == JO
    assert "Jo wants to join as your co-facilitator — safety code 4444 5555 6666" in first.summary
    assert "ask them to read it to you" in first.summary
    assert second.kind is Kind.KNOCK and "Kai is waiting to join" in second.summary
    assert str(status(model.participants[JO], 2.0)) == "waiting (co-facilitator) code 4444 5555 6666"
    assert model.participants[JO].role == "member"  # not marked ◆ before the lead says yes


def test_once_let_in_a_co_facilitator_is_marked_and_not_counted_as_a_member():
    model, co = lead_with_co()
    model.note_admitted(JO, 2.0)
    co.promoted_here(JO, 2.0)
    assert not [i for i in model.attention(3.0) if i.vk == JO]  # the knock is done
    assert model.counts().present == 1  # Ann; not Jo
    assert co.is_facilitator(JO) and not co.is_facilitator(ANN)
    assert co.label(JO) == co.label("Jo") == "Jo (co-facilitator)"
    assert co.shared


def test_the_facilitator_mark_has_a_column_no_name_can_reach():
    model, co = lead_with_co()
    co.promoted_here(JO, 2.0)
    seated(model, b"f" * 32, FACILITATOR_MARK + " Fake")  # a member whose name starts with ◆
    voices = model.share_of_voice()
    people = list(model.participants.values())
    rows = [row_for(p, voices, 3.0) for p in people]
    widths = column_widths(rows, 60)
    shown = {p.vk: line(row, widths, co.is_facilitator(p.vk)).plain for p, row in zip(people, rows)}
    assert shown[JO].startswith(FACILITATOR_MARK + "Jo") and "co-facilitator" in shown[JO]
    assert shown[b"f" * 32].startswith(" " + FACILITATOR_MARK)  # one column to the right
    assert all(not shown[vk].startswith(FACILITATOR_MARK) for vk in (ANN, b"f" * 32))


def test_a_handling_mark_keeps_the_item_on_the_panel_and_says_who():
    model, co = lead_with_co()
    co.promoted_here(JO, 2.0)
    model.apply(ev.DirectMessage(ANN, "trigger", {"note": "the car story"}), 5.0)
    co.handled(ANN, "trigger", "ack", "Jo", 6.0)
    [item] = [i for i in co.mark(model.attention(7.0)) if i.kind is Kind.TRIGGER]
    assert item.summary.endswith("— Jo (co-facilitator) is handling this")
    assert "Ann is finding this hard: the car story" in item.summary
    co.handled(ANN, "trigger", "done", "Jo", 8.0)
    [item] = [i for i in co.mark(model.attention(9.0)) if i.kind is Kind.TRIGGER]
    assert item.summary.endswith("— Jo (co-facilitator) has dealt with this")


def test_a_mark_is_about_what_was_there_then_not_what_comes_later():
    model, co = lead_with_co()
    co.promoted_here(JO, 2.0)
    co.handled(ANN, "help", "taking", "Jo", 5.0)
    model.apply(ev.DirectMessage(ANN, "help", {}), 6.0)  # asks again, after
    [item] = [i for i in co.mark(model.attention(7.0)) if i.kind is Kind.HELP]
    assert "handling" not in item.summary
    co.handled(ANN, "safeguarding", "taking", "Jo", 8.0)  # the workflow covers the call for help
    [item] = [i for i in co.mark(model.attention(9.0)) if i.kind is Kind.HELP]
    assert "Jo (co-facilitator) is handling this" in item.summary


def test_a_check_in_from_the_other_facilitator_covers_a_trigger_and_a_step_out():
    model, co = lead_with_co()
    co.promoted_here(JO, 2.0)
    model.apply(ev.DirectMessage(ANN, "trigger", {"note": "the car story"}), 5.0)
    model.apply(ev.DirectMessage(ANN, "step_out", {}), 5.5)
    co.handled(ANN, "check_in", "taking", "Jo", 6.0)  # Jo checked in with Ann
    marked = {i.kind: i.summary for i in co.mark(model.attention(7.0))}
    assert marked[Kind.TRIGGER].endswith("— Jo (co-facilitator) is handling this")
    assert marked[Kind.STEP_OUT].endswith("— Jo (co-facilitator) is handling this")


def test_a_co_facilitator_that_goes_leaves_what_it_was_handling_to_nobody_and_its_finished_finished():
    model, co = lead_with_co()
    co.promoted_here(JO, 2.0)
    model.apply(ev.DirectMessage(ANN, "trigger", {}), 5.0)
    model.apply(ev.DirectMessage(ANN, "help", {}), 5.0)
    co.handled(ANN, "help", "taking", "Jo", 6.0, JO)
    co.handled(ANN, "trigger", "done", "Jo", 6.0, JO)
    co.handled(ANN, "private", "ack", "Lee", 6.0, b"e" * 32)  # another facilitator's stays
    co.release(JO)
    marked = {i.kind: i.summary for i in co.mark(model.attention(7.0))}
    assert "handling" not in marked[Kind.HELP]
    assert marked[Kind.TRIGGER].endswith("— Jo (co-facilitator) has dealt with this")
    assert (ANN, "private") in co.marks


def test_the_other_facilitators_floor_lowers_the_hand_here_and_a_members_does_nothing():
    model, co = lead_with_co()
    co.promoted_here(JO, 2.0)
    model.note_admitted(JO, 2.0)
    seated(model, b"k" * 32, "Kim")
    for vk in (ANN, b"k" * 32):
        model.apply(ev.GroupMessage(vk, "hand", {"up": True}), 3.0)
    model.apply(ev.GroupMessage(ANN, "floor", {"to": b"k" * 32}), 4.0)  # (a member's is refused before this)
    model.apply(ev.GroupMessage(JO, "floor", {"to": ANN}), 5.0)
    assert [(h.name, h.since) for h in model.hand_queue(6.0)] == [("Kim", 3.0)]
    assert [i.vk for i in model.attention(6.0) if i.kind is Kind.HAND] == [b"k" * 32]


def test_an_unknown_item_or_state_marks_nothing():
    model, co = lead_with_co()
    model.apply(ev.DirectMessage(ANN, "trigger", {}), 5.0)
    co.handled(ANN, "everything", "ack", "Jo", 6.0)
    co.handled(ANN, "trigger", "owned", "Jo", 6.0)
    assert co.marks == {}


def test_a_co_facilitators_console_learns_names_and_roles_from_the_lead_roster():
    model = SessionModel()
    co = CoFacilitation(model.participants, CO)
    assert not co.promoted and co.is_co
    roster = ((LEADVK, "Alex", "facilitator"), (ME, "Jo", "cofacilitator"), (ANN, "Ann", "member"))
    co.roster(roster, ME, 1.0)
    assert ME not in model.participants  # never ourselves
    assert model.participants[LEADVK].role == LEAD and co.label(LEADVK) == "Alex (lead facilitator)"
    ann = model.participants[ANN]
    assert (ann.name, ann.place, ann.role) == ("Ann", Place.SEATED, "member")
    assert model.counts().present == 1


def test_the_lead_going_and_coming_back_is_said_once_each_way():
    model = SessionModel()
    co = CoFacilitation(model.participants, CO)
    co.facilitator(LEADVK, "Alex", LEAD, True, 0.0)
    assert co.lead_seen(True) == ""
    assert co.lead_seen(False) == LEAD_GONE
    assert not model.participants[LEADVK].online
    assert co.lead_seen(False) == ""
    assert co.lead_seen(True) == LEAD_BACK


def test_the_model_loads_no_screen():
    loaded = loaded_after_import("holdspace.console.cofacilitation")
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}


def test_a_briefing_shows_each_open_item_once_from_when_it_began():
    from holdspace.console.briefing import take_briefing

    model = SessionModel()
    seated(model, ANN, "Ann")
    model.apply(ev.Knock(b"w" * 32, "Wyn", "test", "1111 2222 3333"), 0.0)
    model.apply(ev.DirectMessage(ANN, "help", {}), 100.0)  # Ann wrote to us too
    take_briefing(model, (b"w" * 32,), ((ANN, "help", 1), (ANN, "hand", 90), (ANN, "trigger", 30)), 101.0)
    assert model.can_admit(b"w" * 32) == (True, "")
    assert [(i.kind, i.created) for i in model.attention(101.0)] == [
        (Kind.HELP, 100.0), (Kind.TRIGGER, 71.0), (Kind.KNOCK, 0.0), (Kind.HAND, 11.0)]
    assert model.hand_queue(101.0)[0].waited == 90
    [help_item] = [i for i in model.attention(101.0) if i.kind is Kind.HELP]
    model.acknowledge(help_item.id, 102.0)
    take_briefing(model, (), ((ANN, "help", 2),), 103.0)  # the lead's word on the one we dealt with
    assert Kind.HELP not in [i.kind for i in model.attention(103.0)]
    take_briefing(model, (), ((ANN, "help", 0),), 400.0)  # a new request, later
    assert Kind.HELP in [i.kind for i in model.attention(400.0)]
