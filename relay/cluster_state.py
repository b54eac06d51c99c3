"""A room's state as the cluster keeps it in JetStream KV (``state.<rh>``), so
that another node can take the room over when its home dies: the facilitator's
key, co-facilitators, invites, bans, seats with how long they have been away,
and the last seq.
Written on control changes and when seq moved (at most once per heartbeat),
never per group frame.

Plain Python: times are passed in. Nodes do not share a monotonic clock, so
every time is kept as seconds left (or seconds away) as of ``written``, a
wall-clock time; a node's own clock skew only shifts those by the skew.
"""

from __future__ import annotations

import msgspec

from holdspace.relay.admission import Bans, Invites, Ticket
from holdspace.relay.limits import RecentEvents
from holdspace.relay.replay import ReplayRing
from holdspace.relay.room import Room, Seat
from holdspace.relay.rooms import KNOCK_WINDOW, KNOCKERS_KEPT, Rooms

# How far seq jumps when a room moves to another node: the old home may have
# numbered frames after it last wrote its seq (at most one heartbeat and the
# time to notice its death earlier) and shown them to its own clients, so the
# new home numbers strictly above anything it can have used. No room sends a
# million frames in a few seconds (rate limits per connection).
SEQ_JUMP = 1_000_000


class SeatState(msgspec.Struct, array_like=True, frozen=True):
    vk: bytes
    knock: bytes
    invite: bytes
    away: float | None  # seconds since its connection dropped; None: connected


class RoomState(msgspec.Struct, array_like=True, frozen=True):
    facilitator: bytes
    seq: int
    written: float  # wall-clock time of this snapshot
    invites: list[tuple[bytes, int | None, float | None]]  # hash, uses left, seconds left
    bans: list[tuple[bytes, float | None]]  # vk, seconds left (None: the room's lifetime)
    seats: list[SeatState]
    facilitator_away: float | None = None  # since the last facilitator party went
    cofacilitators: list[bytes] = []


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(RoomState).decode


def _left(until: float | None, now: float) -> float | None:
    return None if until is None else until - now


def snapshot(room: Room, now: float, wall: float) -> bytes:
    """``room`` as ``state.<rh>`` holds it; ``now`` on the relay's clock."""
    dropped = room.facilitator_dropped_at  # None while a facilitator party is connected
    return _encode(RoomState(
        facilitator=room.facilitator, seq=room.seq, written=wall,
        invites=[(digest, t.uses_left, _left(t.expires_at, now)) for digest, t in room.invites.items()],
        bans=[(vk, _left(until, now)) for vk, until in room.bans.items()],
        seats=[SeatState(vk, seat.knock, seat.invite,
                         None if seat.conn is not None else now - (seat.dropped_at or now))
               for vk, seat in room.seats.items()],
        facilitator_away=None if dropped is None else now - dropped,
        cofacilitators=list(room.cofacilitators),  # in the order they were promoted
    ))


def restore(data: bytes, room_id: bytes, rooms: Rooms, ring: list[tuple[int, bytes]],
            now: float, wall: float) -> Room:
    """The room ``data`` describes, as this node takes it over: nobody is
    connected (everyone's connection was to, or through, the dead home), seats
    kept with their grace running, ``ring`` (this node's copy of what the old
    home sent down) for those who resume, and seq above anything used."""
    state = _decode(data)
    since = max(0.0, wall - state.written)  # how long ago it was written

    def at(left: float | None) -> float | None:
        return None if left is None else now + left - since

    limits = rooms.limits
    room = Room(room_id, state.facilitator, None, limits.replay_frames, budget=rooms.budget,
                opened_by=None, knocks=RecentEvents(limits.knocks_per_key, KNOCK_WINDOW, KNOCKERS_KEPT),
                facilitator_dropped_at=now - (state.facilitator_away or 0.0) - since)
    room.invites = Invites({digest: Ticket(uses, at(left)) for digest, uses, left in state.invites})
    room.bans = Bans({vk: at(left) for vk, left in state.bans})
    room.seats = {s.vk: Seat(None, s.knock, now - (s.away or 0.0) - since, s.invite) for s in state.seats}
    room.cofacilitators = dict.fromkeys(state.cofacilitators)
    last = state.seq
    held = ReplayRing(limits.replay_frames, rooms.budget)
    for seq, frame in ring:
        held.append((seq, frame))
        last = max(last, seq)
    room.ring = held
    room.seq = last + SEQ_JUMP
    return room
