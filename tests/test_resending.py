"""A client keeps each group frame until the relay echoes it, and sends the
unechoed ones again after it reconnects (docs/PROTOCOL.md, Resending): a relay
(node) that dies with a frame loses nothing, and one that delivered it but not
its echo costs a duplicate nobody hears of. One relay here; the cluster's
failover is in tests/test_cluster_failover.py."""

from __future__ import annotations

from typing import Any

from holdspace.client import events as ev
from holdspace.client.unechoed import KEEP_ECHOED, MAX_BYTES, MAX_FRAMES, Unechoed
from tests.hostile_relay import DOWN, UP, Link
from tests.session_helpers import Watcher, finish, open_room, seat, texts


def test_unechoed_frames_are_kept_in_order_and_bounded() -> None:
    kept = Unechoed()
    for n in range(MAX_FRAMES + 5):
        kept.sent(b"ct%d" % n, b"frame%d" % n, 0.0)
    assert len(kept) == MAX_FRAMES and kept.pending(0.0)[0] == b"frame5"  # the oldest went
    kept.echoed(b"ct5", 1.0)
    kept.echoed(b"never sent", 1.0)
    assert kept.pending(1.0 + KEEP_ECHOED)[0] == b"frame5"  # echoed only just: no proof yet
    assert kept.pending(1.1 + KEEP_ECHOED)[0] == b"frame6" and len(kept) == MAX_FRAMES - 1
    big = Unechoed()
    for n in range(3):
        big.sent(b"%d" % n, bytes(MAX_BYTES // 2), 0.0)
    assert len(big) == 2  # within the bytes too
    big.clear()
    assert big.pending(0.0) == []


async def until_resumed(link: Link, watch: Watcher) -> None:
    await link.client.close(4000, "cut")  # the network drops; the session reconnects by itself
    await watch.expect(ev.Connected, lambda e: e.resumed)


async def test_a_frame_the_relay_never_got_is_sent_again_after_reconnecting(proxy) -> None:
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await sam.chat("first")
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "chat")

    async def lose_sams_group_frames(link: Link, direction: str, data: bytes, frame: dict | None):
        if direction == UP and link.vk == sam.identity.vk and frame and frame["t"] == "group":
            return []  # as a relay node dying with them
        return None

    proxy.hook = lose_sams_group_frames
    await sam.chat("lost in transit")
    await sam.chat("and this")
    proxy.hook = None
    await until_resumed(proxy.link_of(sam.identity.vk), sw)
    for watch in (aw, fw):
        await watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "and this")
        assert texts(watch) == ["first", "lost in transit", "and this"]  # in order, once each
        assert not watch.of(ev.Gap) and not watch.of(ev.Rejected)
    await finish(fac, sam, ana)


async def test_a_frame_whose_echo_was_lost_is_a_duplicate_nobody_hears_of(proxy) -> None:
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")

    async def lose_sams_echo(link: Link, direction: str, data: bytes, frame: dict | None) -> Any:
        if direction == DOWN and link.vk == sam.identity.vk and frame and frame["t"] == "group" \
                and frame["from"] == sam.identity.vk:
            return []  # delivered to everyone but its sender
        return None

    proxy.hook = lose_sams_echo
    await sam.chat("said once")
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    proxy.hook = None
    await until_resumed(proxy.link_of(sam.identity.vk), sw)
    await sam.chat("next")  # sent after the resent one: when it is heard, so was that
    for watch in (aw, fw, sw):
        await watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "next")
        assert texts(watch).count("said once") == 1  # Sam's own: its echo, replayed on resuming
        assert not watch.of(ev.Gap) and not watch.of(ev.Rejected)
    await finish(fac, sam, ana)
