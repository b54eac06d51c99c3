"""The relay's per-connection and per-address rate limits, with a trusted proxy naming the client."""

from __future__ import annotations

import asyncio
import os

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from relay_checks import settle
from wire import CLOSE, TIMEOUT, WireClient, open_room, seat

pytestmark = pytest.mark.timeout(30)


# --- rate limits ------------------------------------------------------------------------------------


async def test_frame_rate_limit_then_close(relay_factory, clock) -> None:
    relay = await relay_factory(clock=clock, member_rate=1.0, member_burst=3)
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    for _ in range(4):
        await member.group(b"chatter")
    for seq in (1, 2, 3):
        await member.expect("group", seq=seq)
    await member.expect_error("rate_limited")
    clock.advance(1.0)  # one token back
    await member.group(b"later")
    await member.expect("group", seq=4)
    for _ in range(3):  # refusals 2, 3, 4 since the bucket was full: past a burst's worth
        await member.group(b"flood")
    frames = await member.expect_close(CLOSE["rate_limited"])
    assert [f.get("code") for f in frames] == ["rate_limited"] * 3
    await fac.expect("group", seq=1)  # the facilitator was not limited


async def test_failed_joins_per_address(relay_factory) -> None:
    relay = await relay_factory(failed_joins_per_minute=2)
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    wrong = await WireClient.connect(relay.url)
    await wrong.send_join(room, os.urandom(16), fac.vk)
    await wrong.expect_fatal("bad_invite")
    forged = await WireClient.connect(relay.url)
    await forged.send_join(room, secret, fac.vk, sig=bytes(64))
    await forged.expect_fatal("bad_auth")
    honest = await WireClient.connect(relay.url)
    await honest.send_join(room, secret, fac.vk)
    await honest.expect_fatal("rate_limited")


async def test_connections_per_address(relay_factory) -> None:
    relay = await relay_factory(connections_per_address=2)
    first, second = await WireClient.connect(relay.url), await WireClient.connect(relay.url)
    async with connect(relay.url, compression=None) as third:
        reply = msgpack.unpackb(await asyncio.wait_for(third.recv(), TIMEOUT))
        assert reply["t"] == "error" and reply["code"] == "rate_limited"
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(third.recv(), TIMEOUT)
        assert closed.value.rcvd.code == CLOSE["rate_limited"]
    await first.close()
    await settle(relay, 1)
    fourth = await WireClient.connect(relay.url)  # a slot is free again
    await fourth.create()
    await second.close()


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(relay_factory) -> None:
    relay = await relay_factory(trusted_proxies=["127.0.0.1"], connections_per_address=1)
    via = {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}  # the client, then an inner proxy
    first = await WireClient.connect(relay.url, additional_headers=via)
    other = await WireClient.connect(relay.url, additional_headers={"X-Forwarded-For": "203.0.113.9"})
    async with connect(relay.url, compression=None, additional_headers=via) as same:
        reply = msgpack.unpackb(await asyncio.wait_for(same.recv(), TIMEOUT))
        assert reply["code"] == "rate_limited"
    await first.create()
    await other.create()
