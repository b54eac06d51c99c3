"""The relay's memory: every room, and which connection speaks for whom.

Plain Python on purpose: no asyncio, no sockets, no clock. Every method that
depends on time takes ``now`` (seconds on any monotonic scale), so tests drive
it with plain numbers. Connections are opaque hashable handles chosen by the
server; a handle belongs to at most one party (a room and a vk) at a time, and
a newer handle for the same party replaces the older one.

Refusals raise ``ProtocolError`` carrying the protocol error code. Methods
return what the server must tell whom; they never send anything themselves.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

from holdspace.relay.admission import invite_hash
from holdspace.relay.controls import Acted, Controls
from holdspace.relay.errors import ProtocolError
from holdspace.relay.frames import Delivery, Forwarded
from holdspace.relay.limits import RecentEvents
from holdspace.relay.protocol import ROOM_SALT_LEN, encode, room_id_for, room_is_bound
from holdspace.relay.replay import ReplayBudget
from holdspace.relay.room import Conn, Room, Seat, Waiting

__all__ = ["Acted", "Conn", "Departure", "Entered", "Party", "Pruned", "Room", "RoomLimits", "Rooms",
           "invite_hash"]


@dataclass(frozen=True, slots=True)
class RoomLimits:
    """The limits rooms enforce; defaults are the ones in docs/PROTOCOL.md."""

    max_rooms: int = 1000
    max_seated: int = 64
    max_lobby: int = 32
    replay_frames: int = 512
    seat_grace: float = 300.0
    room_grace: float = 900.0
    # Not protocol promises, but they keep one room's memory bounded when a
    # facilitator adds invites or bans without end: the oldest entry goes first.
    max_invites: int = 1024
    max_bans: int = 1024
    # Against a stranger: every ring together, rooms one address may hold and
    # open per minute, how soon a room nobody is in is forgotten, and how often
    # one key may knock on a room in KNOCK_WINDOW seconds.
    replay_bytes: int = 128 * 1024 * 1024
    rooms_per_address: int = 10
    rooms_per_minute: int = 5
    empty_room_grace: float = 60.0
    knocks_per_key: int = 10


KNOCK_WINDOW = 600.0
KNOCKERS_KEPT = 1024  # keys whose knocks a room remembers; the least recent go first


@dataclass(frozen=True, slots=True)
class Party:
    """Who a connection speaks for."""

    room: Room
    vk: bytes
    role: str  # facilitator | cofacilitator | member | lobby


@dataclass(frozen=True, slots=True)
class Entered:
    """A successful create or join. ``replaced`` is an older connection of the
    same party, which the server should close."""

    room: Room
    role: str
    replaced: Conn | None = None


@dataclass(frozen=True, slots=True)
class Departure:
    """A connection went away. ``presence`` is what to tell the facilitator
    parties; ``role`` is the party's (a facilitator party's going changes
    who members are told is here)."""

    room: Room
    vk: bytes
    presence: str
    role: str


@dataclass(slots=True)
class Pruned:
    gone: list[tuple[Room, bytes]] = field(default_factory=list)  # seats whose grace ran out
    expired: list[Room] = field(default_factory=list)  # rooms forgotten, with who was in them


class Rooms(Controls):
    """Every room on one relay, and which connection speaks for whom. The
    facilitator controls are in controls.py."""

    def __init__(self, limits: RoomLimits | None = None) -> None:
        self.limits = limits or RoomLimits()
        self.rooms: dict[bytes, Room] = {}
        self._parties: dict[Conn, tuple[Room, bytes]] = {}
        self.budget = ReplayBudget(self.limits.replay_bytes)
        self._open_by: Counter[str] = Counter()  # rooms open now, per address that opened them
        self._openings = RecentEvents(self.limits.rooms_per_minute, 60.0)

    def __len__(self) -> int:
        return len(self.rooms)

    def party(self, conn: Conn) -> Party | None:
        found = self._parties.get(conn)
        if found is None:
            return None
        room, vk = found
        role = room.role_of(vk)
        return None if role is None else Party(room, vk, role)

    # --- handshake ---------------------------------------------------------------

    def create(self, conn: Conn, vk: bytes, now: float, room_id: bytes | None = None,
               address: str = "", resume: int | None = None) -> Entered:
        """A facilitator opens a fresh room, or reclaims ``room_id``. A room
        that is not open can only be opened with an id bound to ``vk``
        (protocol.room_id_for), so after a restart nobody else can take it;
        reopened with ``resume``, its numbering goes on from there, so no
        seq is used twice."""
        room = self.rooms.get(room_id) if room_id is not None else None
        if room is None:
            if room_id is not None and not room_is_bound(room_id, vk):
                raise ProtocolError("room_taken", "this room id belongs to another facilitator's key")
            self._check_room_slots(address, now)
            while room_id is None or room_id in self.rooms:
                room_id = room_id_for(vk, secrets.token_bytes(ROOM_SALT_LEN))
            room = Room(room_id, vk, conn, self.limits.replay_frames, budget=self.budget,
                        opened_by=address,
                        knocks=RecentEvents(self.limits.knocks_per_key, KNOCK_WINDOW, KNOCKERS_KEPT),
                        seq=resume or 0)
            self.rooms[room_id] = room
            self._open_by[address] += 1
            self._openings.record(address, now)
            self._attach(conn, room, vk, None)
            return Entered(room, "facilitator")
        if room.facilitator != vk:
            raise ProtocolError("room_taken", "another facilitator holds this room")
        replaced = room.facilitator_conn
        room.facilitator_conn, room.facilitator_dropped_at = conn, None
        room.seats_changed()
        self._attach(conn, room, vk, replaced)
        return Entered(room, "facilitator", replaced)

    def adopt(self, room: Room) -> None:
        """Hold a room another relay node held until it stopped (cluster mode):
        nobody is connected to it yet; its parties come back as after a drop."""
        self.rooms[room.id] = room

    def drop(self, room_id: bytes) -> list[Conn]:
        """Let go of a room another relay node took over (cluster mode, after a
        network split). Returns every connection that was in it."""
        room = self.rooms.get(room_id)
        return [] if room is None else self._forget(room)

    def join(
        self, conn: Conn, vk: bytes, room_id: bytes, invite: bytes, knock: bytes, now: float
    ) -> Entered:
        """A member knocks, or comes back to the seat it still holds."""
        room = self.rooms.get(room_id)
        if room is None:
            raise ProtocolError("no_room", "there is no such room (it may have closed)")
        if vk == room.facilitator:
            raise ProtocolError("forbidden", "the facilitator's key cannot join as a member")
        if room.banned(vk, now):
            raise ProtocolError("banned", "this key was removed from the room")
        seat = room.seats.get(vk)
        cofacilitator = vk in room.cofacilitators
        if cofacilitator and seat is None:  # its seat grace ran out: still one
            seat = room.seats[vk] = Seat(None, knock)
        if seat is not None:
            # Reconnection within the seat grace (or a co-facilitator's, any
            # time): already admitted, so no invite is needed (the one it used
            # may be spent or revoked by now).
            replaced = seat.conn
            seat.conn, seat.knock, seat.dropped_at = conn, knock, None
            room.seats_changed()
            if cofacilitator:
                room.facilitators_changed(now)
            self._attach(conn, room, vk, replaced)
            return Entered(room, "cofacilitator" if cofacilitator else "member", replaced)
        digest = invite_hash(invite)
        ticket = room.invites.get(digest)
        if ticket is None or not ticket.live(now):
            raise ProtocolError("bad_invite", "the invite is unknown, revoked, expired or used up")
        waiting = room.lobby.get(vk)
        if waiting is None and len(room.lobby) >= self.limits.max_lobby:
            raise ProtocolError("lobby_full", "the waiting room is full")
        knocks = room.knocks
        if knocks is not None:
            if knocks.blocked(vk, now):
                raise ProtocolError("rate_limited", "this key has knocked too often; please wait")
            knocks.record(vk, now)
        room.invites.use(digest, now)
        room.lobby[vk] = Waiting(conn, knock, digest)
        replaced = waiting.conn if waiting is not None else None
        self._attach(conn, room, vk, replaced)
        return Entered(room, "lobby", replaced)

    def disconnect(self, conn: Conn, now: float, *, left: bool = False) -> Departure | None:
        """A connection closed. ``left``: a seated member closed normally (1000),
        giving up its seat; otherwise its seat waits for the seat grace."""
        found = self._parties.pop(conn, None)
        if found is None:
            return None  # replaced, removed, or never got through the handshake
        room, vk = found
        if vk == room.facilitator:
            room.facilitator_conn = None
            room.seats_changed()
            room.facilitators_changed(now)
            return Departure(room, vk, "offline", "facilitator")
        if vk in room.lobby:
            del room.lobby[vk]
            return Departure(room, vk, "gone", "lobby")
        seat = room.seats[vk]
        room.seats_changed()  # the seat is given up or kept empty, below
        if left:
            del room.seats[vk]
        else:
            seat.conn, seat.dropped_at = None, now
        role = "member"
        if vk in room.cofacilitators:
            role = "cofacilitator"
            room.facilitators_changed(now)
        return Departure(room, vk, "gone" if left else "offline", role)

    # --- data --------------------------------------------------------------------------

    def group(self, conn: Conn, epoch: int, ct: bytes) -> tuple[bytes, tuple[Conn, ...]]:
        """Number a group frame, keep it for replay, and say who receives it
        (every connected seated party, the sender included)."""
        # The hottest path of the relay: no Party, no role string, one dict.
        found = self._parties.get(conn)
        if found is None or not found[0].seated(found[1]):
            self._party(conn)  # not in a room at all: its own error
            raise ProtocolError("not_seated", "only seated parties can send to the group")
        room, vk = found
        seq = room.seq = room.seq + 1
        data = encode(Delivery(epoch, ct, seq, vk))
        room.ring.append((seq, data))
        return data, room.seated_conns()

    def direct(self, conn: Conn, to: bytes, ct: bytes) -> tuple[bytes, Conn]:
        """Route a direct frame: members and waiting members reach only the
        lead and the co-facilitators; those reach anyone in the room."""
        party = self._party(conn)
        room = party.room
        if to == room.facilitator:
            recipient = room.facilitator_conn
        elif party.role in ("facilitator", "cofacilitator") or to in room.cofacilitators:
            target = room.lobby.get(to) or room.seats.get(to)
            recipient = target.conn if target is not None else None
        else:
            raise ProtocolError("forbidden", "members can write privately only to a facilitator")
        if recipient is None:
            raise ProtocolError("not_seated", "the recipient is not connected")
        return encode(Forwarded(ct, party.vk)), recipient

    # --- time ----------------------------------------------------------------------------

    def prune(self, now: float) -> Pruned:
        """Apply the seat and room graces; drop dead invites and finished bans."""
        pruned = Pruned()
        for room in list(self.rooms.values()):
            dropped = room.facilitator_dropped_at
            grace = self.limits.empty_room_grace if room.empty() else self.limits.room_grace
            if dropped is not None and now - dropped >= grace:
                self._forget(room)
                pruned.expired.append(room)
                continue
            for vk, seat in list(room.seats.items()):
                if seat.dropped_at is not None and now - seat.dropped_at >= self.limits.seat_grace:
                    del room.seats[vk]
                    room.seats_changed()
                    pruned.gone.append((room, vk))
            room.invites.prune(now)
            room.bans.prune(now)
            if room.knocks is not None:
                room.knocks.prune(now)
        self._openings.prune(now)
        return pruned

    # --- internals --------------------------------------------------------------------

    def _attach(self, conn: Conn, room: Room, vk: bytes, replaced: Conn | None) -> None:
        if replaced is not None:
            self._parties.pop(replaced, None)
        self._parties[conn] = (room, vk)

    def _party(self, conn: Conn) -> Party:
        party = self.party(conn)
        if party is None:
            raise ProtocolError("not_seated", "this connection is not in a room")
        return party

    def _check_room_slots(self, address: str, now: float) -> None:
        self._openings.limit = self.limits.rooms_per_minute  # limits may change (SIGHUP)
        if len(self.rooms) >= self.limits.max_rooms:
            raise ProtocolError("room_full", "this relay has as many rooms as it can hold")
        if self._open_by[address] >= self.limits.rooms_per_address:
            raise ProtocolError("rate_limited", "your address has as many rooms open as it may")
        if self._openings.blocked(address, now):
            raise ProtocolError("rate_limited", "too many rooms opened from your address; wait a minute")

    def _forget(self, room: Room) -> list[Conn]:
        if self.rooms.pop(room.id, None) is not None and room.opened_by is not None:
            self._open_by[room.opened_by] -= 1
            if self._open_by[room.opened_by] <= 0:
                del self._open_by[room.opened_by]
        room.ring.clear()
        conns = room.connected()
        for conn in conns:
            self._parties.pop(conn, None)
        return conns

