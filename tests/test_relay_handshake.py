"""The relay's handshake over real WebSockets: a full session, every refusal, which invite a knock used."""

from __future__ import annotations

import os

import msgpack
import pytest
from nacl.signing import SigningKey
from wire import CLOSE, Identity, WireClient, b64, invite_hash, knock, open_room, seat

from holdspace.relay.server import Relay

pytestmark = pytest.mark.timeout(30)


# --- the happy path --------------------------------------------------------------------------


async def test_full_session(relay: Relay) -> None:
    fac = await WireClient.connect(relay.url)
    ready = await fac.create()
    room = ready["room"]
    assert len(room) == 16 and ready["seq"] == 0

    secret = await fac.add_invite(uses=5, expires=3600)
    alice = await WireClient.connect(relay.url)
    lobby_ready = await alice.join(room, secret, fac.vk, name="Alice")
    assert lobby_ready["room"] == room and lobby_ready["seq"] == 0

    knocked = await fac.expect("knock", member=alice.vk)
    opened = fac.identity.box_with(alice.vk).decrypt(knocked["knock"])
    assert msgpack.unpackb(opened)["name"] == "Alice"

    # The waiting room talks with the facilitator both ways (agreement, agree).
    await fac.direct(alice.vk, b"agreement")
    assert await alice.expect("direct", ct=b"agreement") == {"t": "direct", "from": fac.vk, "ct": b"agreement"}
    await alice.direct(fac.vk, b"agree")
    await fac.expect("direct", ct=b"agree", **{"from": alice.vk})

    await fac.send("admit", member=alice.vk)
    await alice.expect("admitted", seq=0)

    bob = await seat(relay.url, fac, room, secret)

    # Group: numbered, signed by the relay with the sender's vk, echoed to the sender.
    await alice.group(b"hello", epoch=7)
    for party in (alice, bob, fac):
        assert await party.expect("group") == {
            "t": "group", "epoch": 7, "ct": b"hello", "seq": 1, "from": alice.vk,
        }
    await fac.group(b"notice", epoch=7)
    for party in (alice, bob, fac):
        await party.expect("group", seq=2, **{"from": fac.vk})

    # Directs: member -> facilitator, facilitator -> member.
    await bob.direct(fac.vk, b"trigger")
    await fac.expect("direct", ct=b"trigger", **{"from": bob.vk})
    await fac.direct(bob.vk, b"check-in")
    await bob.expect("direct", ct=b"check-in", **{"from": fac.vk})


# --- handshake refusals ------------------------------------------------------------------------


