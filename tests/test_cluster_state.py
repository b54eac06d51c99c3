"""relay/cluster_state.py: a room written by its home and taken over by
another node, in plain numbers (each node's monotonic clock on its own scale,
one wall clock)."""

from __future__ import annotations

import os

from holdspace.relay.cluster_state import SEQ_JUMP, restore, snapshot
from holdspace.relay.protocol import ROOM_SALT_LEN, room_id_for
from holdspace.relay.room import Seat
from holdspace.relay.rooms import Rooms

FAC, SAM, KIM, BO = (bytes([n]) * 32 for n in (1, 2, 3, 4))


def test_a_room_taken_over_keeps_its_people_rules_and_numbering() -> None:
    home = Rooms()
    room_id = room_id_for(FAC, os.urandom(ROOM_SALT_LEN))
    fac = object()
    room = home.create(fac, FAC, 100.0, room_id).room
    home.add_invite(fac, b"h" * 32, 100.0, uses=2, expires=60)
    home.add_invite(fac, b"o" * 32, 100.0)
    # two seats by hand (the handshake is not what is tested here)
    room.seats[SAM] = Seat(object(), b"sam's knock")
    room.seats[KIM] = Seat(None, b"kim's knock", dropped_at=90.0)  # away for 10 s at 100
    room.cofacilitators = {SAM: None}
    home.remove(fac, BO, 100.0, ban=30)
    home.remove(fac, b"x" * 32, 100.0)  # banned for the room's lifetime
    room.seq = 41
    data = snapshot(room, 100.0, 5_000.0)

    other = Rooms()
    ring = [(40, b"frame 40"), (42, b"frame 42")]  # the edge saw one the state has not
    # 2 wall seconds later, on a node whose monotonic clock reads 7.0
    taken = restore(data, room_id, other, ring, 7.0, 5_002.0)
    assert taken.id == room_id and taken.facilitator == FAC and taken.facilitator_conn is None
    assert set(taken.seats) == {SAM, KIM} and all(s.conn is None for s in taken.seats.values())
    assert taken.seats[KIM].dropped_at == 7.0 - 10.0 - 2.0  # its grace keeps running
    assert taken.seats[SAM].dropped_at == 7.0 - 2.0
    assert taken.seats[SAM].knock == b"sam's knock"
    assert list(taken.cofacilitators) == [SAM]
    assert taken.invites[b"h" * 32].uses_left == 2 and taken.invites[b"h" * 32].expires_at == 7.0 + 60 - 2
    assert taken.invites[b"o" * 32].expires_at is None
    assert taken.bans[BO] == 7.0 + 30 - 2 and taken.bans[b"x" * 32] is None
    assert taken.seq == 42 + SEQ_JUMP  # above the ring and the state: no seq used twice
    assert taken.replay(40) == [b"frame 42"]
