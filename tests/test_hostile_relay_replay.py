"""Hostile relay: replayed, duplicated, reordered and dropped frames are refused or reported, never silently accepted."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.relay import protocol
from tests.hostile_relay import DOWN, Link
from tests.relay_forgery import finish, processed, refused, vk
from tests.session_helpers import open_room, seat, texts


# --- (c) replayed and duplicated frames --------------------------------------------------


async def test_replayed_frames_are_refused(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    to_sam, to_fac = proxy.link_of(vk(sam)), proxy.link_of(vk(fac))

    await ana.chat("first words")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    earlier = [f for f in to_sam.delivered("group") if f["from"] == vk(ana)][-1]
    await to_sam.to_client(protocol.pack({**earlier, "seq": earlier["seq"] + 1000}))
    # A group frame Sam already has is dropped without a word: senders resend
    # what the relay never echoed (PROTOCOL.md, Resending), so a repeat is normal.
    await processed(to_sam, sw)
    assert not [e for e in sw.seen if isinstance(e, ev.Rejected)]

    # A member's call for help, replayed to the facilitator: no second alarm.
    await sam.ask_for_help()
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "help")
    help_frame = [f for f in to_fac.delivered("direct") if f["from"] == vk(sam)][-1]
    await to_fac.to_client(protocol.pack(help_frame))
    await refused(fw, vk(sam), "replayed")

    # The facilitator's check-in, replayed to the member.
    await fac.check_in(vk(sam), "How are you doing?")
    await sw.expect(ev.DirectMessage, lambda e: e.kind == "check_in")
    await to_sam.to_client(protocol.pack(to_sam.delivered("direct")[-1]))
    await refused(sw, vk(fac), "replayed")

    assert texts(sw).count("first words") == 1
    assert len([e for e in fw.of(ev.DirectMessage) if e.kind == "help"]) == 1
    assert len([e for e in sw.of(ev.DirectMessage) if e.kind == "check_in"]) == 1
    await finish(fac, sam, ana)


async def test_duplicated_frames_are_shown_once(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")

    async def twice(link: Link, direction: str, data: bytes, frame: dict | None):
        if direction == DOWN and frame and frame["t"] == "group" and frame.get("from") == vk(ana):
            return [data, data]
        return None

    proxy.hook = twice
    await ana.chat("said once")
    for watch, to in ((sw, proxy.link_of(vk(sam))), (fw, proxy.link_of(vk(fac)))):
        await watch.expect(ev.GroupMessage, lambda e: e.kind == "chat")
        await processed(to, watch)  # the copy too: dropped, and not reported
        assert texts(watch).count("said once") == 1
        assert not [e for e in watch.seen if isinstance(e, ev.Rejected)]
    await finish(fac, sam, ana)


# --- (g) reordering and dropping ---------------------------------------------------------


async def test_reordered_frames_are_reported_not_silently_accepted(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    to_sam = proxy.link_of(vk(sam))
    await ana.chat("zero")  # Sam now knows where Ana's counter stands
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    held: list[bytes] = []

    async def swap(link: Link, direction: str, data: bytes, frame: dict | None):
        if direction == DOWN and link is to_sam and frame and frame["t"] == "group" and frame["from"] == vk(ana):
            if not held:
                held.append(data)
                return []
            return [data, held.pop()]
        return None

    proxy.hook = swap
    await ana.chat("one")
    await ana.chat("two")
    await refused(sw, vk(ana), "replayed")  # "one", arriving after "two"
    gaps = sw.of(ev.Gap)
    assert [(g.sender, g.missing) for g in gaps] == [(vk(ana), 1)]
    assert texts(sw) == ["zero", "two"]
    await fw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "two")
    assert texts(fw) == ["zero", "one", "two"]  # the facilitator's copy was left alone
    await finish(fac, sam, ana)


async def test_dropped_frames_are_reported_as_a_gap(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    to_sam = proxy.link_of(vk(sam))
    await ana.chat("before")  # Sam now knows where Ana's counter stands
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    dropped: list[bytes] = []

    async def drop_first(link: Link, direction: str, data: bytes, frame: dict | None):
        if direction == DOWN and link is to_sam and frame and frame["t"] in ("group", "direct") \
                and frame["from"] in (vk(ana), vk(fac)) and len(dropped) < 2 \
                and not [d for d in dropped if protocol.unpack(d)["t"] == frame["t"]]:
            dropped.append(data)
            return []
        return None

    proxy.hook = drop_first
    await ana.chat("lost on the way")
    await ana.chat("after the loss")
    gap = await sw.expect(ev.Gap)
    assert (gap.sender, gap.missing) == (vk(ana), 1)
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert texts(sw) == ["before", "after the loss"]

    await fac.private(vk(sam), "lost private")
    await fac.private(vk(sam), "second private")
    gap = await sw.expect(ev.Gap)
    assert (gap.sender, gap.missing) == (vk(fac), 1)
    got = await sw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    assert got.body["text"] == "second private"
    assert len(dropped) == 2
    await finish(fac, sam, ana)
