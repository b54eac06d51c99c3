"""The edge side of cluster mode: a client on this node of a room homed on
another. Its handshake goes to the home (``rpc``); its frames go up; what the
home sends down is written to it. The edge also keeps a copy of the room's
ring from what comes down, so that if the home dies and this node takes the
room over, members who resume miss nothing the home had sent.

A mixin of Cluster (cluster.py), which provides the attributes annotated below.
"""

from __future__ import annotations

import asyncio
import itertools
from functools import partial
from typing import TYPE_CHECKING, Any

from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from holdspace.relay import frames as f
from holdspace.relay.cluster_wire import Deliver, Gone, Hello, Rate, Up, encode, read_answer, read_down
from holdspace.relay.errors import ProtocolError
from holdspace.relay.peer import Peer
from holdspace.relay.protocol import encode as encode_frame
from holdspace.relay.replay import ReplayRing

if TYPE_CHECKING:
    from holdspace.relay.server import Relay

RPC_TIMEOUT = 5.0  # for the home to answer a handshake
RETRY = 0.05  # between asking a room's new home and its being subscribed
PENDING_BYTES = 64 * 1024 * 1024  # nats-py's outgoing buffer, and each subscription's
PENDING_MSGS = 100_000


class EdgeRoute:
    """How a client on this node reaches its room's home."""

    __slots__ = ("cluster", "room", "up", "cid", "home")

    def __init__(self, cluster: EdgeSide, room: bytes, cid: int) -> None:
        self.cluster, self.room, self.cid = cluster, room, cid
        self.home = ""  # the home node's name, once it answered
        self.up = cluster.subject(room, "up")

    def forward(self, data: bytes) -> None:
        self.cluster.publish(self.up, encode(Up(self.cluster.node, self.cid, data)))

    def gone(self, left: bool) -> None:
        self.cluster.publish(self.up, encode(Gone(self.cluster.node, self.cid, left)))
        self.cluster.leave_edge(self)


class EdgeSide:
    relay: Relay
    node: str
    nc: Any
    homes: dict[bytes, Any]
    _beats: dict[str, float]

    def _init_edge(self) -> None:
        self.peers: dict[int, Peer] = {}  # this node's clients of rooms homed elsewhere
        self._edges: dict[bytes, tuple[Any, int]] = {}  # room -> (down subscription, clients)
        self._rings: dict[bytes, ReplayRing] = {}  # room -> what its home sent down, numbered
        self._cids = itertools.count(1)

    if TYPE_CHECKING:  # provided by Cluster and Takeover
        def subject(self, room: bytes, kind: str) -> str: ...
        def publish(self, subject: str, data: bytes) -> None: ...
        async def resolve(self, room: bytes, create: bool, silent_for: float) -> bool: ...

    async def enter(self, peer: Peer, hello: f.Create | f.Join) -> str | None:
        """Take a checked handshake to the room's home, if another node holds
        the room. Returns the role it was given, or None when this node
        should handle it itself (its own room, one nobody holds, or one it
        just took over from a dead home)."""
        room = hello.room
        if room is None or room in self.relay.rooms.rooms:
            return None
        route = EdgeRoute(self, room, next(self._cids))
        await self._join_edge(room)
        self.peers[route.cid] = peer  # before asking: `ready` may come down before the answer
        request = encode(Hello(self.node, route.cid, peer.address, encode_frame(hello)))
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            try:
                reply = await self.nc.request(self.subject(room, "rpc"), request, timeout=RPC_TIMEOUT)
                answer = read_answer(reply.data)
                break
            except NoRespondersError:
                try:
                    mine = await self.resolve(room, isinstance(hello, f.Create), loop.time() - started)
                except ProtocolError:
                    self.leave_edge(route)
                    raise
                if mine or room in self.relay.rooms.rooms:  # it opens here, or was taken over here
                    self.leave_edge(route)
                    return None
                if loop.time() - started > RPC_TIMEOUT:
                    self.leave_edge(route)
                    raise ProtocolError("internal", "the relay holding this room did not answer; "
                                        "try again") from None
                await asyncio.sleep(RETRY)  # its new home is subscribing
            except (NatsTimeout, TimeoutError):
                self.leave_edge(route)
                raise ProtocolError("internal", "the relay holding this room did not answer; try again") from None
        if answer.code is not None:
            self.leave_edge(route)
            raise ProtocolError(answer.code, answer.msg)
        route.home = answer.home
        self._beats.setdefault(answer.home, loop.time())
        peer.upstream = route
        return answer.role

    async def _join_edge(self, room: bytes) -> None:
        held = self._edges.get(room)
        if held is None:
            subscription = await self.nc.subscribe(
                self.subject(room, "down"), cb=partial(self._on_down, room),
                pending_msgs_limit=PENDING_MSGS, pending_bytes_limit=PENDING_BYTES)
            held = self._edges.setdefault(room, (subscription, 0))
            if held[0] is not subscription:  # another handshake subscribed meanwhile
                await subscription.unsubscribe()
            await self.nc.flush()  # subscribed before the home is asked: `ready` comes down
        self._edges[room] = (held[0], held[1] + 1)

    def leave_edge(self, route: EdgeRoute) -> None:
        """A client of ``route``'s room is gone from this node."""
        self.peers.pop(route.cid, None)
        subscription, clients = self._edges[route.room]
        if clients > 1:
            self._edges[route.room] = (subscription, clients - 1)
        else:
            del self._edges[route.room]
            ring = self._rings.pop(route.room, None)
            if ring is not None:
                ring.clear()
            asyncio.get_running_loop().create_task(subscription.unsubscribe())

    def edge_peers(self, room: bytes) -> list[Peer]:
        """This node's clients of ``room`` (homed elsewhere)."""
        return [peer for peer in self.peers.values()
                if peer.upstream is not None and peer.upstream.room == room]

    def ring_copy(self, room: bytes) -> list[tuple[int, bytes]]:
        ring = self._rings.get(room)
        return [] if ring is None else ring.entries()

    async def _on_down(self, room: bytes, msg: Any) -> None:
        held = self._edges.get(room)
        if held is None or held[0]._id != msg.sid:
            return  # a subscription being dropped: its successor delivers the same
        try:
            message = read_down(msg.data)
        except Exception:
            return
        if isinstance(message, Deliver):
            if message.seq and room not in self.homes:
                ring = self._rings.get(room)
                if ring is None:
                    rooms = self.relay.rooms
                    ring = self._rings[room] = ReplayRing(rooms.limits.replay_frames, rooms.budget)
                ring.append((message.seq, message.data))
            peers = self.peers
            Peer.send_all([peers[c] for c in message.to.get(self.node, ()) if c in peers], message.data)
        elif message.node == self.node:
            peer = self.peers.get(message.cid)
            if peer is None:
                return
            if isinstance(message, Rate):
                self.relay._limit(peer, message.role)
            else:
                peer.finish(message.code, message.reason)
