"""relay.rooms as plain state: creating and reclaiming rooms, departures, seat and room graces, closing."""

from __future__ import annotations

import os

from rooms_helpers import ALICE, BOB, FAC, KNOCK, Conn, invite, make, refused, seated

from holdspace.relay.rooms import Rooms


# --- create and reclaim -------------------------------------------------------------------


def test_create_makes_a_fresh_room_and_reclaim_keeps_it():
    rooms, fac, room_id = make()
    assert len(room_id) == 16 and len(rooms) == 1
    again = Conn("fac again")
    entered = rooms.create(again, FAC, now=1.0, room_id=room_id)
    assert entered.room.id == room_id and entered.replaced is fac
    assert rooms.party(fac) is None and rooms.party(again).role == "facilitator"


def test_another_key_cannot_take_a_room_but_a_forgotten_one_can_be_reclaimed():
    rooms, _, room_id = make()
    with refused("room_taken"):
        rooms.create(Conn("x"), BOB, now=0.0, room_id=room_id)
    fresh = Rooms()
    assert fresh.create(Conn("after restart"), FAC, 0.0, room_id=room_id).room.id == room_id


def test_max_rooms():
    rooms, _, _ = make(max_rooms=1)
    with refused("room_full"):
        rooms.create(Conn("x"), BOB, now=0.0)


# --- departures and graces ------------------------------------------------------------------


def test_seat_grace_keeps_the_seat_then_prune_reports_it_gone():
    rooms, fac, room_id = make(seat_grace=300)
    alice = seated(rooms, fac, room_id, ALICE)
    departure = rooms.disconnect(alice, now=10.0)
    assert departure.presence == "offline" and departure.vk == ALICE
    assert rooms.prune(309.0).gone == []
    back = Conn("alice back")
    assert rooms.join(back, ALICE, room_id, os.urandom(16), KNOCK, 309.0).role == "member"
    rooms.disconnect(back, now=400.0)
    pruned = rooms.prune(700.0)
    assert [(room.id, vk) for room, vk in pruned.gone] == [(room_id, ALICE)]
    with refused("bad_invite"):  # the seat is gone: back to knocking
        rooms.join(Conn("late"), ALICE, room_id, os.urandom(16), KNOCK, 701.0)


def test_leaving_with_a_normal_close_gives_up_the_seat():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    assert rooms.disconnect(alice, 1.0, left=True).presence == "gone"
    assert ALICE not in rooms.rooms[room_id].seats


def test_a_waiting_member_that_disconnects_is_gone():
    rooms, fac, room_id = make()
    bob = Conn("bob")
    rooms.join(bob, BOB, room_id, invite(rooms, fac), KNOCK, 0.0)
    assert rooms.disconnect(bob, 1.0).presence == "gone"
    assert rooms.disconnect(bob, 1.0) is None  # once only


def test_a_replaced_connection_departs_silently():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    newer = Conn("alice newer")
    assert rooms.join(newer, ALICE, room_id, os.urandom(16), KNOCK, 1.0).replaced is alice
    assert rooms.disconnect(alice, 2.0) is None
    assert rooms.party(newer).role == "member"


def test_room_grace_forgets_the_room_and_names_who_was_in_it():
    rooms, fac, room_id = make(room_grace=900)
    alice = seated(rooms, fac, room_id, ALICE)
    assert rooms.disconnect(fac, now=100.0).role == "facilitator"
    assert rooms.prune(999.0).expired == []
    pruned = rooms.prune(1000.0)
    assert [room.id for room in pruned.expired] == [room_id]
    assert pruned.expired[0].connected() == [alice]
    assert len(rooms) == 0 and rooms.party(alice) is None


def test_a_returning_facilitator_stops_the_room_grace():
    rooms, fac, room_id = make(room_grace=900)
    rooms.disconnect(fac, now=100.0)
    rooms.create(Conn("fac back"), FAC, now=500.0, room_id=room_id)
    assert rooms.prune(5000.0).expired == []


def test_close_forgets_the_room_and_returns_everyone():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    bob = Conn("bob")
    rooms.join(bob, BOB, room_id, invite(rooms, fac), KNOCK, 0.0)
    assert set(rooms.close(fac)) == {fac, alice, bob}
    assert len(rooms) == 0 and all(rooms.party(c) is None for c in (fac, alice, bob))
