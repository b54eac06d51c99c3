"""Cluster mode: relay nodes that share rooms over NATS (core pub/sub and
request/reply for traffic; a JetStream key-value bucket with memory storage
only for who holds each room and its state, so nothing can reach a disk).

Each room has one home node: the node where it was opened. The home holds the
room's state (rooms.py, as a lone relay does), numbers its group frames and
keeps its ring. Any other node is an edge for that room (cluster_edge.py): it
holds only its own clients' sockets, checks their signatures, rate limits and
sizes, and relays their frames to the home (``up``) and the home's frames to
them (``down``). At the home, a client on an edge is a RemoteConn: rooms.py
holds it like any connection, and sending to it publishes on the room's down
subject, which every edge holding someone of that room listens to. A group
frame goes down once per room, naming which connections on which node get it.

Every node publishes a heartbeat. When a room's home stops (killed, cut off),
an edge takes the room over with its state and ring (cluster_takeover.py) and
the room's clients reconnect and resume there: nothing is lost, no seq is used
twice, nobody does anything.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

import nats

from holdspace.relay import frames as f
from holdspace.relay.cluster_edge import PENDING_BYTES, PENDING_MSGS, EdgeSide
from holdspace.relay.cluster_takeover import Takeover
from holdspace.relay.cluster_wire import (
    Answer,
    Deliver,
    Finish,
    Message,
    Rate,
    Up,
    encode,
    read_hello,
    read_up,
    room_subject,
)
from holdspace.relay.errors import ProtocolError
from holdspace.relay.logs import log_bug
from holdspace.relay.peer import Peer
from holdspace.relay.protocol import read_client

if TYPE_CHECKING:
    from holdspace.relay.server import Relay

log = logging.getLogger("holdspace.relay.server")

CONNECT_TIMEOUT = 10.0  # to reach NATS at start
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


async def join_cluster(relay: Relay) -> Cluster:
    """Connect this relay to the others named in its config, or RuntimeError
    with a sentence for the person running it."""
    cfg = relay.config
    assert cfg.cluster_node is not None and cfg.cluster_subject_key is not None
    cluster = Cluster(relay, cfg.cluster_nats, cfg.cluster_node, cfg.cluster_subject_key.encode(),
                      cfg.cluster_replicas)
    try:
        await cluster.start()
    except Exception as exc:
        raise RuntimeError(f"Could not reach the NATS servers {', '.join(cfg.cluster_nats)}, or "
                           f"their JetStream (docs/SCALING.md) ({type(exc).__name__}).") from None
    return cluster


class Cluster(EdgeSide, Takeover):
    """This node's link to the others, through NATS."""

    def __init__(self, relay: Relay, servers: list[str], node: str, key: bytes,
                 replicas: int = 1) -> None:
        self.relay = relay
        self.servers = servers
        self.node = node
        self.key = key
        self.replicas = replicas  # of the KV bucket: 3 with 3 NATS servers
        self.nc: Any = None
        self.homes: dict[bytes, HomeRoom] = {}
        self._init_edge()
        self._init_takeover(key)
        self._tasks: list[asyncio.Task[None]] = []
        self._outbox: deque[tuple[str, bytes]] = deque()
        self._outbox_bytes = 0
        self.dropped = 0
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._beats: dict[str, float] = {}  # node -> when its last heartbeat came

    def subject(self, room: bytes, kind: str) -> str:
        return room_subject(self.key, room, kind)

    async def start(self) -> None:
        async def error(exc: Exception) -> None:  # type only: it may name an address
            log.warning("cluster: NATS error (%s)", type(exc).__name__)

        async def disconnected() -> None:
            log.warning("cluster: lost NATS, reconnecting")
            await self.nats_lost()

        async def reconnected() -> None:
            asyncio.get_running_loop().create_task(self.nats_back())  # not in nats-py's callback

        async with asyncio.timeout(CONNECT_TIMEOUT):
            self.nc = await nats.connect(
                servers=self.servers, name=f"holdspace-relay-{self.node}", pending_size=PENDING_BYTES,
                max_reconnect_attempts=-1, allow_reconnect=True, error_cb=error,
                disconnected_cb=disconnected, reconnected_cb=reconnected)
        await self.owner.start(self.nc.jetstream(), self.replicas)
        self.watch_changes()
        self._writer = asyncio.create_task(self._write())
        await self.nc.subscribe("hs.node.*.hb", cb=self._on_heartbeat)
        self._tasks = [asyncio.create_task(self._heartbeats()), asyncio.create_task(self._flush())]
        log.info("cluster: node %s joined", self.node)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
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
        """Say this node is alive; take over rooms whose home is not; write
        the seq of rooms that moved."""
        while True:
            self.publish(f"hs.node.{self.node}.hb", b"")
            try:
                self.watch_homes()
                self.seq_moved()
            except Exception as exc:
                log_bug(log, "cluster heartbeat", exc)
            await asyncio.sleep(self.heartbeat)

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
        if not await self.owner.claim(room):
            found = await self.owner.home_of(room)
            if found is not None and found[0] != self.node:
                log.warning("cluster: a room opened here is held by another node too")
        self.changed(room)

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
            held = self.relay.rooms.rooms.get(home.room)
            home.publish(Deliver(to, data, held.seq if held is not None else 0))

    async def forget_homes(self) -> None:
        """Stop answering for rooms this node no longer holds."""
        for room in [room for room in self.homes if room not in self.relay.rooms.rooms]:
            home = self.homes.pop(room)
            for subscription in home.subscriptions:
                await subscription.unsubscribe()
            await self.forget_state(room)
