"""What the relay does with each frame from a party in a room: the
facilitators' controls and the data frames. The state changes happen in
rooms.py and controls.py; these methods send what they say to whom
(facilitators.py: what the facilitator parties and members are told).

A mixin of Relay (server.py): ``rooms`` is the relay's Rooms. Each
``handle_<t>`` takes the sending Peer, the frame's Struct and the time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from holdspace.relay import frames as f
from holdspace.relay.errors import CLOSED_CODES
from holdspace.relay.facilitators import here_changed, show_room
from holdspace.relay.peer import Peer
from holdspace.relay.protocol import encode
from holdspace.relay.room import Conn
from holdspace.relay.rooms import Rooms

log = logging.getLogger("holdspace.relay.server")


def close_with(peer: Conn, reason: str) -> None:
    """Tell a party why it goes (``closed``), then close with that reason's code."""
    peer.send(encode(f.Closed(reason)))
    peer.finish(CLOSED_CODES[reason], reason)


class RoomFrames:
    rooms: Rooms
    _limit: Callable[[Conn, str], None]  # Handshake's: a connection's rate limit
    # Relay: Peer.send_all, or in cluster mode the cluster's (other nodes' clients too)
    fan_out: Callable[[Iterable[Conn], bytes], None]

    # --- facilitator controls ------------------------------------------------------

    def handle_invite(self, peer: Peer, frame: f.Invite, now: float) -> None:
        self.rooms.add_invite(peer, frame.hash, now, frame.uses, frame.expires)

    def handle_revoke(self, peer: Peer, frame: f.Revoke, now: float) -> None:
        self.rooms.revoke(peer, frame.hash)

    def handle_admit(self, peer: Peer, frame: f.Admit, now: float) -> None:
        member, seq = self.rooms.admit(peer, frame.member)
        member.send(encode(f.Admitted(seq)))

    def handle_deny(self, peer: Peer, frame: f.Deny, now: float) -> None:
        close_with(self.rooms.deny(peer, frame.member), "denied")

    def handle_hold(self, peer: Peer, frame: f.Hold, now: float) -> None:
        self.rooms.hold(peer, frame.member).send(encode(f.Held()))

    def handle_remove(self, peer: Peer, frame: f.Remove, now: float) -> None:
        acted = self.rooms.remove(peer, frame.member, now, frame.ban)
        if acted.conn is not None:
            close_with(acted.conn, "removed")
        if acted.here_changed:  # the lead removed a connected co-facilitator
            here_changed(acted.room)

    def handle_promote(self, peer: Peer, frame: f.Promote, now: float) -> None:
        acted = self.rooms.promote(peer, frame.member, now)
        if acted.conn is not None:
            acted.conn.send(encode(f.Promoted()))
            # What a co-facilitator is owed on (re)connecting, owed now: it was
            # told of no knock or presence while it was a member.
            show_room(acted.conn, acted.room, frame.member)
            # A facilitator's rate from now on, set where the connection is.
            rate_as = getattr(acted.conn, "rate_as", None)  # cluster.RemoteConn: its edge node
            if rate_as is not None:
                rate_as("cofacilitator")
            else:
                self._limit(acted.conn, "cofacilitator")
        if acted.here_changed:
            here_changed(acted.room)

    def handle_close(self, peer: Peer, frame: f.Close, now: float) -> None:
        for party in self.rooms.close(peer):
            close_with(party, "room_closed")
        log.debug("room closed (open: %d)", len(self.rooms))

    # --- data ------------------------------------------------------------------------

    def handle_group(self, peer: Peer, frame: f.Group, now: float) -> None:
        data, recipients = self.rooms.group(peer, frame.epoch, frame.ct)
        self.fan_out(recipients, data)  # the same bytes, written or queued: nobody waits for anybody

    def handle_direct(self, peer: Peer, frame: f.Direct, now: float) -> None:
        data, recipient = self.rooms.direct(peer, frame.to, frame.ct)
        recipient.send(data)
