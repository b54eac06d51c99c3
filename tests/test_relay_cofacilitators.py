"""Co-facilitators through real WebSocket connections to a real relay, by
the wire alone (docs/PROTOCOL.md "Co-facilitators"): promote, what a
co-facilitator may and may not do, its return without an invite, who hears
knocks and presence, and what members are told of who is here."""

from __future__ import annotations

import os

import pytest
from wire import CLOSE, WireClient, knock, open_room, seat

from holdspace.relay.server import Relay

pytestmark = pytest.mark.timeout(30)


async def promote(fac: WireClient, co: WireClient, *members: WireClient,
                  cos: tuple[WireClient, ...] = ()) -> None:
    """The lead promotes a seated member; it is shown the room as on a reconnection
    (the lead's presence, then each other seated party's, ``cos`` among them, and a
    knock for each member waiting); members hear who is here now."""
    await fac.send("promote", member=co.vk)
    await co.expect("promoted")
    await co.expect("presence", member=fac.vk, state="online", role="facilitator")
    view = [await co.recv() for _ in range(len(members) + len(cos))]
    assert all(f["t"] in ("presence", "knock") for f in view), view
    assert {f["member"] for f in view} == {p.vk for p in (*members, *cos)}
    for member in members:
        got = await member.expect("facilitator", present=True)
        assert co.vk in got["here"] and got["here"][0] == fac.vk


