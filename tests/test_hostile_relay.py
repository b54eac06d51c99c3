"""The threat model's relay, played for real: every client talks to the real relay
through tests/hostile_relay.py, which drops, alters, replays, reorders and
injects frames. Each test makes one attack and checks that the clients refuse
it with a visible reason (a Rejected or Gap event) and that nothing forged
reaches the app as a GroupMessage or DirectMessage.
"""

from __future__ import annotations

from typing import Any

import pytest

from holdspace.client import events as ev
from holdspace.client.crypto import Sealer, Verifier, unpack
from holdspace.client.identity import Identity, b64e, make_box, new_epoch_key
from holdspace.client.invites import InviteLink
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession
from holdspace.client.session import Session, SessionError
from holdspace.relay import protocol
from tests.hostile_relay import DOWN, Link
from tests.session_helpers import FAST, Watcher, knock, open_room, seat, texts


# --- what a relay can make on its own ----------------------------------------------------


class Forger:
    """A key the relay made for itself, sealing frames as a client would."""

    def __init__(self, room: bytes, facilitator_vk: bytes, identity: Identity | None = None) -> None:
        self.identity = identity or Identity.generate()
        self.vk = self.identity.vk
        self.sealer = Sealer(self.identity, room, Verifier(self.identity, room, facilitator_vk))

    def group(self, kind: str, epoch: int, key: bytes, **fields: Any) -> bytes:
        return self.sealer.group(kind, epoch, key, **fields)

    def direct(self, to: bytes, kind: str, **fields: Any) -> bytes:
        return self.sealer.direct(to, kind, **fields)


def group_frame(sender: bytes, epoch: int, ct: bytes, seq: int = 10**6) -> bytes:
    return protocol.pack({"t": "group", "epoch": epoch, "ct": ct, "seq": seq, "from": sender})


def direct_frame(sender: bytes, ct: bytes) -> bytes:
    return protocol.pack({"t": "direct", "from": sender, "ct": ct})


def vk(session: Session) -> bytes:
    return session.identity.vk


async def refused(watch: Watcher, sender: bytes, reason: str) -> ev.Rejected:
    """The next Rejected event about ``sender`` names ``reason``."""
    got = await watch.expect(ev.Rejected, lambda e: e.sender == sender)
    assert got.reason == reason, got
    return got


async def processed(link: Link, watch: Watcher) -> None:
    """Wait until the client has handled everything injected so far: frames on
    one connection are handled in order, so a marker's event comes after them."""
    marker = f"marker-{id(watch)}-{len(watch.seen)}"
    await link.to_client(protocol.frame("error", code="internal", msg=marker))
    await watch.expect(ev.RelayError, lambda e: e.msg == marker)


def forged_content(watch: Watcher, senders: set[bytes]) -> list[ev.Event]:
    return [e for e in watch.drain() if isinstance(e, ev.GroupMessage | ev.DirectMessage)
            and e.sender in senders]


def kind_of_direct(reader: Session, sender: bytes, ct: bytes) -> str:
    """What a direct we captured is (the test can open it; the relay cannot)."""
    return unpack(make_box(reader.identity, sender).decrypt(ct))["k"]


async def finish(fac: FacilitatorSession, *members: MemberSession) -> None:
    await fac.close_room()
    for member in members:
        await member.stop()


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


# --- (h) the relay reads nothing ---------------------------------------------------------


async def test_the_relay_sees_no_text_name_or_key(proxy):
    fac = FacilitatorSession(proxy.url, Identity.generate(), name="Facilitator Wren Okafor",
                             agreement="Confidentiality: what is shared stays in the group.",
                             resources="Samaritans: call 116 123 any time.", **FAST)
    fw = Watcher(fac)
    assert isinstance(await fac.start(), ev.Connected)
    link: InviteLink = await fac.create_invite()
    keys: set[bytes] = {fac.verifier.keys.current}
    sam, sw = await seat(fac, fw, link, "Samantha Quillfeather")
    keys.add(fac.verifier.keys.current)
    ana, aw = await seat(fac, fw, link, "Anastasia Brightwater")
    keys.add(fac.verifier.keys.current)

    secrets_said = [
        "I relapsed on Tuesday and haven't told my sponsor",
        "My brother's name is Jonathan and he hurt me",
        "the bridge on Miller Street",
        "I've been feeling unsafe at home lately",
        "Thank you for trusting the group with that",
        "We will take a five minute break",
        "getting some air by the window",
        "I'm not doing well honestly",
    ]
    await sam.chat(secrets_said[0], cw="relapse mention")
    await ana.chat(secrets_said[1])
    await sam.trigger(secrets_said[2])
    await fac.private(vk(sam), secrets_said[4])
    await sam.private(secrets_said[3])
    await fac.notice(secrets_said[5])
    await ana.step_out(secrets_said[6])
    await fac.check_in(vk(ana), "Checking in on you")
    await aw.expect(ev.DirectMessage, lambda e: e.kind == "check_in")
    await ana.check_in_reply("support", secrets_said[7])
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "check_in_reply")
    await sw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "notice")
    await ana.leave()
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and len(e.body["members"]) == 2)
    keys.add(fac.verifier.keys.current)
    assert len(keys) == 4
    # Everyone did get everything: the scan below covers real traffic.
    assert set(secrets_said[:2]) <= set(texts(sw))

    blob = proxy.everything()
    assert vk(sam) in blob  # the relay does see keys' public halves, by design
    visible = [text for text in [*secrets_said, fac.name, sam.name, ana.name, "relapse mention",
                                 fac.agreement, fac.resources, "Checking in on you",
                                 "Samantha", "Anastasia", "Quillfeather", "Okafor"]
               if text.encode() in blob]
    assert visible == []
    for secret in keys:
        assert secret not in blob
    for party in (fac, sam, ana):
        assert party.identity.seed not in blob
        assert bytes(party.identity.box_secret) not in blob
    for member in (sam, ana):
        assert make_box(fac.identity, vk(member)).shared_key() not in blob
    # The link's fragment (facilitator pin and invite secret) never travels in a request.
    assert link.link.split("#", 1)[1].encode() not in blob
    assert b64e(link.secret).encode() not in blob
    await finish(fac, sam)


async def test_the_hostile_relay_passes_honest_traffic(proxy):
    # The control for every test above: with no hook, the proxy changes nothing.
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await fac.chat("hello through the proxy")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    await sam.private("hello back")
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "private")
    assert sw.of(ev.Rejected) == [] and fw.of(ev.Rejected) == []
    assert sw.of(ev.Gap) == [] and fw.of(ev.Gap) == []
    assert proxy.link_of(vk(sam)).vk == vk(sam) and len(proxy.links) == 2
    await fac.remove(vk(sam))
    ended = await sw.expect(ev.SessionEnded)
    assert ended.reason == "removed"  # close codes pass through the proxy
    await fac.close_room()



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

