"""Cluster nodes as their own processes: what happens when a room's home is
killed (kill -9). Its clients on other nodes are told (close 1012) within
seconds instead of waiting on a room that is gone, and the room goes on on a
live node once the facilitator's client reopens it there, as it does after a
relay restart (the room id is bound to its key, so no one else can).
The times are printed; they are not judged here (bench/ judges speed).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from pathlib import Path

import pytest

from tests.cluster_helpers import invite_from, nats_url  # noqa: F401 (nats_url: a fixture)
from tests.relay_process import RelayProcess, start_relay
from tests.wire import WireClient, open_room, seat

pytestmark = pytest.mark.timeout(90)

GONE = 1012  # the node holding the room stopped: reconnect


@pytest.fixture
async def node_processes(nats_url: str, tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    folder = tmp_path / "nodes"
    folder.mkdir()
    (folder / "relay.toml").write_text('cluster_subject_key = "a-test-key-the-same-on-every-node"\n')
    started: list[RelayProcess] = []

    async def start(name: str) -> RelayProcess:
        started.append(await start_relay(folder, "--nats", nats_url, "--node", name))
        return started[-1]

    yield start
    for node in started:
        if node.proc.returncode is None:
            node.proc.terminate()
            await node.proc.wait()


async def test_killing_a_rooms_home_node(node_processes, tmp_path: Path) -> None:
    a, b, c = [await node_processes(name) for name in ("a", "b", "c")]
    fac, room = await open_room(a.url)  # A is the home
    members = [await seat(node.url, fac, room, await invite_from(fac)) for node in (b, c)]
    await members[0].group(b"before")
    for client in (fac, *members):
        await client.expect("group", seq=1, ct=b"before")

    killed = time.monotonic()
    a.proc.kill()  # kill -9
    await a.proc.wait()

    # The facilitator's client reconnects through another node and reopens the room.
    back = await WireClient.connect(b.url, fac.identity)
    await back.create(room=room, resume=1)  # the last seq it saw
    reopened = time.monotonic() - killed

    # Members on the edges are told, rather than left talking to nobody.
    told = []
    for member in members:
        code, _ = await member.closed(timeout=10)
        assert code == GONE
        told.append(time.monotonic() - killed)

    # They come back as after a relay restart: the console sends its invites
    # again, they knock, it admits them, and the room goes on.
    secret = await invite_from(back)
    again = [await seat(node.url, back, room, secret, member.identity)
             for member, node in zip(members, (b, c))]
    await again[1].group(b"after")
    for client in (back, *again):
        await client.expect("group", ct=b"after", seq=2)  # no seq used twice
    going_on = time.monotonic() - killed
    print(f"home killed: room reopened on B after {reopened:.2f} s; members told after "
          f"{max(told):.2f} s; group traffic again after {going_on:.2f} s")
    assert max(told) < 5  # issue 16: within 5 s
    assert [p for p in (tmp_path / "nats").rglob("*") if p.is_file()] == []


class LoadBalancer:
    """A TCP load balancer on 127.0.0.1: each connection goes to the next
    node in turn that accepts it (a dead node is skipped)."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.turn = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
        return f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in self.backends:
            port = self.backends[self.turn % len(self.backends)]
            self.turn += 1
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            writer.close()
            return

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


async def one_key(a: Any, a_watch: Any, b: Any, b_watch: Any) -> None:
    """Wait until two member sessions hold the same group key: a chat sent
    under a key a member never held is not for it."""
    from holdspace.client import events as ev

    while (a_epoch := a.verifier.keys.epoch) != (b_epoch := b.verifier.keys.epoch):
        behind, newest = (a_watch, b_epoch) if a_epoch < b_epoch else (b_watch, a_epoch)
        await behind.expect(ev.KeyChanged, lambda e, n=newest: e.epoch >= n, timeout=20)


async def test_real_sessions_carry_on_when_the_home_is_killed(node_processes) -> None:
    from holdspace.client import events as ev
    from tests.session_helpers import open_room as open_session
    from tests.session_helpers import seat as seat_session

    nodes = [await node_processes(name) for name in ("a", "b", "c")]
    balancer = LoadBalancer([int(node.url.rsplit(":", 1)[1]) for node in nodes])
    url = await balancer.start()
    try:
        fac, fw, link = await open_session(url)  # through the balancer: node A, the home
        sam, sw = await seat_session(fac, fw, link, "Sam")  # node B
        kim, kw = await seat_session(fac, fw, link, "Kim")  # node C
        await one_key(sam, sw, kim, kw)  # Kim's admission re-keyed the room
        await sam.chat("before")
        await kw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "before")

        killed = time.monotonic()
        nodes[0].proc.kill()  # kill -9 of the room's home, with the facilitator's socket on it
        # Nobody does anything: the console reopens the room on a live node and
        # lets its members back in; their clients reconnect by themselves.
        await sw.expect(ev.Admitted, timeout=20)
        await kw.expect(ev.Admitted, timeout=20)
        await kw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 3,
                        timeout=20)
        await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 3,
                        timeout=20)
        # Members came back one at a time, so the console re-keyed more than
        # once: what is said before a member holds the newest key is not for it
        # (a newcomer reads nothing from before). Wait until both hold the same.
        await one_key(sam, sw, kim, kw)
        print(f"real sessions: both members seated again under one key "
              f"{time.monotonic() - killed:.2f} s after kill -9 of the home")
        await sam.chat("after")
        await kw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "after")
        await fac.close_room()
    finally:
        await balancer.stop()
