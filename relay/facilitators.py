"""Who is told what about a room's facilitator parties (the lead and its
co-facilitators, docs/PROTOCOL.md "Co-facilitators"): knocks and presence go
to every connected facilitator party; members, seated and waiting, get
``facilitator{present, here}`` whenever the set of connected facilitator
parties changes.

Functions of the plain room state (room.py) and connections with ``send``;
the server, the handshake and the handlers call them after rooms.py acted.
"""

from __future__ import annotations

from holdspace.relay import frames as f
from holdspace.relay.protocol import encode
from holdspace.relay.room import Conn, Room
from holdspace.relay.rooms import Departure

FACILITATOR_ROLES = ("facilitator", "cofacilitator")


def tell_facilitators(room: Room, data: bytes, but: Conn | None = None) -> None:
    """Every connected facilitator party (but ``but``)."""
    for conn in room.facilitator_conns():
        if conn is not but:
            conn.send(data)


def tell_members(room: Room, data: bytes) -> None:
    """Everyone in the room but the facilitator parties: seated and waiting."""
    facilitators = room.facilitator_conns()
    for conn in room.connected():
        if conn not in facilitators:
            conn.send(data)


def facilitator_role(room: Room, vk: bytes) -> str | None:
    """``role`` of a presence: the lead's or a co-facilitator's; None for a member."""
    if vk == room.facilitator:
        return "facilitator"
    return "cofacilitator" if vk in room.cofacilitators else None


def presence(room: Room, vk: bytes, state: str, knock: bytes | None = None) -> bytes:
    """Where a party is (online, offline, gone), with its role if it facilitates."""
    return encode(f.Presence(vk, state, knock, facilitator_role(room, vk)))


def here_changed(room: Room) -> None:
    """The connected facilitator parties changed: members are told which."""
    here = room.here()
    tell_members(room, encode(f.FacilitatorHere(bool(here), here)))


def departed(departure: Departure) -> None:
    """A connection went: the facilitator parties hear where that party is,
    and members who is still here when it was one of them."""
    room, vk = departure.room, departure.vk
    tell_facilitators(room, presence(room, vk, departure.presence))
    if departure.role in FACILITATOR_ROLES:
        here_changed(room)


def arrived(room: Room, conn: Conn, vk: bytes, knock: bytes | None, replaced: bool) -> None:
    """A seated party (the lead reclaiming, a co-facilitator or a member
    coming back) connected: the other facilitator parties hear it; members too
    when it facilitates (a newer connection of one already here changes nothing)."""
    tell_facilitators(room, presence(room, vk, "online", knock), but=conn)
    if not replaced and vk in room.here():
        here_changed(room)


def show_room(conn: Conn, room: Room, vk: bytes) -> None:
    """What a facilitator party that (re)connects is owed: presence of every
    other seated party, the lead's included (with its knock, the party's own
    sealed name), and a knock for everyone waiting."""
    if vk != room.facilitator:
        state = "online" if room.facilitator_conn is not None else "offline"
        conn.send(presence(room, room.facilitator, state))
    for seated, seat in room.seats.items():
        if seated != vk:
            state = "online" if seat.conn is not None else "offline"
            conn.send(presence(room, seated, state, seat.knock))
    for waiting_vk, waiting in room.lobby.items():
        conn.send(encode(f.Knock(waiting_vk, waiting.knock, waiting.invite or None)))
