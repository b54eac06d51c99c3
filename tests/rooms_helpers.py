"""Building relay.rooms state for tests: a registry with one room, invites, seated members, refusals by code."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from holdspace.relay.protocol import ProtocolError
from holdspace.relay.rooms import RoomLimits, Rooms, invite_hash


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
