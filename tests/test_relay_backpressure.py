"""The relay's fan-out when a member stops reading: the stalled reader is dropped, the room goes on."""

from __future__ import annotations

import asyncio
import os
import socket
from types import SimpleNamespace

import pytest
from websockets.protocol import State
from relay_checks import settle
from wire import TIMEOUT, WireClient, knock, open_room, seat

from holdspace.relay.server import Peer

pytestmark = pytest.mark.timeout(30)


# --- a member that stops reading ----------------------------------------------------------------


async def test_a_stalled_reader_is_dropped_and_the_room_goes_on(relay_factory) -> None:
    backlog = 256 * 1024
    relay = await relay_factory(max_backlog_bytes=backlog)
    fac, room = await open_room(relay.url)
    reader = await seat(relay.url, fac, room)
    stalled = await WireClient.connect(relay.url, max_queue=1)
    sock = stalled.ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    await stalled.join(room, await fac.add_invite(), fac.vk)
    await fac.expect("knock", member=stalled.vk)
    await fac.send("admit", member=stalled.vk)
    await stalled.expect("admitted")
    # From now on `stalled` never reads: websockets stops reading its socket.

    received: list[int] = []

    async def read_all() -> None:
        while (got := await reader.expect("group"))["ct"] != b"after the drop":
            received.append(got["seq"])

    reading = asyncio.create_task(read_all())
    chunk = os.urandom(60 * 1024)
    peak, seq, dropped = 0, 0, False
    while not dropped:
        seq += 1
        assert seq < 500, "the stalled reader was never dropped"
        await fac.group(chunk)
        while True:  # read up to our own echo; notice the drop on the way
            got = await fac.recv()
            if got["t"] == "presence":
                assert (got["member"], got["state"]) == (stalled.vk, "offline")
                dropped = True
            elif got["t"] == "group" and got["seq"] == seq:
                break
        peak = max(peak, relay.queued_bytes())
    assert peak <= backlog + 2 * len(chunk) + 1024
    await settle(relay, 2)  # its connection is really closed (it cannot even read our close)

    await fac.group(b"after the drop")
    await fac.expect("group", seq=seq + 1)
    await asyncio.wait_for(reading, TIMEOUT)  # the other member got everything
    assert received == list(range(1, seq + 1))
    assert "holdspace_backlog_drops_total 1" in relay.metrics()


class FakeConnection:
    """What Peer and websockets' broadcast() use of a connection; records the
    frames written to it, in order."""

    send_in_progress = None

    def __init__(self, paused: bool = False) -> None:
        self.paused = paused  # websockets: the socket's buffer is full
        self.frames: list[bytes] = []
        self.protocol = SimpleNamespace(state=State.OPEN, send_binary=self.frames.append)

    def send_data(self) -> None:
        pass

    async def send(self, data: bytes) -> None:
        self.frames.append(data)


async def test_a_fan_out_writes_at_once_where_it_can_and_queues_behind_the_rest() -> None:
    free, behind, closing = FakeConnection(), FakeConnection(paused=True), FakeConnection()
    overflows: list[Peer] = []
    peers = [Peer(conn, "a", 1 << 20, overflows.append) for conn in (free, behind, closing)]
    peers[2].closing = (1000, "")  # on its way out: gets nothing more
    peers[1].send(b"first")  # its socket is full: queued
    Peer.send_all(peers, b"second")
    assert free.frames == [b"second"] and closing.frames == []
    assert behind.frames == [] and list(peers[1].queue) == [b"first", b"second"]
    behind.paused = False
    async with asyncio.timeout(TIMEOUT):
        while peers[1].queued:
            await asyncio.sleep(0)
    assert behind.frames == [b"first", b"second"] and not overflows
    await peers[1].wind_down()
