"""The relay's facilitator controls over real WebSockets: who may send them, remove, deny, hold."""

from __future__ import annotations

import os

import pytest
from wire import WireClient, knock, open_room, pack, seat

from holdspace.relay.server import Relay

pytestmark = pytest.mark.timeout(30)


# --- facilitator controls ----------------------------------------------------------------------


@pytest.mark.parametrize("control", [
    {"t": "invite", "hash": b"h" * 32},
    {"t": "revoke", "hash": b"h" * 32},
    {"t": "admit", "member": b"m" * 32},
    {"t": "deny", "member": b"m" * 32},
    {"t": "hold", "member": b"m" * 32},
    {"t": "remove", "member": b"m" * 32},
    {"t": "close"},
])
async def test_controls_from_a_member_are_forbidden(relay: Relay, control: dict) -> None:
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    waiting = await knock(relay.url, fac, room)
    for party in (member, waiting):
        await party.send_raw(pack(control))
        await party.expect_error("forbidden")
    await member.group(b"still seated")  # not fatal
    await member.expect("group", seq=1)


async def test_remove_closes_with_4003_and_bans(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    member = await seat(relay.url, fac, room, secret)
    other = await seat(relay.url, fac, room, secret)
    await fac.send("remove", member=member.vk)
    await member.expect("closed", reason="removed")
    await member.expect_close(4003)

    again = await WireClient.connect(relay.url, member.identity)
    await again.send_join(room, secret, fac.vk)
    await again.expect_fatal("banned")

    await other.group(b"the room goes on")  # and the removed member is not seated
    await other.expect("group", seq=1)
    await fac.expect("group", seq=1)


async def test_remove_a_waiting_member_and_a_ban_that_ends(relay_factory, clock) -> None:
    relay = await relay_factory(clock=clock)
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    waiting = await knock(relay.url, fac, room, secret)
    await fac.send("remove", member=waiting.vk, ban=600)
    await waiting.expect("closed", reason="removed")
    await waiting.expect_close(4003)
    early = await WireClient.connect(relay.url, waiting.identity)
    await early.send_join(room, secret, fac.vk)
    await early.expect_fatal("banned")
    clock.advance(600)
    await knock(relay.url, fac, room, secret, waiting.identity)


async def test_deny_closes_with_4004_and_allows_a_new_knock(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    waiting = await knock(relay.url, fac, room, secret)
    await fac.send("deny", member=waiting.vk)
    await waiting.expect("closed", reason="denied")
    await waiting.expect_close(4004)
    await knock(relay.url, fac, room, secret, waiting.identity)


async def test_hold_sends_a_member_back_to_the_waiting_room(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    await fac.send("hold", member=member.vk)
    await member.expect("held")
    await member.group(b"from the waiting room")
    await member.expect_error("not_seated")
    await member.direct(fac.vk, b"can we talk")  # the waiting room may still write
    await fac.expect("direct", ct=b"can we talk")
    await fac.send("admit", member=member.vk)
    await member.expect("admitted")


async def test_controls_on_someone_in_the_wrong_place_are_not_seated(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    nobody = os.urandom(32)
    for t, vk in (("admit", member.vk), ("deny", member.vk), ("hold", nobody), ("admit", nobody)):
        await fac.send(t, member=vk)
        await fac.expect_error("not_seated")