async def test_wrong_invite_is_bad_invite(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    await fac.add_invite()
    member = await WireClient.connect(relay.url)
    await member.send_join(room, os.urandom(16), fac.vk)
    await member.expect_fatal("bad_invite")


async def test_used_up_revoked_and_expired_invites(relay_factory, clock) -> None:
    relay = await relay_factory(clock=clock)
    fac, room = await open_room(relay.url)
    once = await fac.add_invite(uses=1)
    revoked = await fac.add_invite()
    await fac.send("revoke", hash=invite_hash(revoked))
    brief = await fac.add_invite(expires=60)
    await knock(relay.url, fac, room, once)

    for secret in (once, revoked):
        member = await WireClient.connect(relay.url)
        await member.send_join(room, secret, fac.vk)
        await member.expect_fatal("bad_invite")
    clock.advance(60)
    member = await WireClient.connect(relay.url)
    await member.send_join(room, brief, fac.vk)
    await member.expect_fatal("bad_invite")


async def test_bad_signature_is_bad_auth(relay: Relay) -> None:
    fac = await WireClient.connect(relay.url)
    await fac.send_create(sig=fac.identity.sign_challenge(os.urandom(32)))
    await fac.expect_fatal("bad_auth")

    impostor = await WireClient.connect(relay.url)
    await impostor.send_create(sig=SigningKey.generate().sign(b"holdspace/v1/auth" + impostor.nonce).signature)
    await impostor.expect_fatal("bad_auth")


async def test_keys_that_are_not_safe_points_are_refused(relay: Relay) -> None:
    low_order = bytes(32)  # encodes a point of small order
    client = await WireClient.connect(relay.url)
    await client.send("create", vk=low_order, sig=bytes(64))
    await client.expect_fatal("bad_auth")


async def test_unsupported_version(relay: Relay) -> None:
    client = await WireClient.connect(relay.url)
    await client.send_create(v=2)
    await client.expect_fatal("version")


async def test_handshake_must_be_create_or_join(relay: Relay) -> None:
    client = await WireClient.connect(relay.url)
    await client.group(b"too early")
    await client.expect_fatal("bad_frame")


async def test_room_taken_and_reclaim_by_the_same_key(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    other = await WireClient.connect(relay.url)
    await other.send_create(room=room)
    await other.expect_fatal("room_taken")

    again = await WireClient.connect(relay.url, fac.identity)
    assert (await again.create(room=room))["room"] == room
    await fac.expect_close(1008)  # the older connection is replaced


async def test_reclaim_after_a_relay_restart(relay_factory) -> None:
    first = await relay_factory()
    fac, room = await open_room(first.url)
    await first.stop()
    await fac.closed()

    second = await relay_factory()
    back = await WireClient.connect(second.url, fac.identity)
    assert (await back.create(room=room))["room"] == room
    other = await WireClient.connect(second.url)
    await other.send_create(room=room)
    await other.expect_fatal("room_taken")


async def test_create_token(relay_factory) -> None:
    relay = await relay_factory(create_token="tea and biscuits")
    for token in (None, "wrong"):
        client = await WireClient.connect(relay.url)
        await client.send_create(**({"token": token} if token else {}))
        await client.expect_fatal("bad_auth")
    client = await WireClient.connect(relay.url)
    await client.create(token="tea and biscuits")


async def test_listed_facilitators_only(relay_factory) -> None:
    allowed = Identity()
    relay = await relay_factory(facilitators=[b64(allowed.vk)])
    stranger = await WireClient.connect(relay.url)
    await stranger.send_create()
    await stranger.expect_fatal("forbidden")
    await (await WireClient.connect(relay.url, allowed)).create()


async def test_joining_a_closed_room_is_no_room(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    member = await seat(relay.url, fac, room, secret)
    waiting = await knock(relay.url, fac, room, secret)
    await fac.send("close")
    for party in (member, waiting, fac):
        await party.expect("closed", reason="room_closed")
        await party.expect_close(CLOSE["room_closed"])
    late = await WireClient.connect(relay.url)
    await late.send_join(room, secret, fac.vk)
    await late.expect_fatal("no_room")
    assert len(relay.rooms) == 0


async def test_max_rooms_is_room_full(relay_factory) -> None:
    relay = await relay_factory(max_rooms=1)
    await open_room(relay.url)
    client = await WireClient.connect(relay.url)
    await client.send_create()
    await client.expect_fatal("room_full")


async def test_lobby_full(relay_factory) -> None:
    relay = await relay_factory(max_lobby=1)
    fac, room = await open_room(relay.url)
    secret = await fac.add_invite()
    await knock(relay.url, fac, room, secret)
    late = await WireClient.connect(relay.url)
    await late.send_join(room, secret, fac.vk)
    await late.expect_fatal("lobby_full")


async def test_room_full_refuses_the_admission_not_the_facilitator(relay_factory) -> None:
    relay = await relay_factory(max_seated=1)
    fac, room = await open_room(relay.url)
    await seat(relay.url, fac, room)
    waiting = await knock(relay.url, fac, room)
    await fac.send("admit", member=waiting.vk)
    await fac.expect_error("room_full")
    await fac.group(b"still here")
    await fac.expect("group", seq=1)


async def test_handshake_timeout(relay_factory) -> None:
    relay = await relay_factory(handshake_seconds=0.2)
    silent = await WireClient.connect(relay.url)
    await silent.expect_close(1008)


async def test_a_knock_tells_the_facilitator_which_invite_was_used(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    shared, personal = await fac.add_invite(), await fac.add_invite(uses=2)
    via_shared, via_personal = await WireClient.connect(relay.url), await WireClient.connect(relay.url)
    await via_shared.join(room, shared, fac.vk)
    assert (await fac.expect("knock", member=via_shared.vk))["invite"] == invite_hash(shared)
    await via_personal.join(room, personal, fac.vk)
    assert (await fac.expect("knock", member=via_personal.vk))["invite"] == invite_hash(personal)

    # Held after being seated, and shown again to a facilitator who reconnects: the same invite.
    await fac.send("admit", member=via_personal.vk)
    await via_personal.expect("admitted")
    await fac.send("hold", member=via_personal.vk)
    await via_personal.expect("held")
    await fac.ws.close(4000)
    back = await WireClient.connect(relay.url, fac.identity)
    await back.create(room=room)
    knocks = {f["member"]: f["invite"] for f in [await back.recv() for _ in range(2)] if f["t"] == "knock"}
    assert knocks == {via_shared.vk: invite_hash(shared), via_personal.vk: invite_hash(personal)}
