"""relay.rooms as plain state: group frames reach exactly who is seated, the replay ring, direct routing."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st
from rooms_helpers import ALICE, BOB, FAC, KNOCK, Conn, invite, make, refused, seated

from holdspace.relay.protocol import ProtocolError, decode_relay, frame
from holdspace.relay.rooms import Room


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
