"""Co-facilitators in relay.rooms (docs/PROTOCOL.md "Co-facilitators"), as
plain state: time is a plain number."""

from __future__ import annotations

import os

from rooms_helpers import ALICE, BOB, FAC, KNOCK, Conn, invite, make, refused, seated

CAROL = b"C" * 32
DAN = b"D" * 32


def with_co(**limits: float):
    """A room with Alice promoted to co-facilitator and Bob a seated member."""
    rooms, fac, room_id = make(**limits)
    alice = seated(rooms, fac, room_id, ALICE)
    bob = seated(rooms, fac, room_id, BOB)
    acted = rooms.promote(fac, ALICE, 0.0)
    assert acted.conn is alice and acted.here_changed
    return rooms, fac, room_id, alice, bob


def test_the_lead_promotes_a_seated_member():
    rooms, fac, room_id, alice, bob = with_co()
    room = rooms.rooms[room_id]
    assert rooms.party(alice).role == "cofacilitator" and rooms.party(bob).role == "member"
    assert room.here() == [FAC, ALICE] and room.facilitator_conns() == [fac, alice]
    again = rooms.promote(fac, ALICE, 1.0)  # already one: nothing changes
    assert again.conn is alice and not again.here_changed
    assert set(room.seated_conns()) == {fac, alice, bob}  # a co-facilitator is a seat


def test_promote_needs_the_lead_a_seated_member_and_a_free_place():
    rooms, fac, room_id, alice, bob = with_co()
    waiting = Conn("carol")
    rooms.join(waiting, CAROL, room_id, invite(rooms, fac), KNOCK, 0.0)
    with refused("not_seated"):
        rooms.promote(fac, CAROL, 0.0)  # in the waiting room
    with refused("not_seated"):
        rooms.promote(fac, b"Z" * 32, 0.0)
    for who in (alice, bob, waiting):  # a co-facilitator, a member, a waiting member
        with refused("forbidden"):
            rooms.promote(who, BOB, 0.0)
    with refused("forbidden"):
        rooms.promote(fac, FAC, 0.0)
    rooms.promote(fac, BOB, 0.0)
    dan = seated(rooms, fac, room_id, DAN)
    with refused("room_full"):
        rooms.promote(fac, DAN, 0.0)
    assert rooms.party(dan).role == "member"


def test_an_offline_seated_member_can_be_promoted_and_comes_back_as_one():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    rooms.disconnect(alice, 1.0)
    acted = rooms.promote(fac, ALICE, 2.0)
    assert acted.conn is None and not acted.here_changed
    back = rooms.join(Conn("alice back"), ALICE, room_id, os.urandom(16), KNOCK, 3.0)
    assert back.role == "cofacilitator"


def test_a_cofacilitator_sends_the_controls_on_members():
    rooms, fac, room_id, alice, bob = with_co()
    secret = invite(rooms, alice)  # invite
    carol = Conn("carol")
    rooms.join(carol, CAROL, room_id, secret, KNOCK, 0.0)
    assert rooms.admit(alice, CAROL)[0] is carol
    assert rooms.hold(alice, CAROL) is carol
    assert rooms.deny(alice, CAROL) is carol
    assert rooms.remove(alice, BOB, 0.0).conn is bob
    with refused("banned"):
        rooms.join(Conn("bob again"), BOB, room_id, invite(rooms, fac), KNOCK, 0.0)
    rooms.revoke(alice, b"h" * 32)
    assert set(rooms.close(alice)) == {fac, alice}


def test_nobody_acts_on_the_lead_and_only_the_lead_removes_a_cofacilitator():
    rooms, fac, room_id, alice, bob = with_co()
    rooms.promote(fac, BOB, 0.0)
    for control in ("admit", "deny", "hold"):
        for target in (FAC, BOB):
            with refused("forbidden"):
                getattr(rooms, control)(alice, target)
        with refused("forbidden"):
            getattr(rooms, control)(fac, ALICE)  # nobody may hold one, nor admit or deny
    for target in (FAC, BOB):
        with refused("forbidden"):
            rooms.remove(alice, target, 0.0)
    with refused("forbidden"):
        rooms.remove(fac, FAC, 0.0)
    acted = rooms.remove(fac, BOB, 5.0)  # the lead removes a co-facilitator: status and seat gone
    assert acted.conn is bob and acted.here_changed
    room = rooms.rooms[room_id]
    assert list(room.cofacilitators) == [ALICE] and room.here() == [FAC, ALICE]
    with refused("banned"):
        rooms.join(Conn("bob again"), BOB, room_id, os.urandom(16), KNOCK, 6.0)


def test_a_cofacilitator_rejoins_without_an_invite_even_after_its_seat_grace():
    rooms, fac, room_id, alice, bob = with_co(seat_grace=300)
    departure = rooms.disconnect(alice, 10.0)
    assert (departure.presence, departure.role) == ("offline", "cofacilitator")
    assert rooms.rooms[room_id].here() == [FAC]
    pruned = rooms.prune(400.0)
    assert [vk for _, vk in pruned.gone] == [ALICE] and ALICE not in rooms.rooms[room_id].seats
    back = Conn("alice back")
    entered = rooms.join(back, ALICE, room_id, os.urandom(16), b"new knock", 401.0)
    assert entered.role == "cofacilitator" and rooms.rooms[room_id].seats[ALICE].knock == b"new knock"
    assert rooms.group(back, 1, b"ct")[1] == rooms.rooms[room_id].seated_conns()
    assert rooms.disconnect(back, 402.0, left=True).presence == "gone"
    assert rooms.join(Conn("again"), ALICE, room_id, os.urandom(16), KNOCK, 403.0).role == "cofacilitator"


def test_direct_between_facilitator_parties_and_members():
    rooms, fac, room_id, alice, bob = with_co()
    carol = Conn("carol")
    rooms.join(carol, CAROL, room_id, invite(rooms, fac), KNOCK, 0.0)
    assert rooms.direct(bob, ALICE, b"x")[1] is alice  # member -> co-facilitator
    assert rooms.direct(carol, ALICE, b"x")[1] is alice  # waiting member -> co-facilitator
    assert rooms.direct(alice, FAC, b"x")[1] is fac  # co-facilitator -> lead
    assert rooms.direct(fac, ALICE, b"x")[1] is alice
    assert rooms.direct(alice, BOB, b"x")[1] is bob
    assert rooms.direct(alice, CAROL, b"x")[1] is carol
    with refused("forbidden"):
        rooms.direct(bob, CAROL, b"x")
    rooms.disconnect(alice, 1.0)
    with refused("not_seated"):
        rooms.direct(bob, ALICE, b"x")


def test_the_room_grace_counts_from_the_last_facilitator_party():
    rooms, fac, room_id, alice, bob = with_co(room_grace=900)
    room = rooms.rooms[room_id]
    assert rooms.disconnect(fac, 100.0).role == "facilitator"
    assert room.here() == [ALICE] and room.facilitator_dropped_at is None
    assert rooms.prune(5000.0).expired == []  # a co-facilitator is connected
    rooms.disconnect(alice, 6000.0)
    assert room.here() == [] and room.facilitator_dropped_at == 6000.0
    assert rooms.prune(6899.0).expired == []
    back = Conn("alice back")
    rooms.join(back, ALICE, room_id, os.urandom(16), KNOCK, 6899.0)  # a co-facilitator's return stops it
    assert rooms.prune(9000.0).expired == []
    rooms.disconnect(back, 9000.0)
    assert [r.id for r in rooms.prune(9900.0).expired] == [room_id]
