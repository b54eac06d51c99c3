"""relay.rooms as plain state: invites are spent, expire, are revoked, capped and pruned."""

from __future__ import annotations

import os

from rooms_helpers import ALICE, BOB, KNOCK, Conn, invite, make, refused

from holdspace.relay.rooms import invite_hash


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
