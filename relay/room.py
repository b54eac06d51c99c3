"""One room's state: its facilitator (the lead) and co-facilitators, seats,
waiting room, invites, bans and replay ring.

Plain Python: no asyncio, no sockets, no clock. Connections are opaque
hashable handles chosen by the server.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from holdspace.relay.admission import Bans, Invites
from holdspace.relay.limits import RecentEvents
from holdspace.relay.replay import ReplayBudget, ReplayRing

Conn = Hashable


@dataclass(slots=True)
class Waiting:
    """A member in the waiting room. Waiting members are always connected."""

    conn: Conn
    knock: bytes
    invite: bytes = b""  # the hash of the invite it came in with (told to the facilitator)


@dataclass(slots=True)
class Seat:
    """A seated member; ``conn`` is None while it is away (since ``dropped_at``)."""

    conn: Conn | None
    knock: bytes  # kept so a held member's knock can be shown again
    dropped_at: float | None = None
    invite: bytes = b""


@dataclass(slots=True, eq=False)
class Room:
    id: bytes
    facilitator: bytes
    facilitator_conn: Conn | None
    replay_frames: int
    facilitator_dropped_at: float | None = None  # when the last facilitator party went
    invites: Invites = field(default_factory=Invites)
    bans: Bans = field(default_factory=Bans)  # vk -> until (None: lifetime)
    lobby: dict[bytes, Waiting] = field(default_factory=dict)
    seats: dict[bytes, Seat] = field(default_factory=dict)
    ring: ReplayRing = field(init=False)  # (seq, encoded group frame)
    seq: int = 0
    budget: ReplayBudget | None = field(default=None, repr=False)  # shared by every ring
    opened_by: str | None = None  # the address that opened it, for rooms per address
    knocks: RecentEvents | None = field(default=None, repr=False)  # knocks per key
    # Co-facilitators' vks, in the order the lead promoted them. Each is also a
    # seat while it holds one (so group fan-out needs nothing more); the status
    # outlives the seat, until the room closes or the lead removes it.
    cofacilitators: dict[bytes, None] = field(default_factory=dict)
    # seated_conns(), kept between group frames; None once a seat or the
    # facilitator's connection changed (seats_changed()).
    _seated: tuple[Conn, ...] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.ring = ReplayRing(self.replay_frames, self.budget)

    def banned(self, vk: bytes, now: float) -> bool:
        return self.bans.banned(vk, now)

    def replay(self, after: int) -> list[bytes]:
        """Encoded group frames with ``seq > after`` still in the ring, in order."""
        return self.ring.after(after)

    def seated_conns(self) -> tuple[Conn, ...]:
        """Every connected seated party, the facilitator included. Every group
        frame needs it, so it is built once per change of seats, not per frame."""
        conns = self._seated
        if conns is None:
            seated = [seat.conn for seat in self.seats.values() if seat.conn is not None]
            if self.facilitator_conn is not None:
                seated.append(self.facilitator_conn)
            conns = self._seated = tuple(seated)
        return conns

    def seats_changed(self) -> None:
        """Call after any change to ``seats``, a seat's ``conn`` or
        ``facilitator_conn``: seated_conns() is rebuilt on its next use."""
        self._seated = None

    def connected(self) -> list[Conn]:
        """Every connection in the room: facilitator, seated and waiting."""
        return [*self.seated_conns(), *(waiting.conn for waiting in self.lobby.values())]

    def empty(self) -> bool:
        """Nobody in it: the facilitator gone, no seat held, nobody waiting."""
        return self.facilitator_conn is None and not self.seats and not self.lobby

    def here(self) -> list[bytes]:
        """The vks of the connected facilitator parties, the lead first."""
        vks = [self.facilitator] if self.facilitator_conn is not None else []
        for vk in self.cofacilitators:
            seat = self.seats.get(vk)
            if seat is not None and seat.conn is not None:
                vks.append(vk)
        return vks

    def facilitator_conns(self) -> list[Conn]:
        """The connections of the connected facilitator parties, the lead first."""
        conns = [self.facilitator_conn] if self.facilitator_conn is not None else []
        for vk in self.cofacilitators:
            seat = self.seats.get(vk)
            if seat is not None and seat.conn is not None:
                conns.append(seat.conn)
        return conns

    def facilitators_changed(self, now: float) -> None:
        """Call after a facilitator party's connection came or went: the room
        grace counts from when the last one went."""
        if self.facilitator_conn is not None or self.here():
            self.facilitator_dropped_at = None
        elif self.facilitator_dropped_at is None:
            self.facilitator_dropped_at = now

    def seated(self, vk: bytes) -> bool:
        """The facilitator or a seated member (connected or not)."""
        return vk == self.facilitator or vk in self.seats

    def role_of(self, vk: bytes) -> str | None:
        if vk == self.facilitator:
            return "facilitator"
        if vk in self.seats:
            return "cofacilitator" if vk in self.cofacilitators else "member"
        if vk in self.lobby:
            return "lobby"
        return None
