"""Cluster mode: relay nodes that share rooms over NATS (core pub/sub and
request/reply; nothing is stored, so nothing can reach a disk).

Each room has one home node: the node where it was opened. The home holds the
room's state (rooms.py, as a lone relay does), numbers its group frames and
keeps its ring. Any other node is an edge for that room: it holds only its
own clients' sockets, checks their signatures, rate limits and sizes, and
relays their frames to the home (``up``) and the home's frames to them
(``down``). At the home, a client on an edge is a RemoteConn: rooms.py holds
it like any connection, and sending to it publishes on the room's down
subject, which every edge holding someone of that room listens to. A group
frame goes down once per room, naming which connections on which node get it.

Every node publishes a heartbeat. When a room's home stops (killed, cut
off), its edges notice within DEAD_AFTER seconds and close that room's
clients with 1012, so nobody waits on a room that is gone; they reconnect
through the load balancer, and the facilitator's create opens the room on a
live node, as after a relay restart (the room id is bound to its key).

Not here yet (docs/SCALING.md): the room's state and ring moving to another
node without clients reconnecting (failover that loses nothing); two nodes
reopening the same room at the same moment are not arbitrated.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from holdspace.relay import frames as f
from holdspace.relay.cluster_wire import (
    Answer,
    Deliver,
    Finish,
    Gone,
    Hello,
    Message,
    Rate,
    Up,
    encode,
    read_answer,
    read_down,
    read_hello,
    read_up,
    room_subject,
)
from holdspace.relay.errors import ProtocolError
from holdspace.relay.logs import log_bug
from holdspace.relay.peer import Peer
from holdspace.relay.protocol import encode as encode_frame
from holdspace.relay.protocol import read_client

if TYPE_CHECKING:
    from holdspace.relay.server import Relay

log = logging.getLogger("holdspace.relay.server")

RPC_TIMEOUT = 5.0  # for the home to answer a handshake
CONNECT_TIMEOUT = 10.0  # to reach NATS at start
HEARTBEAT = 0.5  # seconds between a node's heartbeats
DEAD_AFTER = 2.0  # a home silent this long is taken for dead
GONE_CODE = 1012  # WebSocket "service restart": reconnect
PENDING_BYTES = 64 * 1024 * 1024  # nats-py's outgoing buffer, and each subscription's
PENDING_MSGS = 100_000
OUTBOX_BYTES = 64 * 1024 * 1024  # what waits here for nats-py; past it, dropped and counted


class RemoteConn:
    """A client on another node, as the room's home holds it."""

    __slots__ = ("home", "node", "cid", "address", "bucket", "closing", "dropped")

    def __init__(self, home: HomeRoom, node: str, cid: int, address: str) -> None:
        self.home, self.node, self.cid, self.address = home, node, cid, address
        self.bucket = None  # its edge rate limits it
        self.closing = None
        self.dropped = False

    def send(self, data: bytes) -> None:
        self.home.publish(Deliver({self.node: [self.cid]}, data))

    def finish(self, code: int, reason: str = "") -> None:
        self.home.publish(Finish(self.node, self.cid, code, reason))

    def rate_as(self, role: str) -> None:
        """Its edge limits its rate: tell it the client's new role."""
        self.home.publish(Rate(self.node, self.cid, role))


class HomeRoom:
    """A room this node is home of, as the other nodes reach it."""

    def __init__(self, cluster: Cluster, room: bytes) -> None:
        self.cluster = cluster
        self.room = room
        self.down = cluster.subject(room, "down")
        self.remote: dict[tuple[str, int], RemoteConn] = {}
        self.subscriptions: list[Any] = []

    def publish(self, message: Message) -> None:
        self.cluster.publish(self.down, encode(message))


class EdgeRoute:
    """How a client on this node reaches its room's home."""

    __slots__ = ("cluster", "room", "up", "cid", "home")

    def __init__(self, cluster: Cluster, room: bytes, cid: int) -> None:
        self.cluster, self.room, self.cid = cluster, room, cid
        self.home = ""  # the home node's name, once it answered
        self.up = cluster.subject(room, "up")

    def forward(self, data: bytes) -> None:
        self.cluster.publish(self.up, encode(Up(self.cluster.node, self.cid, data)))

    def gone(self, left: bool) -> None:
        self.cluster.publish(self.up, encode(Gone(self.cluster.node, self.cid, left)))
        self.cluster.leave_edge(self)


