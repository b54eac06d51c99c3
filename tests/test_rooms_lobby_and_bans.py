"""relay.rooms as plain state: knock, admit, hold and deny; lobby and seat caps; bans."""

from __future__ import annotations

import os

from rooms_helpers import ALICE, BOB, FAC, KNOCK, Conn, invite, make, refused, seated

from holdspace.relay.rooms import Rooms


# --- lobby, seats, hold -------------------------------------------------------------------


def test_knock_admit_hold_and_deny():
    rooms, fac, room_id = make()
    alice = Conn("alice")
    rooms.join(alice, ALICE, room_id, invite(rooms, fac), KNOCK, 0.0)
    assert rooms.party(alice).role == "lobby"
    assert rooms.admit(fac, ALICE) == (alice, 0)
    assert rooms.party(alice).role == "member"
    assert rooms.hold(fac, ALICE) is alice
    assert rooms.party(alice).role == "lobby"
    assert rooms.rooms[room_id].lobby[ALICE].knock == KNOCK  # shown again on reconnect
    assert rooms.deny(fac, ALICE) is alice
    assert rooms.party(alice) is None
    with refused("not_seated"):
        rooms.admit(fac, ALICE)


def test_controls_need_the_right_place_and_the_facilitator():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    with refused("not_seated"):
        rooms.deny(fac, ALICE)  # seated, not waiting
    with refused("not_seated"):
        rooms.hold(fac, BOB)
    with refused("forbidden"):
        rooms.admit(alice, BOB)
    with refused("forbidden"):
        rooms.close(alice)
    with refused("forbidden"):
        rooms.remove(fac, FAC, 0.0)


def test_lobby_and_seat_caps():
    rooms, fac, room_id = make(max_lobby=1, max_seated=1)
    rooms.join(Conn("a"), ALICE, room_id, invite(rooms, fac), KNOCK, 0.0)
    with refused("lobby_full"):
        rooms.join(Conn("b"), BOB, room_id, invite(rooms, fac), KNOCK, 0.0)
    rooms.admit(fac, ALICE)
    rooms.join(Conn("b"), BOB, room_id, invite(rooms, fac), KNOCK, 0.0)
    with refused("room_full"):
        rooms.admit(fac, BOB)


def test_the_facilitator_key_cannot_join_as_a_member():
    rooms, fac, room_id = make()
    with refused("forbidden"):
        rooms.join(Conn("x"), FAC, room_id, invite(rooms, fac), KNOCK, 0.0)


def test_join_unknown_room():
    with refused("no_room"):
        Rooms().join(Conn("a"), ALICE, os.urandom(16), os.urandom(16), KNOCK, 0.0)


# --- bans --------------------------------------------------------------------------------------


def test_ban_with_expiry():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    assert rooms.remove(fac, ALICE, now=10.0, ban=60).conn is alice
    assert rooms.party(alice) is None
    with refused("banned"):
        rooms.join(Conn("a2"), ALICE, room_id, invite(rooms, fac), KNOCK, 69.0)
    assert rooms.join(Conn("a3"), ALICE, room_id, invite(rooms, fac), KNOCK, 70.0).role == "lobby"


def test_ban_for_the_room_lifetime_and_of_someone_absent():
    rooms, fac, room_id = make()
    assert rooms.remove(fac, BOB, now=0.0).conn is None
    with refused("banned"):
        rooms.join(Conn("b"), BOB, room_id, invite(rooms, fac), KNOCK, 10.0**9)


def test_removing_an_offline_seated_member_frees_its_seat():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    rooms.disconnect(alice, 1.0)
    assert rooms.remove(fac, ALICE, now=2.0).conn is None
    assert ALICE not in rooms.rooms[room_id].seats


def test_prune_forgets_finished_bans():
    rooms, fac, room_id = make()
    rooms.remove(fac, ALICE, now=0.0, ban=5)
    rooms.remove(fac, BOB, now=0.0)
    rooms.prune(5.0)
    assert list(rooms.rooms[room_id].bans) == [BOB]
