"""Frames waiting for their key (client/pending.py through a real MemberSession's
opening path) and the key-freshness bookkeeping (client/freshness.py). Pure:
no network, the clock passed in."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.crypto import Sealer, Verifier
from holdspace.client.freshness import KeyFreshness
from holdspace.client.identity import Identity, new_epoch_key
from holdspace.client.invites import InviteLink
from holdspace.client.member_session import MemberSession
from holdspace.client.pending import PER_SENDER, WAIT_SECONDS, PendingFrames

ROOM = bytes(range(16))


class Room:
    """Sam's session (never connected) and two other members who hold epoch 2's key."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.fac = Identity.generate()
        self.sam = MemberSession(InviteLink("ws://127.0.0.1:1", ROOM, self.fac.vk, bytes(16)), "Sam",
                                 clock=lambda: self.now)
        self.events = self.sam.subscribe()
        self.ana, self.bob = Identity.generate(), Identity.generate()
        self.key = new_epoch_key()
        self.sam.verifier.keys.install(1, new_epoch_key(), self.now)
        self.sam.verifier.set_roster(1, {self.fac.vk, self.sam.identity.vk, self.ana.vk, self.bob.vk})
        self.seq = 0
        self.sealers = {who.vk: Sealer(who, ROOM, Verifier(who, ROOM, self.fac.vk))
                        for who in (self.ana, self.bob)}

    def frame(self, who: Identity, text: str) -> dict:
        self.seq += 1
        return {"t": "group", "epoch": 2, "seq": self.seq, "from": who.vk,
                "ct": self.sealers[who.vk].group("chat", 2, self.key, text=text)}

    def key_arrives(self) -> None:
        self.sam.verifier.keys.install(2, self.key, self.now)
        self.sam.verifier.set_roster(2, {self.fac.vk, self.sam.identity.vk, self.ana.vk, self.bob.vk})
        self.sam._retry_pending()

    def seen(self) -> list[ev.Event]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out


def test_one_member_flooding_frames_before_the_key_cannot_push_out_anothers():
    room = Room()
    room.sam._open_group(room.frame(room.bob, "Bob's real words"))
    for i in range(PER_SENDER * 3):
        room.sam._open_group(room.frame(room.ana, f"flood {i}"))
    room.key_arrives()
    events = room.seen()
    texts = [e.body["text"] for e in events if isinstance(e, ev.GroupMessage)]
    assert "Bob's real words" in texts
    assert len([t for t in texts if t.startswith("flood")]) == PER_SENDER
    # What was dropped is reported against the one who flooded, never against Bob.
    gaps = [e for e in events if isinstance(e, ev.Gap)]
    assert sum(g.missing for g in gaps if g.sender == room.ana.vk) == PER_SENDER * 2
    assert not [g for g in gaps if g.sender == room.bob.vk]


def test_frames_that_waited_too_long_are_dropped_and_reported():
    room = Room()
    room.sam._open_group(room.frame(room.bob, "said long ago"))
    room.now += WAIT_SECONDS + 1
    room.key_arrives()
    events = room.seen()
    assert not [e for e in events if isinstance(e, ev.GroupMessage)]
    assert [(e.sender, e.missing) for e in events if isinstance(e, ev.Gap)] == [(room.bob.vk, 1)]


def test_room_for_senders_is_bounded_without_evicting_anyone():
    pending = PendingFrames(per_sender=2, senders=2)
    assert pending.add(b"a", {"n": 1}, 0) == 0 and pending.add(b"b", {"n": 1}, 0) == 0
    assert pending.add(b"c", {"n": 1}, 0) == 1  # a third sender: no room, nobody pushed out
    frames, expired = pending.take(1)
    assert sorted(f["n"] for _, f in frames) == [1, 1] and expired == {}


def test_a_key_is_current_only_while_an_answer_to_our_own_question_says_so():
    f = KeyFreshness(stale_after=60)
    f.new_key(5, now=100)
    assert not f.current(100) and not f.stale(159) and f.stale(160)
    f.asked(n=7, now=110)
    assert f.answered(asked=8, current_epoch=5) == "ignored"  # not a question of ours
    assert f.answered(asked=7, current_epoch=5) == "fresh"
    assert f.current(169) and not f.current(170) and f.stale(170)
    assert f.answered(asked=7, current_epoch=5) == "ignored"  # an answer counts once
    f.asked(n=9, now=200)
    assert f.answered(asked=9, current_epoch=6) == "behind"
    f.asked(n=10, now=10_000)  # questions older than a minute are forgotten
    assert f.answered(asked=9, current_epoch=5) == "ignored"
