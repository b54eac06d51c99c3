"""The relay through real WebSocket connections: every rule and error code of
docs/PROTOCOL.md. Limits are made small through config; time-based rules are
driven by ``relay.prune(now)`` or a ManualClock, never by sleeping."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import ssl
import subprocess
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import msgpack
import pytest
from nacl.signing import SigningKey
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.protocol import State
from wire import CLOSE, TIMEOUT, Identity, WireClient, b64, invite_hash, knock, open_room, pack, seat

from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Peer, Relay

pytestmark = pytest.mark.timeout(30)


async def http_get(relay: Relay, path: str) -> tuple[int, str]:
    def fetch() -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{relay.port}{path}", timeout=TIMEOUT) as response:
            return response.status, response.read().decode()

    return await asyncio.to_thread(fetch)


async def settle(relay: Relay, connections: int) -> None:
    """Let the relay, which shares this event loop, finish with connections
    that just closed (it has no frame that says so to anyone)."""
    async with asyncio.timeout(TIMEOUT):
        while relay.connections != connections:
            await asyncio.sleep(0)  # one loop turn, not a timed wait


async def assert_still_serving(relay: Relay) -> None:
    """The relay still opens rooms and answers health checks."""
    fac, room = await open_room(relay.url)
    assert len(room) == 16
    assert await http_get(relay, "/healthz") == (200, "ok\n")
    await fac.close()


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


# --- data routing --------------------------------------------------------------------------------


async def test_member_to_member_direct_is_forbidden(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    alice = await seat(relay.url, fac, room)
    bob = await seat(relay.url, fac, room)
    waiting = await knock(relay.url, fac, room)
    await alice.direct(bob.vk, b"psst")
    await alice.expect_error("forbidden")
    await waiting.direct(alice.vk, b"psst")
    await waiting.expect_error("forbidden")
    await alice.group(b"not fatal")
    await bob.expect("group", seq=1)


async def test_not_seated(relay: Relay) -> None:
    fac, room = await open_room(relay.url)
    waiting = await knock(relay.url, fac, room)
    await waiting.group(b"hello?")
    await waiting.expect_error("not_seated")

    member = await seat(relay.url, fac, room)
    await member.ws.close(4000)
    await fac.expect("presence", member=member.vk, state="offline")
    await fac.direct(member.vk, b"are you ok")
    await fac.expect_error("not_seated")
    await fac.direct(os.urandom(32), b"who")
    await fac.expect_error("not_seated")

    await fac.ws.close(4000)
    await settle(relay, 1)  # only the waiting member is left
    await waiting.expect("facilitator", present=False)
    await waiting.direct(fac.vk, b"anyone?")
    await waiting.expect_error("not_seated")


async def test_bad_frames_after_the_handshake_are_not_fatal(relay: Relay) -> None:
    fac, _ = await open_room(relay.url)
    second_hello = pack({"t": "create", "vk": fac.vk, "sig": fac.identity.sign_challenge(fac.nonce)})
    for garbage in ("text", b"\xc1", pack({"t": "nope"}), pack({"t": "group", "epoch": "x", "ct": b""}),
                    pack([1, 2]), pack({"t": "join", "vk": b"x"}), second_hello):
        await fac.send_raw(garbage)
        await fac.expect_error("bad_frame")
    await fac.group(b"fine")
    await fac.expect("group", seq=1)


async def test_too_large_is_refused_and_four_times_closes(relay_factory) -> None:
    relay = await relay_factory(max_frame_bytes=1024)
    fac, _ = await open_room(relay.url)
    await fac.group(b"x" * 1024)
    await fac.expect_error("too_large")
    await fac.group(b"x" * 900)
    await fac.expect("group", seq=1)
    await fac.send_raw(b"x" * 4097)
    await fac.expect_close(1009)
    await assert_still_serving(relay)


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


async def test_stop_closes_every_connection_with_1001(relay_factory) -> None:
    relay = await relay_factory()
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    waiting = await WireClient.connect(relay.url)  # still in the handshake
    await relay.stop()
    for client in (fac, member, waiting):
        await client.expect_close(1001)
    assert relay.connections == 0


# --- a member that stops reading ----------------------------------------------------------------


async def test_a_stalled_reader_is_dropped_and_the_room_goes_on(relay_factory) -> None:
    backlog = 256 * 1024
    relay = await relay_factory(max_backlog_bytes=backlog)
    fac, room = await open_room(relay.url)
    reader = await seat(relay.url, fac, room)
    stalled = await WireClient.connect(relay.url, max_queue=1)
    sock = stalled.ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    await stalled.join(room, await fac.add_invite(), fac.vk)
    await fac.expect("knock", member=stalled.vk)
    await fac.send("admit", member=stalled.vk)
    await stalled.expect("admitted")
    # From now on `stalled` never reads: websockets stops reading its socket.

    received: list[int] = []

    async def read_all() -> None:
        while (got := await reader.expect("group"))["ct"] != b"after the drop":
            received.append(got["seq"])

    reading = asyncio.create_task(read_all())
    chunk = os.urandom(60 * 1024)
    peak, seq, dropped = 0, 0, False
    while not dropped:
        seq += 1
        assert seq < 500, "the stalled reader was never dropped"
        await fac.group(chunk)
        while True:  # read up to our own echo; notice the drop on the way
            got = await fac.recv()
            if got["t"] == "presence":
                assert (got["member"], got["state"]) == (stalled.vk, "offline")
                dropped = True
            elif got["t"] == "group" and got["seq"] == seq:
                break
        peak = max(peak, relay.queued_bytes())
    assert peak <= backlog + 2 * len(chunk) + 1024
    await settle(relay, 2)  # its connection is really closed (it cannot even read our close)

    await fac.group(b"after the drop")
    await fac.expect("group", seq=seq + 1)
    await asyncio.wait_for(reading, TIMEOUT)  # the other member got everything
    assert received == list(range(1, seq + 1))
    assert "holdspace_backlog_drops_total 1" in relay.metrics()


class FakeConnection:
    """What Peer and websockets' broadcast() use of a connection; records the
    frames written to it, in order."""

    send_in_progress = None

    def __init__(self, paused: bool = False) -> None:
        self.paused = paused  # websockets: the socket's buffer is full
        self.frames: list[bytes] = []
        self.protocol = SimpleNamespace(state=State.OPEN, send_binary=self.frames.append)

    def send_data(self) -> None:
        pass

    async def send(self, data: bytes) -> None:
        self.frames.append(data)


async def test_a_fan_out_writes_at_once_where_it_can_and_queues_behind_the_rest() -> None:
    free, behind, closing = FakeConnection(), FakeConnection(paused=True), FakeConnection()
    overflows: list[Peer] = []
    peers = [Peer(conn, "a", 1 << 20, overflows.append) for conn in (free, behind, closing)]
    peers[2].closing = (1000, "")  # on its way out: gets nothing more
    peers[1].send(b"first")  # its socket is full: queued
    Peer.send_all(peers, b"second")
    assert free.frames == [b"second"] and closing.frames == []
    assert behind.frames == [] and list(peers[1].queue) == [b"first", b"second"]
    behind.paused = False
    async with asyncio.timeout(TIMEOUT):
        while peers[1].queued:
            await asyncio.sleep(0)
    assert behind.frames == [b"first", b"second"] and not overflows
    await peers[1].wind_down()


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


# --- HTTP -------------------------------------------------------------------------------------------------


async def test_healthz_and_metrics(relay: Relay) -> None:
    assert await http_get(relay, "/healthz") == (200, "ok\n")
    fac, room = await open_room(relay.url)
    member = await WireClient.connect(relay.url)
    await member.send_join(room, os.urandom(16), fac.vk)
    await member.expect_fatal("bad_invite")
    status, text = await http_get(relay, "/metrics?x=1")
    assert status == 200
    lines = set(text.splitlines())
    assert {"holdspace_rooms 1", "holdspace_connections 1", 'holdspace_errors_total{code="bad_invite"} 1',
            'holdspace_errors_total{code="banned"} 0'} <= lines
    frames = next(line for line in lines if line.startswith("holdspace_frames_total "))
    assert int(frames.split()[1]) >= 2


# --- TLS ------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_tls(relay_factory, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    relay = await relay_factory(tls_cert=str(cert), tls_key=str(key))
    assert relay.url.startswith("wss://127.0.0.1:")
    context = ssl.create_default_context(cafile=str(cert))
    fac = await WireClient.connect(relay.url, ssl=context)
    await fac.create()


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
