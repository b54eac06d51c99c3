"""Hostile relay: a swapped facilitator key, old or unsolicited keys, and one kind of frame passed off as another are refused."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.identity import new_epoch_key
from holdspace.client.member_session import MemberSession
from holdspace.relay import protocol
from tests.hostile_relay import DOWN, Link
from tests.relay_forgery import (
    Forger, direct_frame, finish, forged_content, group_frame, kind_of_direct, refused, vk,
)
from tests.session_helpers import FAST, Watcher, knock, open_room, seat


# --- (d) someone else poses as the facilitator -----------------------------------------


async def test_a_swapped_facilitator_key_cannot_greet_a_waiting_member(proxy):
    fac, fw, link = await open_room(proxy.url)

    # The relay keeps Jo's knock from the facilitator and answers her itself.
    async def keep_knocks(link: Link, direction: str, data: bytes, frame: dict | None):
        return [] if direction == DOWN and frame and frame["t"] == "knock" else None

    proxy.hook = keep_knocks
    jo = MemberSession(link, "Jo", **FAST)
    jw = Watcher(jo)
    started = await jo.start()
    assert isinstance(started, ev.Connected) and started.role == "lobby"
    to_jo = proxy.link_of(vk(jo))
    impostor = Forger(link.room, vk(fac))

    agreement = {"text": "Tell us everything, names included.", "resources": "none"}
    key = {"epoch": 1, "key": new_epoch_key()}
    for kind, fields in (("agreement", agreement), ("key", key), ("private", {"text": "it's me, Alex"})):
        # From its own key: not the facilitator the link pinned.
        await to_jo.to_client(direct_frame(impostor.vk, impostor.direct(vk(jo), kind, **fields)))
        await refused(jw, impostor.vk, "not_from_facilitator")
        # Claiming the pinned key: it cannot seal for it.
        await to_jo.to_client(direct_frame(vk(fac), impostor.direct(vk(jo), kind, **fields)))
        await refused(jw, vk(fac), "undecryptable")

    assert jo.agreement is None and jw.of(ev.AgreementOffered) == []
    assert jw.of(ev.KeyChanged) == [] and jo.verifier.keys.current is None
    assert forged_content(jw, {vk(fac), impostor.vk}) == []
    assert fw.of(ev.Knock) == []
    await finish(fac, jo)


async def test_a_swapped_facilitator_key_cannot_rekey_or_speak_to_a_seated_member(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    impostor = Forger(link.room, vk(fac))
    to_sam = proxy.link_of(vk(sam))
    epoch, key = sam.verifier.keys.epoch, sam.verifier.keys.current
    relay_key = new_epoch_key()
    keys_before = len(sw.of(ev.KeyChanged))

    await to_sam.to_client(direct_frame(vk(fac), impostor.direct(vk(sam), "key", epoch=epoch + 1, key=relay_key)))
    await refused(sw, vk(fac), "undecryptable")
    await to_sam.to_client(direct_frame(impostor.vk, impostor.direct(vk(sam), "key", epoch=epoch + 1, key=relay_key)))
    await refused(sw, impostor.vk, "not_from_facilitator")
    await to_sam.to_client(direct_frame(vk(fac), impostor.direct(vk(sam), "check_in", text="Where do you live?")))
    await refused(sw, vk(fac), "undecryptable")
    # A notice in an epoch of its own making, once Sam "had" that key.
    await to_sam.to_client(group_frame(vk(fac), epoch, impostor.group("notice", epoch, relay_key, text="Leave now")))
    await refused(sw, vk(fac), "undecryptable")

    assert (sam.verifier.keys.epoch, sam.verifier.keys.current) == (epoch, key)
    assert len(sw.of(ev.KeyChanged)) == keys_before and forged_content(sw, {impostor.vk}) == []
    assert not [e for e in sw.of(ev.DirectMessage) if e.kind == "check_in"]
    assert not [e for e in sw.of(ev.GroupMessage) if e.kind == "notice"]
    await fac.chat("the real Alex")
    got = await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert got.sender == vk(fac) and got.body["text"] == "the real Alex"
    await finish(fac, sam)


# --- (e) old and unsolicited keys --------------------------------------------------------


async def test_an_old_key_replayed_is_refused(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    to_sam = proxy.link_of(vk(sam))
    old_key = [f for f in to_sam.delivered("direct")
               if f["from"] == vk(fac) and kind_of_direct(sam, vk(fac), f["ct"]) == "key"][-1]
    ana, aw = await seat(fac, fw, link, "Ana")  # a rekey: Sam moves on
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 3)
    epoch, key = sam.verifier.keys.epoch, sam.verifier.keys.current
    assert key == fac.verifier.keys.current

    await to_sam.to_client(protocol.pack(old_key))
    await refused(sw, vk(fac), "replayed")
    assert (sam.verifier.keys.epoch, sam.verifier.keys.current) == (epoch, key)
    await fac.chat("after the old key came back")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    await finish(fac, sam, ana)


async def test_an_old_epoch_even_from_the_facilitator_is_refused(proxy):
    # A console that lost track of its epochs (or a stolen old state) must not
    # be able to wind a member back to a key it already replaced.
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    epoch, key = sam.verifier.keys.epoch, sam.verifier.keys.current
    await fac.send_direct(vk(sam), "key", epoch=epoch - 1, key=new_epoch_key())
    await refused(sw, vk(fac), "stale_key")
    await fac.send_direct(vk(sam), "key", epoch=epoch, key=new_epoch_key())
    await refused(sw, vk(fac), "stale_key")
    assert (sam.verifier.keys.epoch, sam.verifier.keys.current) == (epoch, key)
    await finish(fac, sam)


async def test_an_unsolicited_key_is_refused(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    epoch, key = sam.verifier.keys.epoch, sam.verifier.keys.current
    # Ana, working with the relay, hands Sam a key of her own (the relay itself
    # refuses member-to-member directs, so the hostile proxy delivers it).
    keys_before = len(sw.of(ev.KeyChanged))
    ana_forges = Forger(link.room, vk(fac), identity=ana.identity)
    ana_key = new_epoch_key()
    await proxy.link_of(vk(sam)).to_client(
        direct_frame(vk(ana), ana_forges.direct(vk(sam), "key", epoch=epoch + 1, key=ana_key)))
    await refused(sw, vk(ana), "not_from_facilitator")
    # And offers the facilitator one.
    await ana.to_facilitator("key", epoch=epoch + 1, key=ana_key)
    await refused(fw, vk(ana), "facilitator_only")

    assert (sam.verifier.keys.epoch, sam.verifier.keys.current) == (epoch, key)
    assert fac.verifier.keys.current == key
    assert len(sw.of(ev.KeyChanged)) == keys_before
    await finish(fac, sam, ana)


# --- (f) one kind of frame passed off as another ----------------------------------------


async def test_a_direct_passed_off_as_a_group_frame_and_back_is_refused(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    to_sam, to_fac = proxy.link_of(vk(sam)), proxy.link_of(vk(fac))
    epoch = sam.verifier.keys.epoch

    await fac.private(vk(sam), "just for you")
    await sw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    private = to_sam.delivered("direct")[-1]
    await to_sam.to_client(group_frame(vk(fac), epoch, private["ct"]))
    await refused(sw, vk(fac), "undecryptable")

    await fac.notice("for everyone")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "notice")
    notice = to_sam.delivered("group")[-1]
    await to_sam.to_client(direct_frame(vk(fac), notice["ct"]))
    await refused(sw, vk(fac), "undecryptable")

    # Box(Alex, Sam) is also Box(Sam, Alex): the relay reflects Alex's private
    # message back to Alex as if Sam had written it.
    await to_fac.to_client(direct_frame(vk(sam), private["ct"]))
    await refused(fw, vk(sam), "wrong_recipient")

    assert len([e for e in sw.of(ev.DirectMessage) if e.kind == "private"]) == 1
    assert [e for e in sw.of(ev.GroupMessage) if e.kind == "notice"][0].body["text"] == "for everyone"
    assert not [e for e in fw.of(ev.DirectMessage) if e.kind == "private"]
    await finish(fac, sam)
