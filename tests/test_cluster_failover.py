"""Cluster nodes as their own processes: what happens when a room's home is
killed (kill -9). An edge takes the room over with its state (seats, bans,
invites) and its copy of the ring; the room's clients reconnect and resume
there by themselves, resending what the dead home never echoed: nothing is
lost, no seq is used twice, nobody does anything. The times are printed;
they are not judged here beyond issue 16's 5 s (bench/ judges speed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from pathlib import Path

import pytest

from tests.cluster_helpers import invite_from, nats_url, skip_to  # noqa: F401 (nats_url: a fixture)
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


async def test_a_killed_homes_room_goes_on_elsewhere_with_its_seats_bans_and_invites(
        node_processes, tmp_path: Path) -> None:
    a, b, c = [await node_processes(name) for name in ("a", "b", "c")]
    fac, room = await open_room(a.url)  # A is the home
    members = [await seat(node.url, fac, room, await invite_from(fac)) for node in (b, c)]
    bo = await seat(c.url, fac, room, await invite_from(fac))
    await fac.send("remove", member=bo.vk)  # banned for the room's lifetime
    await bo.closed()
    spare = await invite_from(fac)  # an invite nobody used yet
    await members[0].group(b"before")
    for client in (fac, *members):
        await client.expect("group", seq=1, ct=b"before")

    killed = time.monotonic()
    a.proc.kill()  # kill -9
    await a.proc.wait()

    # The facilitator's connection died with A: it comes back through B, as its
    # client does by itself, and finds its room, taken over by a live node.
    back = await WireClient.connect(b.url, fac.identity)
    await back.create(room=room, resume=1)  # the last seq it saw
    taken_over = time.monotonic() - killed
    offline = {(await back.expect("presence", state="offline"))["member"] for _ in members}
    assert offline == {m.vk for m in members}  # the seats came along

    # Members on the edges are told to reconnect, and are seated again at once
    # (no knock, no invite), missing nothing.
    told, again = [], []
    for member, node in zip(members, (c, b)):  # each through the other edge
        code, _ = await member.closed(timeout=10)
        assert code == GONE
        told.append(time.monotonic() - killed)
        client = await WireClient.connect(node.url, member.identity)
        await client.join(room, os.urandom(16), fac.vk, role="member", resume=1)
        again.append(client)
    await again[1].group(b"after")
    after = [await skip_to(client, "group", ct=b"after") for client in (back, *again)]
    assert {got["seq"] for got in after} == {after[0]["seq"]} and after[0]["seq"] > 1  # no seq reused

    # The ban and the invite came along too.
    banned = await WireClient.connect(b.url, bo.identity)
    await banned.send_join(room, spare, fac.vk)
    await banned.expect_fatal("banned")
    newcomer = await WireClient.connect(c.url)
    await newcomer.join(room, spare, fac.vk)  # into the waiting room
    print(f"home killed: room taken over and its facilitator back {taken_over:.2f} s after kill -9; "
          f"members told after {max(told):.2f} s")
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


def chats(watch: Any) -> list[Any]:
    from holdspace.client import events as ev

    return [e for e in watch.drain() if isinstance(e, ev.GroupMessage) and e.kind == "chat"]


class Talker:
    """A session that keeps saying numbered lines, as a person typing would;
    what it could not send (not connected, key not yet proven) it does not
    count: the person saw it refused."""

    def __init__(self, session: Any, name: str) -> None:
        self.session, self.name = session, name
        self.sent: list[str] = []
        self.enough = asyncio.Event()  # `wanted` more lines went out
        self.wanted = 0
        self.task = asyncio.create_task(self._talk())

    def want(self, more: int) -> None:
        self.wanted = len(self.sent) + more
        self.enough.clear()

    async def _talk(self) -> None:
        from holdspace.client.session import SessionError

        while True:
            text = f"{self.name}-{len(self.sent)}"
            try:
                await self.session.chat(text)
                self.sent.append(text)
            except SessionError:
                pass
            if len(self.sent) >= self.wanted:
                self.enough.set()
            # Typing speed, not a wait: 10 lines a second, half a member's rate
            # limit, far above anyone's, so the 2 s before the edges notice the
            # dead home hold about 25 unechoed lines each.
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def test_real_sessions_lose_nothing_when_the_home_is_killed(node_processes, tmp_path: Path) -> None:
    """Facilitator on A (the home), Sam on B, Kim on C, all talking; A is
    killed. Nobody does anything: every line sent reaches every other party
    exactly once, no seq is used for two frames, nobody is told of a gap."""
    from holdspace.client import events as ev
    from tests.session_helpers import open_room as open_session
    from tests.session_helpers import seat as seat_session

    nodes = [await node_processes(name) for name in ("a", "b", "c")]
    balancer = LoadBalancer([int(node.url.rsplit(":", 1)[1]) for node in nodes])
    url = await balancer.start()
    talkers: list[Talker] = []
    try:
        fac, fw, link = await open_session(url)  # through the balancer: node A, the home
        sam, sw = await seat_session(fac, fw, link, "Sam")  # node B
        kim, kw = await seat_session(fac, fw, link, "Kim")  # node C
        await one_key(sam, sw, kim, kw)
        parties = {fac.identity.vk: fw, sam.identity.vk: sw, kim.identity.vk: kw}
        talkers = [Talker(fac, "fac"), Talker(sam, "sam"), Talker(kim, "kim")]
        for talker in talkers:
            talker.want(10)
        for talker in talkers:
            await talker.enough.wait()

        killed = time.monotonic()
        nodes[0].proc.kill()  # kill -9 of the room's home, with the facilitator's socket on it
        for watch in parties.values():
            await watch.expect(ev.Connected, lambda e: e.resumed, timeout=20)
        resumed = time.monotonic() - killed
        for talker in talkers:  # and they go on talking there
            talker.want(10)
        for talker in talkers:
            await asyncio.wait_for(talker.enough.wait(), 20)
        for talker in talkers:
            await talker.stop()

        # Every party hears every line of the others', once.
        by_seq: dict[int, str] = {}
        for vk, watch in parties.items():
            others = {text for t in talkers if t.session.identity.vk != vk for text in t.sent}
            heard: list[ev.GroupMessage] = []
            while missing := others - {e.body["text"] for e in chats(watch)}:
                try:
                    await watch.expect(ev.GroupMessage, lambda e: e.kind == "chat", timeout=10)
                except TimeoutError:
                    raise AssertionError(f"never heard: {sorted(missing)}") from None
            heard = chats(watch)
            lines = [e.body["text"] for e in heard if e.sender != vk]
            assert sorted(lines) == sorted(others)  # 0 lost, 0 twice
            for event in heard:
                assert by_seq.setdefault(event.seq, event.body["text"]) == event.body["text"]  # 0 seq reused
            assert len({e.seq for e in heard}) == len(heard)  # (lines that waited for a key come later, by seq)
            assert not watch.of(ev.Gap) and not watch.of(ev.Rejected)
        sent = sum(len(t.sent) for t in talkers)
        print(f"real sessions, kill -9 of the home while all talk: every party resumed "
              f"{resumed:.2f} s after; {sent} lines sent, 0 lost, 0 twice, 0 seq reused")
        await fac.close_room()
        assert [p for p in (tmp_path / "nats").rglob("*") if p.is_file()] == []
    finally:
        for talker in talkers:
            await talker.stop()
        await balancer.stop()
