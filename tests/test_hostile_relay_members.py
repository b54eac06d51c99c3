"""Hostile relay: a member the relay makes up, seats or slips in after a restart, and a forged roster, are heard by no one."""

from __future__ import annotations

import pytest

from holdspace.client import events as ev
from holdspace.client.crypto import unpack
from holdspace.client.identity import Identity, make_box, new_epoch_key
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.session import SessionError
from holdspace.relay import protocol
from tests.hostile_relay import DOWN, Link
from tests.relay_forgery import (
    Forger, direct_frame, finish, forged_content, group_frame, processed, refused, vk,
)
from tests.session_helpers import FAST, Watcher, knock, open_room, seat


# --- (a) the relay adds a member of its own ----------------------------------------------


async def test_a_relay_made_member_is_heard_by_no_one(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ghost = Forger(link.room, vk(fac))
    epoch = sam.verifier.keys.epoch
    to_sam, to_fac = proxy.link_of(vk(sam)), proxy.link_of(vk(fac))

    # Without the group key its words are noise.
    noise = group_frame(ghost.vk, epoch, ghost.group("chat", epoch, new_epoch_key(), text="hi all, I'm new"))
    await to_sam.to_client(noise)
    await to_fac.to_client(noise)
    await refused(sw, ghost.vk, "undecryptable")
    await refused(fw, ghost.vk, "undecryptable")

    # Even with the key (say a member leaked it to the relay), it is not on the
    # facilitator's roster.
    leaked = sam.verifier.keys.current
    signed = group_frame(ghost.vk, epoch, ghost.group("chat", epoch, leaked, text="hi all, I'm new"))
    await to_sam.to_client(signed)
    await to_fac.to_client(signed)
    await refused(sw, ghost.vk, "not_in_roster")
    await refused(fw, ghost.vk, "not_in_roster")

    # Its private messages: a member hears only the facilitator; the facilitator
    # only people who knocked.
    await to_sam.to_client(direct_frame(ghost.vk, ghost.direct(vk(sam), "private", text="psst, it's me")))
    await refused(sw, ghost.vk, "not_from_facilitator")
    await to_fac.to_client(direct_frame(ghost.vk, ghost.direct(vk(fac), "help")))
    await refused(fw, ghost.vk, "not_in_roster")
    await to_fac.to_client(direct_frame(ghost.vk, ghost.direct(vk(fac), "agree")))
    await refused(fw, ghost.vk, "not_in_roster")
    with pytest.raises(SessionError):
        await fac.admit(ghost.vk)

    assert forged_content(sw, {ghost.vk}) == [] and forged_content(fw, {ghost.vk}) == []
    assert ghost.vk not in sam.roster and sam.name_of(ghost.vk) == "someone"
    assert ghost.vk not in fac.seated and ghost.vk not in fac.waiting
    await finish(fac, sam)


async def test_presence_for_an_unknown_key_does_not_seat_it_or_rekey(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ghost = Identity.generate().vk
    epoch = fac.verifier.keys.epoch
    to_fac = proxy.link_of(vk(fac))
    rosters = len(fw.of(ev.RosterChanged))
    for state in ("online", "offline", "online"):
        await to_fac.to_client(protocol.frame("presence", member=ghost, state=state))
    await processed(to_fac, fw)

    # The app never hears of it (the console's panel would list it as seated)...
    assert not [e for e in fw.of(ev.Presence) if e.member == ghost]
    assert len(fw.of(ev.RosterChanged)) == rosters
    # ...and no key goes out for it, now or after the burst delay.
    assert ghost not in fac.seated
    assert fac._rekey_task is None or fac._rekey_task.done()
    assert fac.verifier.keys.epoch == epoch
    assert not [f for f in to_fac.frames["up"] if f.get("to") == ghost]
    # The room carries on in the same epoch.
    await fac.chat("still just us")
    got = await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert got.body["epoch"] == epoch
    await finish(fac, sam)


async def test_a_member_the_relay_seats_on_its_own_reads_nothing(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    jo, jw = await knock(link, "Jo")
    await jo.agree()
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == vk(jo))
    to_jo = proxy.link_of(vk(jo))

    # The relay tells Jo she is in, and forwards her the group's frames.
    await to_jo.to_client(protocol.frame("admitted", seq=0))
    await fac.chat("for the group only")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    for frame in proxy.link_of(vk(sam)).delivered("group"):
        await to_jo.to_client(protocol.pack(frame))
    await processed(to_jo, jw)

    assert jw.of(ev.GroupMessage) == [] and jw.of(ev.KeyChanged) == []
    assert jw.of(ev.Admitted) == []  # her client does not tell her she is in
    assert jo.verifier.keys.current is None
    with pytest.raises(SessionError):
        await jo.chat("can anyone hear me?")
    assert vk(jo) not in fac.seated and vk(jo) not in sam.roster
    await finish(fac, sam, jo)


# --- (b) a forged roster -----------------------------------------------------------------


async def test_a_forged_roster_is_refused(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    ghost = Forger(link.room, vk(fac))
    epoch = sam.verifier.keys.epoch
    roster_before = dict(sam.roster)
    fake = [{"vk": vk(fac), "name": "Alex", "role": "facilitator"},
            {"vk": vk(sam), "name": "Sam", "role": "member"},
            {"vk": ghost.vk, "name": "Friendly newcomer", "role": "member"}]
    to_sam = proxy.link_of(vk(sam))

    # 1. A member's roster (Ana holds the key and signs it herself).
    await ana._send_group("roster", members=fake)
    await refused(sw, vk(ana), "facilitator_only")
    await refused(fw, vk(ana), "facilitator_only")

    # 2. The relay relabels Ana's roster as the facilitator's.
    async def relabel(link: Link, direction: str, data: bytes, frame: dict | None):
        if (direction == DOWN and link is to_sam and frame and frame["t"] == "group"
                and frame["from"] == vk(ana)):
            return [protocol.pack({**frame, "from": vk(fac)})]
        return None

    proxy.hook = relabel
    await ana._send_group("roster", members=fake)
    await refused(sw, vk(fac), "bad_signature")
    proxy.hook = None

    # 3. A roster the relay signed itself, passed off as the facilitator's: with
    #    a key it made up, and with the real key (leaked).
    for key, reason in ((new_epoch_key(), "undecryptable"), (sam.verifier.keys.current, "bad_signature")):
        await to_sam.to_client(group_frame(vk(fac), epoch, ghost.group("roster", epoch, key, members=fake)))
        await refused(sw, vk(fac), reason)

    rosters = [e for e in sw.of(ev.GroupMessage) if e.kind == "roster"]
    assert all(e.sender == vk(fac) and ghost.vk not in {m["vk"] for m in e.body["members"]} for e in rosters)
    assert sam.roster == roster_before and ghost.vk not in sam.roster
    await finish(fac, sam, ana)


async def test_after_a_console_restart_the_relay_cannot_slip_in_a_member(proxy):
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await fac.stop()  # the console crashes; the room lives on at the relay
    ghost = Identity.generate()

    async def add_ghost(link: Link, direction: str, data: bytes, frame: dict | None):
        if direction == DOWN and frame and frame["t"] == "ready" and frame["role"] == "facilitator":
            return [data, protocol.frame("presence", member=ghost.vk, state="online")]
        return None

    proxy.hook = add_ghost
    again = FacilitatorSession(proxy.url, fac.identity, room=fac.room, name="Alex", restarted=True, **FAST)
    aw = Watcher(again)
    assert isinstance(await again.start(), ev.Connected)
    # Both the ghost and Sam come back only as knocks the facilitator must confirm.
    knocks = {(await aw.expect(ev.Knock, lambda e: e.returning)).member for _ in range(2)}
    assert knocks == {ghost.vk, vk(sam)}
    await again.admit(vk(sam))  # the facilitator recognises Sam's safety code, not the ghost's
    roster = await aw.expect(ev.RosterChanged, lambda e: vk(sam) in {m[0] for m in e.members})
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and e.body["epoch"] == roster.epoch)
    to_ghost = [f for f in proxy.link_of(vk(again)).frames["up"] if f["t"] == "direct" and f["to"] == ghost.vk]
    leaked = [unpack(make_box(ghost, vk(again)).decrypt(f["ct"])) for f in to_ghost]
    try:
        assert not [b for b in leaked if b["k"] == "key"], "the relay's own key was given the group key"
        assert ghost.vk not in {m[0] for m in roster.members}
        assert ghost.vk not in sam.roster
    finally:
        await finish(again, sam)
