"""How a connection gets into a room: the challenge, the signed answer
(create for a facilitator, join for a member), the room-creation token,
failed attempts per address, then ``ready`` and what the newcomer missed.

A mixin of Relay (server.py), which provides the attributes annotated below.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from nacl.exceptions import CryptoError
from nacl.signing import VerifyKey
from websockets.exceptions import ConnectionClosed

from holdspace.relay import frames as f
from holdspace.relay.config import RelayConfig
from holdspace.relay.errors import ProtocolError
from holdspace.relay.facilitators import FACILITATOR_ROLES, arrived, show_room, tell_facilitators
from holdspace.relay.http import Counts
from holdspace.relay.limits import FailedJoins, TokenBucket
from holdspace.relay.logs import log_bug
from holdspace.relay.peer import Peer
from holdspace.relay.protocol import VERSION, auth_message, encode, read_client, unpack
from holdspace.relay.room import Room
from holdspace.relay.rooms import Entered, Rooms

if TYPE_CHECKING:
    from holdspace.relay.cluster import Cluster

log = logging.getLogger("holdspace.relay.server")

NONCE_BYTES = f.NONCE_LEN


class Handshake:
    config: RelayConfig
    clock: Callable[[], float]
    rooms: Rooms
    counts: Counts
    _failed_joins: FailedJoins
    _allowed_facilitators: frozenset[bytes] | None
    cluster: Cluster | None
    # and Relay's _refuse() and _check_size()

    async def _handshake(self, peer: Peer) -> bool:
        """Challenge the connection and admit its answer. False if it did not
        get into a room (it is then being closed)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        peer.send(encode(f.Challenge(VERSION, nonce)))
        try:
            async with asyncio.timeout(self.config.handshake_seconds):
                message = await peer.ws.recv()
        except TimeoutError:
            peer.finish(1008, "no answer to the challenge in time")
            return False
        except ConnectionClosed:
            return False
        self.counts.frames += 1
        try:
            hello = self._check_hello(peer, message, nonce)
            role = None
            if self.cluster is not None:
                role = await self.cluster.enter(peer, hello)  # a room homed on another node
            if role is not None:
                self._limit(peer, role)
            elif isinstance(hello, f.Create):
                self.handle_create(peer, hello, self.clock())
                if self.cluster is not None:
                    party = self.rooms.party(peer)
                    if party is not None:
                        await self.cluster.home(party.room.id)
            else:
                self.handle_join(peer, hello, self.clock())
        except ProtocolError as exc:
            self._refuse(peer, exc, fatal=True)
            return False
        except Exception as exc:
            log_bug(log, "handshake", exc)
            self._refuse(peer, ProtocolError("internal", "the relay failed; please try again"), fatal=True)
            return False
        return True

    def _check_hello(self, peer: Peer, message: bytes | str, nonce: bytes) -> f.Create | f.Join:
        """The answer to the challenge, if it is a create or join signed by its key."""
        self._check_size(message)
        try:
            hello = read_client(message)
        except ProtocolError:
            _check_version(unpack(message))  # a newer client gets `version`, not `bad_frame`
            raise
        _check_version({"v": getattr(hello, "v", None)})
        if not isinstance(hello, (f.Create, f.Join)):
            raise ProtocolError("bad_frame", "answer the challenge with create or join")
        now = self.clock()
        if self._failed_joins.blocked(peer.address, now):
            raise ProtocolError("rate_limited", "too many failed attempts; wait a minute")
        try:
            key = VerifyKey(hello.vk)
            key.to_curve25519_public_key()  # refuses keys that are not valid, safe points
            key.verify(auth_message(nonce), hello.sig)
        except CryptoError:
            self._failed_joins.record(peer.address, now)
            raise ProtocolError("bad_auth", "the signature does not match the key") from None
        return hello

    def handle_create(self, peer: Peer, hello: f.Create, now: float) -> None:
        token = self.config.create_token
        if token is not None and not hmac.compare_digest(
            (hello.token or "").encode(), token.encode()
        ):
            self._failed_joins.record(peer.address, now)
            raise ProtocolError("bad_auth", "this relay needs the right room-creation token")
        allowed = self._allowed_facilitators
        if allowed is not None and hello.vk not in allowed:
            raise ProtocolError("forbidden", "this relay does not open rooms for this key")
        entered = self.rooms.create(peer, hello.vk, now, hello.room, peer.address, hello.resume)
        self._seat(peer, entered)
        room = entered.room
        show_room(peer, room, hello.vk)
        arrived(room, peer, hello.vk, None, entered.replaced is not None)
        _replay(peer, room, hello.resume)
        log.debug("room opened or reclaimed (open: %d)", len(self.rooms))

    def handle_join(self, peer: Peer, hello: f.Join, now: float) -> None:
        vk = hello.vk
        try:
            entered = self.rooms.join(peer, vk, hello.room, hello.invite, hello.knock, now)
        except ProtocolError as exc:
            if exc.code == "bad_invite":
                self._failed_joins.record(peer.address, now)
            raise
        self._seat(peer, entered)
        room = entered.room
        if entered.role == "lobby":
            waiting = room.lobby[vk]
            tell_facilitators(room, encode(f.Knock(vk, waiting.knock, waiting.invite or None)))
            return
        if entered.role == "cofacilitator":
            show_room(peer, room, vk)
        arrived(room, peer, vk, hello.knock, entered.replaced is not None)
        _replay(peer, room, hello.resume)

    def _limit(self, peer: Peer, role: str) -> None:
        """The rate limit of a connection that got into a room as ``role``."""
        cfg = self.config
        if role in FACILITATOR_ROLES:
            peer.bucket = TokenBucket(cfg.facilitator_rate, cfg.facilitator_burst, self.clock())
        else:
            peer.bucket = TokenBucket(cfg.member_rate, cfg.member_burst, self.clock())

    def _seat(self, peer: Peer, entered: Entered) -> None:
        """Give a peer that got through the handshake its rate limit and ready."""
        self._limit(peer, entered.role)
        if entered.replaced is not None:
            entered.replaced.finish(1008, "replaced by a newer connection")
        room = entered.room
        if entered.role == "facilitator":
            peer.send(encode(f.Ready(room.id, entered.role, room.seq)))
            return
        here = room.here()  # to a co-facilitator too: it must know whether the lead is
        present = None if here or entered.role == "cofacilitator" else False
        peer.send(encode(f.Ready(room.id, entered.role, room.seq, present, here)))


def _check_version(raw: object) -> None:
    if isinstance(raw, dict) and raw.get("v") not in (None, VERSION):
        raise ProtocolError("version", f"this relay speaks protocol version {VERSION}")


def _replay(peer: Peer, room: Room, resume: int | None) -> None:
    if resume is not None:
        for data in room.replay(resume):
            peer.send(data)
