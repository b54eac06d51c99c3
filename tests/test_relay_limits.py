"""A stranger without credentials cannot take the relay down (issue 10, item 7
and the relay's part of item 8): real relays on loopback, attacked as the
security review did. Two source addresses are two loopback addresses
(127.0.0.1 and 127.0.0.2), so the default config is what is attacked."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

import pytest
from websockets.exceptions import ConnectionClosed

from holdspace.relay.config import RelayConfig
from holdspace.relay.gate import AcceptErrors
from holdspace.relay.server import Relay
from tests.wire import CLOSE, TIMEOUT, Identity, WireClient, open_room, seat, stalled

pytestmark = pytest.mark.timeout(60)

OTHER = {"local_addr": ("127.0.0.2", 0)}  # a second address on this machine


async def test_a_room_slot_flood_from_one_address_leaves_rooms_for_others(relay: Relay) -> None:
    opened = refused = 0
    flood: list[WireClient] = []
    while opened < RelayConfig().max_rooms:  # before: all 1,000 rooms were the stranger's
        client = await WireClient.connect(relay.url)
        await client.send_create()
        reply = await client.recv()
        if reply["t"] == "error":
            assert reply["code"] == "rate_limited"
            refused += 1
            break
        flood.append(client)
        opened += 1
    assert refused == 1 and opened <= RelayConfig().rooms_per_minute
    facilitator = await WireClient.connect(relay.url, **OTHER)
    ready = await facilitator.create()  # a new facilitator elsewhere still opens a room
    assert len(ready["room"]) == 16
    # and the flood's address is told the same on its next try
    again = await WireClient.connect(relay.url)
    await again.send_create()
    await again.expect_fatal("rate_limited")


async def test_rooms_one_address_holds_are_capped_across_minutes(relay_factory, clock) -> None:
    relay = await relay_factory(clock=clock, rooms_per_address=3, rooms_per_minute=2)
    held = []
    for _ in range(2):
        held.append(await open_room(relay.url))
    third = await WireClient.connect(relay.url)
    await third.send_create()
    await third.expect_fatal("rate_limited")  # two a minute
    clock.advance(61)
    held.append(await open_room(relay.url))
    clock.advance(61)
    fourth = await WireClient.connect(relay.url)
    await fourth.send_create()
    await fourth.expect_fatal("rate_limited")  # three at once
    fac, _ = held.pop()
    await fac.send("close")
    await fac.closed()
    await open_room(relay.url)  # a closed room frees its slot


async def test_a_room_nobody_is_in_is_forgotten_within_a_minute(relay_factory, clock) -> None:
    relay = await relay_factory(clock=clock)
    empty_fac, empty = await open_room(relay.url)
    busy_fac, busy = await open_room(relay.url)
    member = await WireClient.connect(relay.url)
    secret = await busy_fac.add_invite()
    await member.join(busy, secret, busy_fac.vk)
    await busy_fac.expect("knock")
    await busy_fac.send("admit", member=member.vk)
    await member.expect("admitted")
    await empty_fac.close()
    await busy_fac.close()
    async with asyncio.timeout(TIMEOUT):
        while relay.connections != 1:
            await asyncio.sleep(0)
    clock.advance(61)
    relay.prune()
    assert empty not in relay.rooms.rooms  # before: kept 15 minutes
    assert busy in relay.rooms.rooms  # a seated member keeps the room's full grace


async def test_after_a_restart_only_the_facilitators_key_opens_its_room(relay_factory) -> None:
    first = await relay_factory()
    fac, room = await open_room(first.url)
    await first.stop()
    await fac.closed()
    second = await relay_factory()
    squatter = await WireClient.connect(second.url)  # saw the link, so knows the room id
    await squatter.send_create(room=room)
    await squatter.expect_fatal("room_taken")  # before: the squatter got the room
    back = await WireClient.connect(second.url, fac.identity)
    assert (await back.create(room=room))["room"] == room


async def test_a_made_up_room_id_cannot_be_opened(relay: Relay) -> None:
    client = await WireClient.connect(relay.url)
    await client.send_create(room=os.urandom(16))
    await client.expect_fatal("room_taken")


async def test_the_waiting_room_refuses_a_key_that_knocks_again_and_again(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    pest = Identity()
    for _ in range(RelayConfig().knocks_per_key):
        knocker = await WireClient.connect(relay.url, pest)
        await knocker.join(room, secret, fac.vk)
        await fac.expect("knock", member=pest.vk)
        await fac.send("deny", member=pest.vk)
        await knocker.expect_close(CLOSE["denied"])
    knocker = await WireClient.connect(relay.url, pest)
    await knocker.send_join(room, secret, fac.vk)
    await knocker.expect_fatal("rate_limited")  # before: an 11th knock, and more
    newcomer = await WireClient.connect(relay.url)
    await newcomer.join(room, secret, fac.vk)  # others still knock
    await fac.expect("knock", member=newcomer.vk)


async def test_a_frame_well_over_the_limit_closes_the_connection(relay_factory) -> None:
    relay = await relay_factory(max_frame_bytes=4096)
    fac, _ = await open_room(relay.url)
    await fac.group(b"x" * 5000)  # a little over: refused, the connection stays
    await fac.expect_error("too_large")
    await fac.send_raw(b"x" * (4096 + 2048))  # before: kept reading up to 16 KiB
    await fac.expect_close(1009)


async def test_an_unfinished_message_cannot_grow_past_the_limit(relay_factory) -> None:
    relay = await relay_factory(max_frame_bytes=4096)
    fac, _ = await open_room(relay.url)

    async def fragments():  # one message in 1 KiB pieces that never ends on its own
        for _ in range(64):
            yield b"x" * 1024

    with contextlib.suppress(ConnectionClosed):  # the relay may cut us mid-message
        await fac.ws.send(fragments())
    await fac.expect_close(1009)  # before: it could hold 16 KiB of it (250 KiB by default)


async def test_every_backlog_together_stays_within_the_relay_budget(relay_factory) -> None:
    budget = 256 * 1024
    relay = await relay_factory(max_backlog_bytes=1024 * 1024, backlog_budget_bytes=budget)
    fac, room = await open_room(relay.url)
    reader = await seat(relay.url, fac, room)
    stalled_members = [await stalled(relay.url, fac, room) for _ in range(3)]
    received: list[int] = []

    async def read_all() -> None:
        while (got := await reader.expect("group"))["ct"] != b"done":
            received.append(got["seq"])

    reading = asyncio.create_task(read_all())
    chunk = os.urandom(60 * 1024)
    peak, seq, offline = 0, 0, 0
    while offline < len(stalled_members):
        seq += 1
        assert seq < 500, "the stalled members were never dropped"
        await fac.group(chunk)
        while (got := await fac.recv())["t"] != "group" or got["seq"] != seq:
            offline += got["t"] == "presence" and got["state"] == "offline"
        peak = max(peak, relay.queued_bytes())
    # before: each of them held up to 1 MiB, 3 MiB in all
    assert peak <= budget + len(stalled_members) * (64 * 1024 + len(chunk)) + 1024
    await fac.group(b"done")
    await asyncio.wait_for(reading, TIMEOUT)
    assert received == list(range(1, seq + 1))  # the member who reads lost nothing


async def _raw_socket(port: int, host: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))


async def _cut_at_once(reader: asyncio.StreamReader) -> bool:
    """Whether the relay closes this socket without waiting for the
    handshake time (10 s) to run out."""
    try:
        return await asyncio.wait_for(reader.read(1), TIMEOUT) == b""
    except (TimeoutError, ConnectionResetError):
        return False


async def test_sockets_that_never_upgrade_count_per_address(relay_factory) -> None:
    relay = await relay_factory(connections_per_address=4)
    idle = [await _raw_socket(relay.port) for _ in range(4 + 8)]  # the cap, and the few told why
    reader, writer = await _raw_socket(relay.port)
    assert await _cut_at_once(reader)  # before: counted only after an upgrade
    writer.close()
    member = await WireClient.connect(relay.url, **OTHER)  # another address is served
    await member.create()
    for _, w in idle:
        w.close()


async def test_a_relay_wide_connection_cap(relay_factory) -> None:
    relay = await relay_factory(max_connections=3)
    idle = [await _raw_socket(relay.port, host) for host in ("127.0.0.2", "127.0.0.3", "127.0.0.4")]
    reader, writer = await _raw_socket(relay.port, "127.0.0.5")
    assert await _cut_at_once(reader)
    writer.close()
    for _, w in idle:
        w.close()


async def test_a_relay_beyond_loopback_without_a_token_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="holdspace.relay")
    for config, warned in ((RelayConfig(host="0.0.0.0", port=0), True),
                           (RelayConfig(host="0.0.0.0", port=0, create_token="t" * 20), False),
                           (RelayConfig(host="127.0.0.1", port=0), False)):
        caplog.clear()
        relay = Relay(config)
        await relay.start()
        await relay.stop()
        assert any("no create_token" in r.getMessage() for r in caplog.records) == warned


async def test_accept_errors_are_logged_at_most_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    loop = asyncio.get_running_loop()
    handler = AcceptErrors(loop, clock=lambda: now[0])
    handler.install()
    try:
        caplog.set_level(logging.WARNING, logger="holdspace.relay")
        context = {"message": "socket.accept() out of system resource",
                   "exception": OSError(24, "Too many open files")}
        for _ in range(1000):
            handler(loop, context)
            now[0] += 0.01
        assert len(caplog.records) == 1 and "open files" in caplog.records[0].getMessage()
        now[0] += 60
        handler(loop, context)
        assert len(caplog.records) == 2 and "(999 more" in caplog.records[1].getMessage()
    finally:
        handler.uninstall()
    assert loop.get_exception_handler() is None
