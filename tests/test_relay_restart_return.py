"""QA2 #10: after a relay restart every client is back within one bound, and the
console does not show as present a member who is not back.

The bound: the relay is tried at most MAX_BACKOFF apart, and once it answers
that the room is not back yet, again within NO_ROOM_RETRY; with the handshakes
and the re-admission, every member can send again within RETURN_BOUND of the
relay listening again."""

from __future__ import annotations

import asyncio
import socket

from holdspace.client import events as ev
from holdspace.client.connection import MAX_BACKOFF, NO_ROOM_RETRY
from tests.cofacilitator_helpers import bring_co
from tests.session_helpers import open_room, seat

DEFAULT = {"backoff": (0.5, MAX_BACKOFF)}  # the clients' own backoff, not the tests' fast one
RETURN_BOUND = MAX_BACKOFF + NO_ROOM_RETRY + 1.0


async def settled(fac, fw, member, watch) -> None:
    """Every direct between the facilitator and ``member`` so far has arrived (a
    relay killed with one in flight loses it: a real gap, not the one tested)."""
    await member.private("are we all here?")
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "private" and e.sender == member.identity.vk)
    await fac.private(member.identity.vk, "yes")
    await watch.expect(ev.DirectMessage, lambda e: e.kind == "private")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_members_are_back_and_can_send_within_the_bound_after_a_relay_restart(relay_factory):
    relay = await relay_factory()
    port = relay.port
    fac, fw, link = await open_room(relay.url, **DEFAULT)
    sam, sw = await seat(fac, fw, link, "Sam", **DEFAULT)
    ana, aw = await seat(fac, fw, link, "Ana", **DEFAULT)
    await settled(fac, fw, sam, sw)
    await settled(fac, fw, ana, aw)
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
    assert sw.of(ev.Gap) == [] and aw.of(ev.Gap) == []  # nothing was said while they were away
    await fac.close_room()
    await ana.stop()
    await sam.stop()


async def test_a_member_back_after_the_others_is_told_of_no_missing_message(relay_factory):
    """The console keys the members back as they come; one not back yet is sent
    nothing (the relay would drop it, and its counter say a message is missing)."""
    relay = await relay_factory()
    port = relay.port
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await settled(fac, fw, sam, sw)
    await settled(fac, fw, ana, aw)
    before = fac.verifier.keys.epoch
    await relay.stop()
    ana.relay_url = f"ws://127.0.0.1:{closed_port()}"  # Ana's own network is down longer
    await relay.start("127.0.0.1", port)
    await sw.expect(ev.Admitted, timeout=10)
    await fw.expect(ev.RosterChanged, lambda e: e.epoch > before, timeout=10)  # Sam's key went out
    ana.relay_url = relay.url
    await aw.expect(ev.Admitted, timeout=10)
    await fac.private(ana.identity.vk, "welcome back")
    await aw.expect(ev.DirectMessage, lambda e: e.kind == "private" and e.body["text"] == "welcome back")
    assert aw.of(ev.Gap) == [] and sw.of(ev.Gap) == []
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


async def test_with_a_co_facilitator_in_the_room_members_are_seated_again_after_a_relay_restart(
        relay_factory):
    """QA3 N1: the lead took members knocking from their old seats for ones a
    co-facilitator might have held, and left them in the waiting room for good;
    a restarted relay forgot its co-facilitators too, so nobody held them."""
    relay = await relay_factory()
    port = relay.port
    fac, fw, link = await open_room(relay.url, **DEFAULT)
    sam, sw = await seat(fac, fw, link, "Sam", **DEFAULT)
    cat, cw = await bring_co(fac, fw, "Cat")
    await settled(fac, fw, sam, sw)
    await relay.stop()
    await sw.expect(ev.ConnectionLost, lambda e: e.retry_in >= MAX_BACKOFF, timeout=20)
    await relay.start("127.0.0.1", port)
    await sw.expect(ev.Admitted, timeout=RETURN_BOUND)
    await sam.chat("back")  # (it waits for its new key's proof)
    await fw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "back")
    assert sam.identity.vk not in fac.waiting
    # Cat knocks again with her spent link, given back to the relay once more, and
    # is a co-facilitator again without the lead being asked.
    await cw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "back",
                    timeout=RETURN_BOUND)
    assert cat.role == "cofacilitator" and cat.identity.vk not in fac.waiting
    await cat.notice("Cat here again")  # act as one: a facilitator's notice to the group
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "notice" and e.sender == cat.identity.vk)
    assert not fw.of(ev.RelayError)
    assert {e.code for e in cw.of(ev.RelayError)} <= {"no_room"}  # (until Alex was back; never refused)
    await cat.stop()
    await fac.close_room()
    await sam.stop()


async def test_a_member_who_came_with_a_personal_link_is_back_after_a_relay_restart(relay_factory):
    """A personal link (a few uses) is not one of the open-ended invites the
    console gave the relay again: its member knocked with a link the restarted
    relay did not know, and stayed out (and, retrying, got its address refused)."""
    relay = await relay_factory()
    port = relay.port
    fac, fw, _ = await open_room(relay.url, **DEFAULT)
    personal = await fac.create_invite(uses=3)
    lee, lw = await seat(fac, fw, personal, "Lee", **DEFAULT)
    await settled(fac, fw, lee, lw)
    await relay.stop()
    await lw.expect(ev.ConnectionLost, lambda e: e.retry_in >= MAX_BACKOFF, timeout=20)
    await relay.start("127.0.0.1", port)
    await lw.expect(ev.Admitted, timeout=RETURN_BOUND)
    await lee.chat("back")
    await fw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "back")
    assert lw.of(ev.RelayError) == []
    await fac.close_room()
    await lee.stop()