async def join_cluster(relay: Relay) -> Cluster:
    """Connect this relay to the others named in its config, or RuntimeError
    with a sentence for the person running it."""
    cfg = relay.config
    assert cfg.cluster_node is not None and cfg.cluster_subject_key is not None
    cluster = Cluster(relay, cfg.cluster_nats, cfg.cluster_node, cfg.cluster_subject_key.encode())
    try:
        await cluster.start()
    except Exception as exc:
        raise RuntimeError(f"Could not reach the NATS servers {', '.join(cfg.cluster_nats)} "
                           f"({type(exc).__name__}).") from None
    return cluster


class Cluster:
    """This node's link to the others, through NATS."""

    def __init__(self, relay: Relay, servers: list[str], node: str, key: bytes) -> None:
        self.relay = relay
        self.servers = servers
        self.node = node
        self.key = key
        self.nc: Any = None
        self.homes: dict[bytes, HomeRoom] = {}
        self.peers: dict[int, Peer] = {}  # this node's clients of rooms homed elsewhere
        self._edges: dict[bytes, tuple[Any, int]] = {}  # room -> (down subscription, clients)
        self._cids = itertools.count(1)
        self._outbox: deque[tuple[str, bytes]] = deque()
        self._outbox_bytes = 0
        self.dropped = 0
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._beats: dict[str, float] = {}  # node -> when its last heartbeat came
        self._watch: asyncio.Task[None] | None = None

    def subject(self, room: bytes, kind: str) -> str:
        return room_subject(self.key, room, kind)

    async def start(self) -> None:
        async def error(exc: Exception) -> None:  # type only: it may name an address
            log.warning("cluster: NATS error (%s)", type(exc).__name__)

        async def disconnected() -> None:
            log.warning("cluster: lost NATS, reconnecting")

        async with asyncio.timeout(CONNECT_TIMEOUT):
            self.nc = await nats.connect(
                servers=self.servers, name=f"holdspace-relay-{self.node}", pending_size=PENDING_BYTES,
                max_reconnect_attempts=-1, allow_reconnect=True, error_cb=error,
                disconnected_cb=disconnected)
        self._writer = asyncio.create_task(self._write())
        await self.nc.subscribe("hs.node.*.hb", cb=self._on_heartbeat)
        self._watch = asyncio.create_task(self._heartbeats())
        log.info("cluster: node %s joined", self.node)

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        if self._writer is not None:
            while self._outbox:  # what the closing connections said goes out first
                self._wake.set()
                await asyncio.sleep(0)
            self._writer.cancel()
        if self.nc is not None:
            await self.nc.drain()

    # --- sending, in order, without making the relay wait -------------------------

    def publish(self, subject: str, data: bytes) -> None:
        if self._outbox_bytes + len(data) > OUTBOX_BYTES:
            self.dropped += 1
            return
        self._outbox.append((subject, data))
        self._outbox_bytes += len(data)
        self._wake.set()

    async def _write(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                subject, data = self._outbox.popleft()
                self._outbox_bytes -= len(data)
                try:
                    await self.nc.publish(subject, data)
                except Exception as exc:  # a NATS outage must not stop the writer
                    log_bug(log, "cluster publish", exc)

    # --- who is alive --------------------------------------------------------------

    async def _on_heartbeat(self, msg: Any) -> None:
        node = msg.subject.split(".")[2]
        self._beats[node] = asyncio.get_running_loop().time()

    async def _heartbeats(self) -> None:
        """Say this node is alive; close the clients of rooms whose home is not."""
        loop = asyncio.get_running_loop()
        while True:
            self.publish(f"hs.node.{self.node}.hb", b"")
            now = loop.time()
            for peer in list(self.peers.values()):
                route = peer.upstream
                if route is not None and now - self._beats.get(route.home, now) > DEAD_AFTER:
                    peer.finish(GONE_CODE, "the relay node holding this room stopped")
            await asyncio.sleep(HEARTBEAT)

    # --- the home side --------------------------------------------------------------

    async def home(self, room: bytes) -> None:
        """This node opened ``room``: answer other nodes' handshakes and frames for it."""
        if room in self.homes:
            return
        home = self.homes[room] = HomeRoom(self, room)
        limits = {"pending_msgs_limit": PENDING_MSGS, "pending_bytes_limit": PENDING_BYTES}
        home.subscriptions = [
            await self.nc.subscribe(self.subject(room, "rpc"), cb=partial(self._on_hello, home), **limits),
            await self.nc.subscribe(self.subject(room, "up"), cb=partial(self._on_up, home), **limits),
        ]
        await self.nc.flush()  # the server has them before this room's first frame is read

    async def _on_hello(self, home: HomeRoom, msg: Any) -> None:
        relay = self.relay
        answer = Answer(home=self.node)
        try:
            hello = read_hello(msg.data)
            frame = read_client(hello.hello)
            conn = RemoteConn(home, hello.node, hello.cid, hello.address)
            home.remote[(hello.node, hello.cid)] = conn
            try:
                if isinstance(frame, f.Create):
                    relay.handle_create(conn, frame, relay.clock())
                elif isinstance(frame, f.Join):
                    relay.handle_join(conn, frame, relay.clock())
                else:
                    raise ProtocolError("bad_frame", "answer the challenge with create or join")
            except ProtocolError:
                del home.remote[(hello.node, hello.cid)]
                raise
            party = relay.rooms.party(conn)
            answer = Answer(role=party.role if party is not None else None, home=self.node)
        except ProtocolError as exc:
            answer = Answer(code=exc.code, msg=exc.msg, home=self.node)
        except Exception as exc:
            log_bug(log, "cluster handshake", exc)
            answer = Answer(code="internal", msg="the relay failed; please try again", home=self.node)
        await msg.respond(encode(answer))

    async def _on_up(self, home: HomeRoom, msg: Any) -> None:
        try:
            message = read_up(msg.data)
        except Exception:
            return  # not from a node of ours
        if isinstance(message, Up):
            conn = home.remote.get((message.node, message.cid))
            if conn is not None:
                self.relay.handle_frame(conn, message.data, self.relay.clock())
        else:
            conn = home.remote.pop((message.node, message.cid), None)
            if conn is not None:
                self.relay.detach(conn, message.left)

    def fan_out(self, recipients: Iterable[Any], data: bytes) -> None:
        """A group frame to every recipient: this node's own at once, the rest
        in one message down to the edges."""
        local: list[Peer] = []
        to: dict[str, list[int]] = {}
        home = None
        for conn in recipients:
            if type(conn) is RemoteConn:
                to.setdefault(conn.node, []).append(conn.cid)
                home = conn.home
            else:
                local.append(conn)
        Peer.send_all(local, data)
        if home is not None:
            home.publish(Deliver(to, data))

    async def forget_homes(self) -> None:
        """Stop answering for rooms this node no longer holds."""
        for room in [room for room in self.homes if room not in self.relay.rooms.rooms]:
            home = self.homes.pop(room)
            for subscription in home.subscriptions:
                await subscription.unsubscribe()

    # --- the edge side --------------------------------------------------------------

    async def enter(self, peer: Peer, hello: f.Create | f.Join) -> str | None:
        """Take a checked handshake to the room's home, if another node holds
        the room. Returns the role it was given, or None when this node
        should handle it itself (its own room, or one nobody holds)."""
        room = hello.room
        if room is None or room in self.relay.rooms.rooms:
            return None
        cid = next(self._cids)
        route = EdgeRoute(self, room, cid)
        await self._join_edge(room)
        self.peers[cid] = peer  # before asking: `ready` may come down before the answer
        request = encode(Hello(self.node, cid, peer.address, encode_frame(hello)))
        try:
            reply = await self.nc.request(self.subject(room, "rpc"), request, timeout=RPC_TIMEOUT)
            answer = read_answer(reply.data)
        except NoRespondersError:
            self.leave_edge(route)
            if isinstance(hello, f.Create):
                return None  # nobody holds it: it opens here
            raise ProtocolError("no_room", "there is no such room (it may have closed)") from None
        except (NatsTimeout, TimeoutError):
            self.leave_edge(route)
            raise ProtocolError("internal", "the relay holding this room did not answer; try again") from None
        if answer.code is not None:
            self.leave_edge(route)
            raise ProtocolError(answer.code, answer.msg)
        route.home = answer.home
        self._beats.setdefault(answer.home, asyncio.get_running_loop().time())
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
            asyncio.get_running_loop().create_task(subscription.unsubscribe())

    async def _on_down(self, room: bytes, msg: Any) -> None:
        held = self._edges.get(room)
        if held is None or held[0]._id != msg.sid:
            return  # a subscription being dropped: its successor delivers the same
        try:
            message = read_down(msg.data)
        except Exception:
            return
        if isinstance(message, Deliver):
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
