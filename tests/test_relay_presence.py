"""The relay's presence, reconnection, replay and grace periods over real WebSockets."""

from __future__ import annotations

import os

import pytest
from relay_checks import settle
from wire import WireClient, knock, open_room, seat

from holdspace.relay.server import Relay

pytestmark = pytest.mark.timeout(30)


# --- presence, reconnection and replay -------------------------------------------------------------


async def test_reconnect_within_seat_grace_resumes_and_replays(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite(uses=1)
    member = await seat(relay.url, fac, room, secret)
    await member.ws.close(4000)
    await fac.expect("presence", member=member.vk, state="offline")
    for n in range(3):
        await fac.group(bytes([n]))
        await fac.expect("group", seq=n + 1)

    back = await WireClient.connect(relay.url, member.identity)
    # The single-use invite is spent: a seated member comes back without one.
    ready = await back.join(room, secret, fac.vk, role="member", resume=1)
    assert ready["seq"] == 3
    assert [(await back.expect("group"))["seq"] for _ in range(2)] == [2, 3]
    await fac.expect("presence", member=member.vk, state="online")


async def test_facilitator_reconnect_gets_presence_knocks_and_replay(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    online = await seat(relay.url, fac, room)
    away = await seat(relay.url, fac, room)
    await away.ws.close(4000)
    await fac.expect("presence", member=away.vk, state="offline")
    await online.group(b"one")
    await fac.expect("group", seq=1)
    await fac.ws.close(4000)
    await online.expect("group", seq=1)
    await online.expect("facilitator", present=False)
    waiting = await WireClient.connect(relay.url)
    await waiting.join(room, secret, fac.vk)  # knocks while the facilitator is away
    await online.group(b"two")
    await online.expect("group", seq=2)

    back = await WireClient.connect(relay.url, fac.identity)
    await back.create(room=room, resume=1)
    got = [await back.recv() for _ in range(4)]
    assert {(f["member"], f["state"]) for f in got if f["t"] == "presence"} == {
        (online.vk, "online"), (away.vk, "offline"),
    }
    assert [f["member"] for f in got if f["t"] == "knock"] == [waiting.vk]
    assert [f["seq"] for f in got if f["t"] == "group"] == [2]


async def test_presence_online_offline_gone(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    leaver = await seat(relay.url, fac, room)
    await leaver.close(1000)  # leaving on purpose
    await fac.expect("presence", member=leaver.vk, state="gone")
    back = await WireClient.connect(relay.url, leaver.identity)
    await back.send_join(room, os.urandom(16), fac.vk)
    await back.expect_fatal("bad_invite")  # the seat was given up

    waiting = await knock(relay.url, fac, room)
    await waiting.ws.close(4000)
    await fac.expect("presence", member=waiting.vk, state="gone")

    dropper = await seat(relay.url, fac, room)
    dropper.ws.transport.abort()  # a network fault, no close frame
    await fac.expect("presence", member=dropper.vk, state="offline")
    again = await WireClient.connect(relay.url, dropper.identity)
    await again.join(room, os.urandom(16), fac.vk, role="member")
    await fac.expect("presence", member=dropper.vk, state="online")


async def test_seat_grace_via_prune(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    await member.ws.close(4000)
    await fac.expect("presence", state="offline")
    relay.prune(relay.clock() + 299)
    relay.prune(relay.clock() + 301)
    await fac.expect("presence", member=member.vk, state="gone")
    back = await WireClient.connect(relay.url, member.identity)
    await back.send_join(room, os.urandom(16), fac.vk)
    await back.expect_fatal("bad_invite")


async def test_seat_grace_runs_by_itself(relay_factory) -> None:
    relay = await relay_factory(seat_grace_seconds=0.05)
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    await member.ws.close(4000)
    await fac.expect("presence", member=member.vk, state="offline")
    await fac.expect("presence", member=member.vk, state="gone")


async def test_room_grace_forgets_the_room(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    member = await seat(relay.url, fac, room, secret)
    await fac.ws.close(4000)
    await settle(relay, 1)
    await member.expect("facilitator", present=False)
    relay.prune(relay.clock() + 899)
    await member.group(b"still open")
    await member.expect("group", seq=1)
    relay.prune(relay.clock() + 901)
    await member.expect("closed", reason="room_closed")
    await member.expect_close(4005)
    assert len(relay.rooms) == 0
    late = await WireClient.connect(relay.url)
    await late.send_join(room, secret, fac.vk)
    await late.expect_fatal("no_room")
