"""The relay's routing of data frames after the handshake: forbidden directs, not seated, bad and too-large frames."""

from __future__ import annotations

import os

import pytest
from relay_checks import assert_still_serving, settle
from wire import knock, open_room, pack, seat

from holdspace.relay.server import Relay

pytestmark = pytest.mark.timeout(30)


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
