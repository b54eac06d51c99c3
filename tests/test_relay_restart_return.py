"""QA2 #10: after a relay restart every client is back within one bound, and the
console does not show as present a member who is not back.

The bound: the relay is tried at most MAX_BACKOFF apart, and once it answers
that the room is not back yet, again within NO_ROOM_RETRY; with the handshakes
and the re-admission, every member can send again within RETURN_BOUND of the
relay listening again."""

from __future__ import annotations

import asyncio

from holdspace.client import events as ev
from holdspace.client.connection import MAX_BACKOFF, NO_ROOM_RETRY
from tests.session_helpers import open_room, seat

DEFAULT = {"backoff": (0.5, MAX_BACKOFF)}  # the clients' own backoff, not the tests' fast one
RETURN_BOUND = MAX_BACKOFF + NO_ROOM_RETRY + 1.0


async def test_members_are_back_and_can_send_within_the_bound_after_a_relay_restart(relay_factory):
    relay = await relay_factory()
    port = relay.port
    fac, fw, link = await open_room(relay.url, **DEFAULT)
    sam, sw = await seat(fac, fw, link, "Sam", **DEFAULT)
    ana, aw = await seat(fac, fw, link, "Ana", **DEFAULT)
    await relay.stop()  # all it knew is gone, as with kill -9
    # Down long enough for everyone's backoff to reach its longest step.
    for watch in (fw, sw, aw):
        await watch.expect(ev.ConnectionLost, lambda e: e.retry_in >= MAX_BACKOFF, timeout=20)
    await relay.start("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    back_at = loop.time()
    for member, watch in ((sam, sw), (ana, aw)):
        await watch.expect(ev.Admitted, timeout=RETURN_BOUND)
        await watch.expect(ev.GroupMessage, lambda e: e.kind == "roster"
                           and any(m["vk"] == member.identity.vk for m in e.body["members"]),
                           timeout=RETURN_BOUND)
    await sam.chat("still here")
    got = await aw.expect(ev.GroupMessage, lambda e: e.kind == "chat", timeout=RETURN_BOUND)
    assert got.body["text"] == "still here"
    assert loop.time() - back_at < RETURN_BOUND
    assert sw.of(ev.CutOff) == [] and aw.of(ev.CutOff) == []
    await fac.close_room()
    await ana.stop()
    await sam.stop()


async def test_the_console_shows_offline_a_member_the_restarted_relay_does_not_have(relay_factory):
    relay = await relay_factory()
    port = relay.port
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await relay.stop()
    await sam.stop()  # Sam's client is gone too (closed, or its laptop asleep)
    await relay.start("127.0.0.1", port)
    await fw.expect(ev.Connected, timeout=10)
    went = await fw.expect(ev.Presence, lambda e: e.state == "offline", timeout=10)
    assert went.member == sam.identity.vk and sam.identity.vk not in fac.online
    await aw.expect(ev.Admitted, timeout=10)  # Ana is back, and shown so
    assert ana.identity.vk in fac.online
    await fac.close_room()
    await ana.stop()
