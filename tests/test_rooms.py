"""relay.rooms and relay.limits as plain state machines: time is a plain number."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdspace.relay.limits import FailedJoins, TokenBucket
from holdspace.relay.protocol import ProtocolError, decode_relay, frame
from holdspace.relay.rooms import Room, RoomLimits, Rooms, invite_hash

FAC = b"F" * 32
ALICE = b"A" * 32
BOB = b"B" * 32
KNOCK = b"sealed knock"


class Conn:
    """A connection handle: any hashable object will do."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Conn({self.name})"


@contextlib.contextmanager
def refused(code: str) -> Iterator[None]:
    """The block must raise the protocol error ``code``."""
    with pytest.raises(ProtocolError) as raised:
        yield
    assert raised.value.code == code


def make(**limits: float) -> tuple[Rooms, Conn, bytes]:
    """A registry with one open room: (rooms, facilitator connection, room id)."""
    rooms = Rooms(RoomLimits(**limits))
    fac = Conn("fac")
    room = rooms.create(fac, FAC, now=0.0).room
    return rooms, fac, room.id


def invite(rooms: Rooms, fac: Conn, now: float = 0.0, **options: int) -> bytes:
    secret = os.urandom(16)
    rooms.add_invite(fac, invite_hash(secret), now, **options)
    return secret


def seated(rooms: Rooms, fac: Conn, room_id: bytes, vk: bytes, now: float = 0.0) -> Conn:
    conn = Conn(vk[:1].decode())
    rooms.join(conn, vk, room_id, invite(rooms, fac, now), KNOCK, now)
    rooms.admit(fac, vk)
    return conn


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


# --- invites --------------------------------------------------------------------------------


def test_invite_uses_are_spent_by_knocks():
    rooms, fac, room_id = make()
    secret = invite(rooms, fac, uses=1)
    assert rooms.join(Conn("a"), ALICE, room_id, secret, KNOCK, 0.0).role == "lobby"
    with refused("bad_invite"):
        rooms.join(Conn("b"), BOB, room_id, secret, KNOCK, 0.0)


def test_invite_expiry_is_seconds_from_when_it_was_added():
    rooms, fac, room_id = make()
    secret = invite(rooms, fac, now=100.0, expires=60)
    rooms.join(Conn("a"), ALICE, room_id, secret, KNOCK, 159.0)
    with refused("bad_invite"):
        rooms.join(Conn("b"), BOB, room_id, secret, KNOCK, 160.0)


def test_revoked_and_unknown_invites_are_refused():
    rooms, fac, room_id = make()
    secret = invite(rooms, fac)
    rooms.revoke(fac, invite_hash(secret))
    with refused("bad_invite"):
        rooms.join(Conn("a"), ALICE, room_id, secret, KNOCK, 0.0)
    with refused("bad_invite"):
        rooms.join(Conn("a"), ALICE, room_id, os.urandom(16), KNOCK, 0.0)


def test_invites_per_room_are_capped_oldest_first():
    rooms, fac, room_id = make(max_invites=2)
    first, second, third = (invite(rooms, fac) for _ in range(3))
    with refused("bad_invite"):
        rooms.join(Conn("a"), ALICE, room_id, first, KNOCK, 0.0)
    rooms.join(Conn("b"), BOB, room_id, third, KNOCK, 0.0)


def test_prune_drops_dead_invites():
    rooms, fac, room_id = make()
    invite(rooms, fac, expires=10)
    invite(rooms, fac)
    rooms.prune(11.0)
    assert len(rooms.rooms[room_id].invites) == 1


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


# --- group frames and the replay ring -----------------------------------------------------


def test_group_numbers_frames_and_reaches_every_seated_party():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    lobby = Conn("bob")
    rooms.join(lobby, BOB, room_id, invite(rooms, fac), KNOCK, 0.0)
    data, recipients = rooms.group(alice, 3, b"ct")
    assert set(recipients) == {alice, fac}
    assert decode_relay(data) == {"t": "group", "epoch": 3, "ct": b"ct", "seq": 1, "from": ALICE}
    with refused("not_seated"):
        rooms.group(lobby, 3, b"ct")
    with refused("not_seated"):
        rooms.group(Conn("stranger"), 3, b"ct")
    assert rooms.group(fac, 3, b"ct")[0] != data


def test_group_frames_are_encoded_as_frame_encodes_them():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    data, _ = rooms.group(alice, 2**63 - 1, b"x" * 300)
    assert data == frame("group", epoch=2**63 - 1, ct=b"x" * 300, seq=1, **{"from": ALICE})


def _seated_now(room: Room) -> list[object]:
    """Who is seated and connected, worked out afresh from the room's state."""
    conns = [seat.conn for seat in room.seats.values() if seat.conn is not None]
    return conns + ([room.facilitator_conn] if room.facilitator_conn is not None else [])


STEPS = ("knock", "admit", "hold", "deny", "remove", "drop", "leave", "fac_drop", "fac_back", "prune", "group",
         "promote")


