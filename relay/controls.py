"""The facilitator controls on a room's state: invites, admit, deny, hold,
remove, close, and promote (co-facilitators, docs/PROTOCOL.md).

The lead may send every control; a co-facilitator every one but ``promote``.
admit, deny, hold and remove act only on members: on the lead or a
co-facilitator they are ``forbidden``, except that the lead may remove a
co-facilitator (it loses the status and is banned, as a member would be).

A mixin of Rooms (rooms.py), plain Python like it: no asyncio, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from holdspace.relay.admission import Ticket
from holdspace.relay.errors import ProtocolError
from holdspace.relay.room import Conn, Room, Seat, Waiting

if TYPE_CHECKING:
    from holdspace.relay.rooms import Party, RoomLimits

MAX_COFACILITATORS = 2


@dataclass(frozen=True, slots=True)
class Acted:
    """A control on one party: its connection (None when it is away), and
    whether the room's connected facilitator parties changed (members are told)."""

    room: Room
    conn: Conn | None
    here_changed: bool = False


class Controls:
    # Rooms provides these, and party() and _forget().
    limits: RoomLimits
    _parties: dict[Conn, tuple[Room, bytes]]

    def add_invite(
        self, conn: Conn, digest: bytes, now: float, uses: int | None = None,
        expires: int | None = None,
    ) -> None:
        ticket = Ticket(uses, None if expires is None else now + expires)
        self._facilitated(conn).invites.add(digest, ticket, self.limits.max_invites)

    def revoke(self, conn: Conn, digest: bytes) -> None:
        self._facilitated(conn).invites.pop(digest, None)

    def admit(self, conn: Conn, member: bytes) -> tuple[Conn, int]:
        """Seat a waiting member. Returns its connection and the room's seq."""
        room = self._on_member(conn, member)
        waiting = room.lobby.get(member)
        if waiting is None:
            raise ProtocolError("not_seated", "that key is not in the waiting room")
        if len(room.seats) >= self.limits.max_seated:
            raise ProtocolError("room_full", "the room has as many seats as it can hold")
        del room.lobby[member]
        room.seats[member] = Seat(waiting.conn, waiting.knock, invite=waiting.invite)
        room.seats_changed()
        return waiting.conn, room.seq

    def deny(self, conn: Conn, member: bytes) -> Conn:
        """Turn a waiting member away (it may knock again). Returns its connection."""
        room = self._on_member(conn, member)
        waiting = room.lobby.pop(member, None)
        if waiting is None:
            raise ProtocolError("not_seated", "that key is not in the waiting room")
        self._parties.pop(waiting.conn, None)
        return waiting.conn

    def hold(self, conn: Conn, member: bytes) -> Conn:
        """Send a connected seated member back to the waiting room (even past
        its cap: the cap limits knocks, not the facilitator's choices)."""
        room = self._on_member(conn, member)
        seat = room.seats.get(member)
        if seat is None or seat.conn is None:
            raise ProtocolError("not_seated", "that key is not seated and connected")
        del room.seats[member]
        room.seats_changed()
        room.lobby[member] = Waiting(seat.conn, seat.knock, seat.invite)
        return seat.conn

    def remove(self, conn: Conn, member: bytes, now: float, ban: int | None = None) -> Acted:
        """Take a member (or, by the lead, a co-facilitator) out wherever it is
        and refuse its key for ``ban`` seconds (None: the room's lifetime)."""
        room = self._on_member(conn, member, lead_may_act_on_cofacilitators=True)
        was_here = member in room.here()
        room.cofacilitators.pop(member, None)
        waiting, seat = room.lobby.pop(member, None), room.seats.pop(member, None)
        room.seats_changed()
        room.bans.add(member, None if ban is None else now + ban, self.limits.max_bans)
        member_conn = waiting.conn if waiting is not None else seat.conn if seat is not None else None
        if member_conn is not None:
            self._parties.pop(member_conn, None)
        if was_here:
            room.facilitators_changed(now)
        return Acted(room, member_conn, was_here)

    def close(self, conn: Conn) -> list[Conn]:
        """Forget the room. Returns every connection that was in it."""
        return self._forget(self._facilitated(conn))  # type: ignore[attr-defined]

    def promote(self, conn: Conn, member: bytes, now: float) -> Acted:
        """The lead makes a seated member (connected or not) a co-facilitator."""
        room, role = self._facilitated_as(conn)
        if role != "facilitator" or member == room.facilitator:
            raise ProtocolError("forbidden", "only the lead facilitator can promote a member")
        seat = room.seats.get(member)
        if seat is None:
            raise ProtocolError("not_seated", "that key is not seated")
        if member in room.cofacilitators:
            return Acted(room, seat.conn)  # already one: told again, nothing changes
        if len(room.cofacilitators) >= MAX_COFACILITATORS:
            raise ProtocolError("room_full", f"a room has at most {MAX_COFACILITATORS} co-facilitators")
        room.cofacilitators[member] = None
        if seat.conn is not None:
            room.facilitators_changed(now)
        return Acted(room, seat.conn, seat.conn is not None)

    # --- who may -------------------------------------------------------------------------

    def _facilitated_as(self, conn: Conn) -> tuple[Room, str]:
        party: Party | None = self.party(conn)  # type: ignore[attr-defined]
        if party is None:
            raise ProtocolError("not_seated", "this connection is not in a room")
        if party.role not in ("facilitator", "cofacilitator"):
            raise ProtocolError("forbidden", "only a facilitator can do that")
        return party.room, party.role

    def _facilitated(self, conn: Conn) -> Room:
        return self._facilitated_as(conn)[0]

    def _on_member(self, conn: Conn, member: bytes, *,
                   lead_may_act_on_cofacilitators: bool = False) -> Room:
        """The room, when ``conn`` may act on ``member``: a facilitator party
        acting on a member, not on the lead or a co-facilitator."""
        room, role = self._facilitated_as(conn)
        if member == room.facilitator:
            raise ProtocolError("forbidden", "nobody can do that to the lead facilitator")
        if member in room.cofacilitators and not (lead_may_act_on_cofacilitators and role == "facilitator"):
            raise ProtocolError("forbidden", "that cannot be done to a co-facilitator")
        return room
