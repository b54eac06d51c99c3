"""Who holds a room, and taking it over when its home dies.

Every home writes its rooms' state to JetStream KV (cluster_kv.py) on control
changes and when seq moved, at most once per heartbeat. When a home stops
beating, each edge holding clients of its rooms races a compare-and-set of
``home.<rh>``; the winner loads the state, adds its own copy of the ring (what
the old home sent down), numbers on from strictly above anything used, and
answers for the room. Then every edge closes the room's clients with 1012:
they reconnect through the load balancer and resume their seats, wherever
they land. A handshake for a room that no node answers for does the same race
(a home whose clients were all on it has no edge to notice).

A mixin of Cluster (cluster.py), which provides the attributes annotated below.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from holdspace.relay import frames as f
from holdspace.relay.cluster_kv import Ownership
from holdspace.relay.cluster_state import restore, snapshot
from holdspace.relay.errors import ProtocolError
from holdspace.relay.logs import log_bug
from holdspace.relay.peer import Peer

if TYPE_CHECKING:
    from holdspace.relay.server import Relay

log = logging.getLogger("holdspace.relay.server")

# A node silent for cluster_dead_after_seconds is taken for dead; each beats
# BEATS times in that while. A live home that does not answer for a room for
# half of it does not hold it (it forgot it, or restarted under the same name).
BEATS = 4
GONE_CODE = 1012  # WebSocket "service restart": reconnect
NO_ROOM = "there is no such room (it may have closed)"


class Takeover:
    relay: Relay
    node: str
    homes: dict[bytes, Any]
    _beats: dict[str, float]

    if TYPE_CHECKING:  # provided by Cluster and EdgeSide
        peers: dict[int, Peer]
        async def home(self, room: bytes) -> None: ...
        async def forget_homes(self) -> None: ...
        def edge_peers(self, room: bytes) -> list[Peer]: ...
        def ring_copy(self, room: bytes) -> list[tuple[int, bytes]]: ...

    def _init_takeover(self, key: bytes) -> None:
        self.owner = Ownership(self.node, key)
        self._dirty: set[bytes] = set()  # home rooms whose state changed since written
        self._written_seq: dict[bytes, int] = {}
        self._failing: set[bytes] = set()  # rooms whose dead home this node is replacing
        self._flush_wake = asyncio.Event()
        self._homes_checked = asyncio.Event()  # cleared while NATS is away: state waits
        self._homes_checked.set()
        self._started = asyncio.get_running_loop().time()
        self.dead_after = self.relay.config.cluster_dead_after_seconds
        self.heartbeat = self.dead_after / BEATS
        self.takeovers = 0

    def alive(self, node: str) -> bool:
        now = asyncio.get_running_loop().time()
        return now - self._beats.get(node, self._started) <= self.dead_after

    # --- state, written by the home ------------------------------------------------------

    def changed(self, room: bytes) -> None:
        """A control change in ``room``: its state is written soon (once for
        many changes in a row)."""
        if room in self.homes:
            self._dirty.add(room)
            self._flush_wake.set()

    def watch_changes(self) -> None:
        """Mark a home room's state for writing after each change to it: the
        relay's control handlers, handshakes and departures are wrapped here,
        on this relay object only, so a lone relay runs exactly as before."""
        relay = self.relay

        def party(peer: Any) -> Any:
            return relay.rooms.party(peer)

        def after(handler: Any) -> Any:
            def run(peer: Any, *args: Any) -> None:
                handler(peer, *args)  # a refusal raises: nothing changed
                found = party(peer)
                if found is not None:
                    self.changed(found.room.id)
            return run

        def detach(peer: Any, left: bool = False) -> None:
            found = party(peer)
            detach_here(peer, left)
            if found is not None:
                self.changed(found.room.id)

        for cls, handler in list(relay._handlers.items()):
            if cls not in (f.Group, f.Direct):  # data frames change no state
                relay._handlers[cls] = after(handler)
        relay.handle_create = after(relay.handle_create)  # type: ignore[method-assign]
        relay.handle_join = after(relay.handle_join)  # type: ignore[method-assign]
        detach_here = relay.detach
        relay.detach = detach  # type: ignore[method-assign]

    def seq_moved(self) -> None:
        """Every heartbeat: rooms that numbered frames since last written."""
        for room in self.homes:
            held = self.relay.rooms.rooms.get(room)
            if held is not None and held.seq != self._written_seq.get(room):
                self._dirty.add(room)
        if self._dirty:
            self._flush_wake.set()

    async def _flush(self) -> None:
        while True:
            await self._flush_wake.wait()
            await self._homes_checked.wait()  # never over the state of a room taken over
            self._flush_wake.clear()
            while self._dirty:
                room = self._dirty.pop()
                held = self.relay.rooms.rooms.get(room)
                if held is None or room not in self.homes:
                    continue
                seq = held.seq
                try:
                    await self.owner.save(room, snapshot(held, self.relay.clock(), time.time()))
                    self._written_seq[room] = seq
                except Exception as exc:  # NATS away: written again at the next change
                    log_bug(log, "cluster state", exc)

    async def nats_lost(self) -> None:
        self._homes_checked.clear()

    async def nats_back(self) -> None:
        """NATS came back. While it was away, other nodes may have taken this
        node for dead and taken its rooms over: those are theirs now, and this
        node lets go of them (their clients reconnect to the new home)."""
        try:
            for room in list(self.homes):
                found = await self.owner.home_of(room)
                if found is not None and found[0] != self.node:
                    self._dirty.discard(room)
                    for conn in self.relay.rooms.drop(room):
                        conn.finish(GONE_CODE, "this room moved to another relay node")
                    log.info("cluster: let go of a room another node took over")
        except Exception as exc:  # NATS away again: checked at the next reconnection
            log_bug(log, "cluster recheck", exc)
            return
        self._homes_checked.set()
        await self.forget_homes()

    async def forget_state(self, room: bytes) -> None:
        self._dirty.discard(room)
        self._written_seq.pop(room, None)
        try:
            await self.owner.release(room)
        except Exception as exc:
            log_bug(log, "cluster release", exc)

    # --- taking a room over -----------------------------------------------------------------

    async def resolve(self, room: bytes, create: bool, silent_for: float) -> bool:
        """No node answers for ``room``. True if this node now holds it (a
        create opens it here; a room whose home died was taken over here);
        False if another node does (ask it again); ProtocolError no_room if
        nobody holds it and this is a join."""
        found = await self.owner.home_of(room)
        if found is None:
            if not create:
                raise ProtocolError("no_room", NO_ROOM)
            return await self.owner.claim(room)
        node, revision = found
        if node != self.node and self.alive(node) and silent_for < self.dead_after / 2:
            return False  # a new home subscribing, or one about to answer
        if room in self.relay.rooms.rooms:
            return True
        if not await self.owner.take(room, revision):
            return room in self.relay.rooms.rooms  # another node won, or this one just did
        return await self._adopt(room, create)

    async def _adopt(self, room: bytes, create: bool) -> bool:
        """This node won ``room``: load what its old home wrote."""
        data = await self.owner.state(room)
        if room in self.relay.rooms.rooms:
            return True
        if data is None:  # it died before writing any: a create opens it afresh
            if create:
                return True
            await self.owner.release(room)
            raise ProtocolError("no_room", NO_ROOM)
        relay = self.relay
        relay.rooms.adopt(restore(data, room, relay.rooms, self.ring_copy(room), relay.clock(), time.time()))
        self.takeovers += 1
        await self.home(room)
        log.info("cluster: took over a room whose home stopped (%d rooms here)", len(relay.rooms))
        return True

    def watch_homes(self) -> None:
        """Every heartbeat: rooms of this node's clients whose home went silent."""
        for peer in list(self.peers.values()):
            route = peer.upstream
            if route is None or route.room in self._failing or self.alive(route.home):
                continue
            self._failing.add(route.room)
            asyncio.get_running_loop().create_task(self._fail_over(route.room, route.home))

    async def _fail_over(self, room: bytes, dead: str) -> None:
        try:
            found = await self.owner.home_of(room)
            if found is not None and found[0] == dead and room not in self.relay.rooms.rooms:
                if await self.owner.take(room, found[1]):
                    await self._adopt(room, create=False)
        except ProtocolError:
            pass  # nothing to take over: its clients are told below all the same
        except Exception as exc:
            log_bug(log, "cluster takeover", exc)
        finally:
            self._failing.discard(room)
            # The room's clients here talked to the dead home: they reconnect and
            # resume their seats, on this node or another, at the room's new home.
            for peer in self.edge_peers(room):
                if peer.upstream is not None and peer.upstream.home == dead:
                    peer.finish(GONE_CODE, "the relay node holding this room stopped")