def _check_recipients_through(steps: list[tuple[str, bytes]]) -> None:
    """Run ``steps`` on one room; after each one, seated_conns() (kept between
    group frames) must name exactly who is seated and connected, in seat order."""
    rooms, fac, room_id = make(seat_grace=10, room_grace=10**9)
    room = rooms.rooms[room_id]
    conns: dict[bytes, Conn] = {}
    now = 0.0
    for n, (step, vk) in enumerate(steps):
        now += 3.0
        with contextlib.suppress(ProtocolError):
            if step == "knock":  # a knock, or a return to a kept seat
                conns[vk] = Conn(f"{vk[:1].decode()}{n}")
                rooms.join(conns[vk], vk, room_id, invite(rooms, fac, now), KNOCK, now)
            elif step in ("admit", "hold", "deny") and room.facilitator_conn is not None:
                getattr(rooms, step)(fac, vk)
            elif step == "promote" and room.facilitator_conn is not None:
                rooms.promote(fac, vk, now)  # a co-facilitator is a seat: it gets group frames
            elif step == "remove" and room.facilitator_conn is not None:
                rooms.remove(fac, vk, now, ban=1)
            elif step in ("drop", "leave") and vk in conns:
                rooms.disconnect(conns[vk], now, left=step == "leave")
            elif step == "fac_drop":
                rooms.disconnect(fac, now)
            elif step == "fac_back":
                fac = Conn(f"fac{n}")
                rooms.create(fac, FAC, now, room_id=room_id)
            elif step == "prune":
                rooms.prune(now)
            elif step == "group" and vk in conns:
                rooms.group(conns[vk], 1, b"ct")
        assert list(room.seated_conns()) == _seated_now(room), (n, step)


def test_group_recipients_follow_every_change_of_seats() -> None:
    A, B = ALICE, BOB
    _check_recipients_through([
        ("knock", A), ("knock", B), ("admit", A), ("group", A), ("admit", B), ("group", B),
        ("hold", B), ("admit", B), ("knock", B),  # a second connection replaces the first
        ("drop", A), ("knock", A),  # back within the seat grace
        ("fac_drop", A), ("group", A), ("fac_back", A), ("group", B),
        ("leave", B), ("knock", B), ("admit", B), ("remove", B),
        ("drop", A), ("prune", A), ("prune", A), ("prune", A), ("prune", A), ("group", A),
        ("knock", A), ("admit", A), ("promote", A), ("drop", A), ("prune", A), ("prune", A),
        ("prune", A), ("prune", A), ("knock", A), ("group", A), ("remove", A),
    ])


@given(st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from([ALICE, BOB, b"C" * 32])), max_size=40))
def test_group_recipients_follow_any_sequence_of_changes(steps: list[tuple[str, bytes]]) -> None:
    _check_recipients_through(steps)


def test_replay_ring_is_bounded_and_resumes_after_a_seq():
    rooms, fac, room_id = make(replay_frames=4)
    sent = [rooms.group(fac, 1, bytes([i]))[0] for i in range(10)]
    room = rooms.rooms[room_id]
    assert len(room.ring) == 4 and room.seq == 10
    assert room.replay(7) == sent[7:]
    assert room.replay(0) == sent[6:]  # older frames are gone
    assert room.replay(10) == []


def test_direct_routing():
    rooms, fac, room_id = make()
    alice = seated(rooms, fac, room_id, ALICE)
    bob = Conn("bob")
    rooms.join(bob, BOB, room_id, invite(rooms, fac), KNOCK, 0.0)
    assert rooms.direct(alice, FAC, b"x")[1] is fac
    assert rooms.direct(bob, FAC, b"x")[1] is fac  # from the waiting room too
    data, to = rooms.direct(fac, BOB, b"y")
    assert to is bob and decode_relay(data) == {"t": "direct", "from": FAC, "ct": b"y"}
    with refused("forbidden"):
        rooms.direct(alice, BOB, b"x")
    with refused("not_seated"):
        rooms.direct(fac, b"Z" * 32, b"x")
    rooms.disconnect(alice, 1.0)
    with refused("not_seated"):
        rooms.direct(fac, ALICE, b"x")
    rooms.disconnect(fac, 1.0)
    with refused("not_seated"):
        rooms.direct(bob, FAC, b"x")


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


# --- limits ------------------------------------------------------------------------------------


def test_token_bucket_burst_refill_and_exhaustion():
    bucket = TokenBucket(rate=2.0, burst=3, now=0.0)
    assert [bucket.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.allow(0.5)  # one token back after half a second at 2/s
    for _ in range(3):
        bucket.allow(0.5)
    assert bucket.refused == 4 and bucket.exhausted
    assert bucket.allow(10.0) and bucket.refused == 0  # backed off: afresh


def test_failed_joins_slide_out_of_the_window():
    joins = FailedJoins(limit=2, window=60.0)
    joins.record("a", 0.0)
    assert not joins.blocked("a", 1.0)
    joins.record("a", 1.0)
    assert joins.blocked("a", 2.0) and not joins.blocked("b", 2.0)
    assert not joins.blocked("a", 60.5)
    joins.prune(100.0)
    assert len(joins) == 0