async def test_a_promoted_member_is_a_facilitator_party(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    sam = await seat(relay.url, fac, room)
    co = await seat(relay.url, fac, room)
    await promote(fac, co, sam)
    cfg = relay.config  # from now on it is rate limited as a facilitator
    assert sorted(peer.bucket.rate for peer in relay._peers) == sorted(
        [cfg.member_rate, cfg.facilitator_rate, cfg.facilitator_rate])

    # knocks go to both, and a co-facilitator may admit
    secret = await fac.add_invite()
    kim = await WireClient.connect(relay.url)
    ready = await kim.join(room, secret, fac.vk)
    assert ready["here"] == [fac.vk, co.vk] and "facilitator" not in ready
    for party in (fac, co):
        await party.expect("knock", member=kim.vk)
    await kim.direct(co.vk, b"agree")  # a waiting member may write to a co-facilitator
    await co.expect("direct", ct=b"agree", **{"from": kim.vk})
    await co.send("admit", member=kim.vk)
    await kim.expect("admitted")

    # group: a co-facilitator is a seated party
    await co.group(b"from the co-facilitator")
    for party in (fac, co, sam, kim):
        await party.expect("group", seq=1, **{"from": co.vk})

    # direct: member <-> co-facilitator, co-facilitator <-> lead
    await sam.direct(co.vk, b"help")
    await co.expect("direct", ct=b"help", **{"from": sam.vk})
    await co.direct(sam.vk, b"here for you")
    await sam.expect("direct", ct=b"here for you", **{"from": co.vk})
    await co.direct(fac.vk, b"handling")
    await fac.expect("direct", ct=b"handling", **{"from": co.vk})
    await sam.direct(kim.vk, b"member to member")
    await sam.expect_error("forbidden")

    # presence of a member goes to both
    await kim.close(4000)
    for party in (fac, co):
        await party.expect("presence", member=kim.vk, state="offline")

    # a co-facilitator may hold and remove members, and close the room
    await co.send("hold", member=sam.vk)
    await sam.expect("held")
    await co.send("close")
    await sam.expect("closed", reason="room_closed")
    await fac.expect("closed", reason="room_closed")


async def test_what_a_cofacilitator_and_a_member_may_not_do(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    sam = await seat(relay.url, fac, room)
    co = await seat(relay.url, fac, room)
    co2 = await seat(relay.url, fac, room)
    waiting = await knock(relay.url, fac, room)
    await promote(fac, co, sam, co2, waiting)
    await promote(fac, co2, sam, waiting, cos=(co,))
    extra = await seat(relay.url, fac, room)
    for party in (co, co2):
        await party.expect("knock", member=extra.vk)
    await fac.send("promote", member=extra.vk)
    await fac.expect_error("room_full")
    await fac.send("promote", member=waiting.vk)
    await fac.expect_error("not_seated")
    for party in (co, sam, waiting):
        await party.send("promote", member=extra.vk)
        await party.expect_error("forbidden")
    for t in ("remove", "hold", "admit", "deny"):
        for target in (fac, co2):
            await co.send(t, member=target.vk)
            await co.expect_error("forbidden")
    await fac.send("hold", member=co.vk)  # nobody may hold a co-facilitator
    await fac.expect_error("forbidden")
    await extra.group(b"nothing changed")  # every refusal above left the room as it was
    for party in (fac, co, co2, sam, extra):
        await party.expect("group", seq=1)


async def test_the_lead_removes_a_cofacilitator(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    sam = await seat(relay.url, fac, room)
    co = await seat(relay.url, fac, room)
    await promote(fac, co, sam)
    await fac.send("remove", member=co.vk)
    await co.expect("closed", reason="removed")
    await co.expect_close(CLOSE["removed"])
    await sam.expect("facilitator", present=True, here=[fac.vk])
    again = await WireClient.connect(relay.url, co.identity)
    await again.send_join(room, os.urandom(16), fac.vk)
    await again.expect_fatal("banned")


async def test_members_hear_who_is_here_as_the_lead_and_the_cofacilitator_come_and_go(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    sam = await seat(relay.url, fac, room)
    co = await seat(relay.url, fac, room)
    waiting = await knock(relay.url, fac, room)
    await promote(fac, co, sam, waiting)

    fac.ws.transport.abort()  # the lead's console is killed
    for member in (sam, waiting):
        await member.expect("facilitator", present=True, here=[co.vk])
    await co.expect("presence", member=fac.vk, state="offline", role="facilitator")
    relay.prune(relay.clock() + 10 * relay.config.room_grace_seconds)
    await sam.group(b"the room goes on")  # a connected co-facilitator keeps it open
    for party in (sam, co):
        await party.expect("group", seq=1)

    await co.close(4000)
    for member in (sam, waiting):
        await member.expect("facilitator", present=False, here=[])

    back = await WireClient.connect(relay.url, fac.identity)
    await back.create(room=room)
    got = [await back.recv() for _ in range(3)]  # presence of each seat, a knock for who waits
    assert {(g["member"], g["state"], g.get("role")) for g in got if g["t"] == "presence"} == {
        (sam.vk, "online", None), (co.vk, "offline", "cofacilitator")}
    assert [g["member"] for g in got if g["t"] == "knock"] == [waiting.vk]
    for member in (sam, waiting):
        await member.expect("facilitator", present=True, here=[fac.vk])

    # the co-facilitator comes back with join, no live invite needed
    co_back = await WireClient.connect(relay.url, co.identity)
    ready = await co_back.join(room, os.urandom(16), fac.vk, role="cofacilitator")
    assert ready["here"] == [fac.vk, co.vk]
    await co_back.expect("presence", member=fac.vk, state="online", role="facilitator")
    await co_back.expect("presence", member=sam.vk, state="online")
    await co_back.expect("knock", member=waiting.vk)
    presence = await back.expect("presence", member=co.vk, state="online", role="cofacilitator")
    assert presence["knock"]  # its own sealed knock, from this join
    for member in (sam, waiting):
        await member.expect("facilitator", present=True, here=[fac.vk, co.vk])

    # the lead reclaiming again while the co-facilitator is here: it is told
    await back.close(4000)
    await co_back.expect("presence", member=fac.vk, state="offline", role="facilitator")
    for member in (sam, waiting):
        await member.expect("facilitator", present=True, here=[co.vk])
    lead = await WireClient.connect(relay.url, fac.identity)
    await lead.create(room=room)
    await co_back.expect("presence", member=fac.vk, state="online", role="facilitator")
    for member in (sam, waiting):
        await member.expect("facilitator", present=True, here=[fac.vk, co.vk])


async def test_a_cofacilitator_returns_after_its_seat_grace(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    sam = await seat(relay.url, fac, room)
    co = await seat(relay.url, fac, room)
    await promote(fac, co, sam)
    await co.close(4000)
    await fac.expect("presence", member=co.vk, state="offline", role="cofacilitator")
    await sam.expect("facilitator", present=True, here=[fac.vk])
    relay.prune(relay.clock() + relay.config.seat_grace_seconds + 1)
    await fac.expect("presence", member=co.vk, state="gone", role="cofacilitator")
    back = await WireClient.connect(relay.url, co.identity)
    await back.join(room, os.urandom(16), fac.vk, role="cofacilitator")
    await fac.expect("presence", member=co.vk, state="online", role="cofacilitator")
    await sam.expect("facilitator", present=True, here=[fac.vk, co.vk])
    await back.group(b"back")
    await sam.expect("group", seq=1, **{"from": co.vk})
