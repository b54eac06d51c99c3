"""QA2 #14: "some messages from … may be missing" only when something the reader
was entitled to read was lost: never for what was said while they were held,
nor for a sender that restarted; still for a frame a relay withholds, also
across a rekey."""

from __future__ import annotations

from crypto_world import T0, make_world

from holdspace.client import events as ev
from holdspace.client.crypto import Counter, Sealer
from tests.hostile_relay import DOWN, Link
from tests.relay_forgery import finish, vk
from tests.session_helpers import open_room, seat


def gaps(watch) -> list[ev.Gap]:
    return watch.of(ev.Gap)


async def test_no_gap_after_a_hold_and_readmission(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await ana.chat("before")  # Sam knows where Ana's and the facilitator's counters stand
    await fac.notice("welcome")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "notice")
    await fac.hold(vk(sam))
    await sw.expect(ev.Held)
    await ana.chat("said while Sam waits")  # not for Sam: Sam holds no key for it
    await fac.notice("also while Sam waits")
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "notice" and e.body["text"].startswith("also"))
    await fac.admit(vk(sam))
    await sw.expect(ev.Admitted)
    await ana.chat("welcome back, Sam")
    await fac.notice("ten minutes left")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "welcome back, Sam")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "notice" and e.body["text"] == "ten minutes left")
    assert gaps(sw) == []
    await finish(fac, sam, ana)


async def test_a_frame_withheld_before_a_rekey_is_still_reported(proxy):
    """The member stays seated through the rekey: every epoch was its to read."""
    fac, fw, link = await open_room(proxy.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    ana, aw = await seat(fac, fw, link, "Ana")
    await ana.chat("before")
    await sw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    to_sam = proxy.link_of(vk(sam))
    withheld: list[bytes] = []

    async def withhold_once(link: Link, direction: str, data: bytes, frame: dict | None):
        if (direction == DOWN and link is to_sam and frame and frame["t"] == "group"
                and frame["from"] == vk(ana) and not withheld):
            withheld.append(data)
            return []
        return None

    proxy.hook = withhold_once
    await ana.chat("withheld from Sam")
    await aw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"].startswith("withheld"))
    kim, kw = await seat(fac, fw, link, "Kim")  # a rekey: Sam gets the next key as well
    await ana.chat("after the rekey")
    gap = await sw.expect(ev.Gap)
    assert (gap.sender, gap.missing) == (vk(ana), 1) and withheld
    await finish(fac, sam, ana, kim)


def _restarted(party, minutes: float = 1.0) -> Sealer:
    """``party``'s client started again ``minutes`` later: counters from the clock."""
    sealer = Sealer(party.identity, party.sealer.room, party.verifier)
    sealer.base += int(minutes * 60_000_000)
    sealer._group = Counter(sealer.base)
    return sealer


def test_a_restarted_senders_counters_are_not_a_gap():
    """A co-facilitator or member that restarted starts its counters at the clock:
    the jump is a restart (RESTART_JUMP), not a million lost messages."""
    w = make_world()
    v = w.sam.verifier
    assert v.open_group(w.ana.vk, 1, w.ana.sealer.group("chat", 1, w.key, text="a"), T0).gap == 0
    assert v.open_group(w.ana.vk, 1, _restarted(w.ana).group("chat", 1, w.key, text="b"), T0).gap == 0
    v.open_direct(w.fac.vk, w.fac.sealer.direct(w.sam.vk, "private", text="x"), only_facilitator=True)
    assert v.open_direct(w.fac.vk, _restarted(w.fac).direct(w.sam.vk, "private", text="y"),
                         only_facilitator=True).gap == 0


def test_a_jump_over_epochs_said_while_out_of_the_group_is_not_a_gap():
    w = make_world()
    v = w.sam.verifier
    v.open_group(w.ana.vk, 1, w.ana.sealer.group("chat", 1, w.key, text="a"), T0)
    w.ana.sealer.group("chat", 2, w.key, text="said in epoch 2, while Sam was held")
    v.keys.left_group()  # held
    v.keys.install(3, w.key, T0)  # let back in: epoch 3, never given epoch 2
    v.set_roster(3, {w.fac.vk, w.sam.vk, w.ana.vk})
    assert v.open_group(w.ana.vk, 3, w.ana.sealer.group("chat", 3, w.key, text="b"), T0).gap == 0
    w.ana.sealer.group("chat", 3, w.key, text="lost in epoch 3, which Sam holds")
    v.keys.install(4, w.key, T0)
    v.set_roster(4, {w.fac.vk, w.sam.vk, w.ana.vk})
    assert v.open_group(w.ana.vk, 4, w.ana.sealer.group("chat", 4, w.key, text="c"), T0).gap == 1


def test_a_jump_over_epochs_missed_while_away_but_seated_is_still_a_gap():
    """Away longer than old keys are kept, but still seated: those epochs were
    the member's to read, so what it missed in them is said."""
    w = make_world()
    v = w.sam.verifier
    v.open_group(w.ana.vk, 1, w.ana.sealer.group("chat", 1, w.key, text="a"), T0)
    w.ana.sealer.group("chat", 2, w.key, text="said in epoch 2, while Sam's link was down")
    v.keys.install(3, w.key, T0)  # back in its seat: only the current key is still held
    v.set_roster(3, {w.fac.vk, w.sam.vk, w.ana.vk})
    assert v.open_group(w.ana.vk, 3, w.ana.sealer.group("chat", 3, w.key, text="b"), T0).gap == 1
