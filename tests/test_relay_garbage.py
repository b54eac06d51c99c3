"""Garbage never takes the relay down: bad first frames, non-WebSocket traffic, a handler bug."""

from __future__ import annotations

import asyncio
import os

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from relay_checks import assert_still_serving
from wire import TIMEOUT, WireClient, open_room, pack, seat

from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Relay

pytestmark = pytest.mark.timeout(30)


# --- garbage never takes the relay down -------------------------------------------------------------


async def test_garbage_before_the_handshake(relay: Relay) -> None:
    for garbage in (os.urandom(64), "hello", pack({"t": "create"}), b""):
        client = await WireClient.connect(relay.url)
        await client.send_raw(garbage)
        await client.expect_fatal("bad_frame")
    await assert_still_serving(relay)


async def test_huge_first_frame_closes_with_1009(relay_factory) -> None:
    relay = await relay_factory(max_frame_bytes=1024)
    client = await WireClient.connect(relay.url)
    await client.send_raw(os.urandom(5000))
    await client.expect_close(1009)
    big = await WireClient.connect(relay.url)
    await big.send_raw(os.urandom(2000))
    await big.expect_fatal("too_large")
    await assert_still_serving(relay)


async def test_non_websocket_traffic(relay: Relay) -> None:
    for request in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", os.urandom(300) + b"\r\n\r\n",
                    b"POST /healthz HTTP/1.1\r\n\r\n", b"\x16\x03\x01\x02\x00"):
        reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
        writer.write(request)
        await writer.drain()
        writer.write_eof()
        await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    with pytest.raises(InvalidStatus):
        await connect(f"ws://127.0.0.1:{relay.port}/healthz")
    await assert_still_serving(relay)


async def test_a_handler_bug_is_internal_for_that_frame_only(caplog) -> None:
    class FaultyRelay(Relay):
        def handle_revoke(self, peer, f, now):  # a bug whose message quotes a secret
            raise KeyError(f["hash"].hex())

    faulty = FaultyRelay(RelayConfig(port=0))
    await faulty.start()
    try:
        fac, room = await open_room(faulty.url)
        member = await seat(faulty.url, fac, room)
        secret_hash = os.urandom(32)
        await fac.send("revoke", hash=secret_hash)
        await fac.expect_error("internal")
        await member.group(b"unaffected")
        await fac.expect("group", seq=1)
        await member.expect("group", seq=1)
        assert "KeyError" in caplog.text and secret_hash.hex() not in caplog.text
    finally:
        await faulty.stop()
