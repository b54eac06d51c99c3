"""Client crypto: client/crypto.py against the raw PyNaCl calls it wraps, and
the rekey of a 60-member room (the crypto alone, and FacilitatorSession._rekey
through a real relay process with 59 real member sessions)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nacl.secret
from nacl.public import Box

from holdspace.client import events as ev
from holdspace.client.crypto import Sealer, Verifier, pack
from holdspace.client.identity import Identity, new_epoch_key
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession

ROOM = bytes(range(16))
TEXT = ("I have been finding the evenings hard this week, but talking here helps. "
        "Thank you all for listening.")  # a typical chat line, ~100 characters


@dataclass
class Pair:
    name: str
    ours_us: float  # per operation, through client/crypto.py
    raw_us: float  # per operation, the PyNaCl calls alone

    @property
    def ratio(self) -> float:
        return self.ours_us / self.raw_us


def _time_pair(ours: Callable[[int], None], raw: Callable[[int], None], n: int, rounds: int) -> tuple[float, float]:
    """Per-operation time (µs) of each, best of ``rounds`` alternating runs of
    ``n`` operations: alternation spreads the machine's noise over both, and
    the best run is the one least disturbed by other processes. The clock is
    this thread's CPU time: on a shared machine the wall clock also counts the
    time spent waiting for a core, which says nothing about either side."""
    best_ours = best_raw = float("inf")
    for _ in range(rounds):
        t0 = time.thread_time_ns()
        ours(n)
        t1 = time.thread_time_ns()
        raw(n)
        t2 = time.thread_time_ns()
        best_ours = min(best_ours, (t1 - t0) / n / 1000)
        best_raw = min(best_raw, (t2 - t1) / n / 1000)
    return best_ours, best_raw


def message_pairs(n: int = 400, rounds: int = 7) -> list[Pair]:
    fac, member = Identity.generate(), Identity.generate()
    now = time.time()
    key, epoch = new_epoch_key(), 1
    # The member seals; the facilitator opens (and the other way for direct).
    m_verifier = Verifier(member, ROOM, fac.vk)
    m_sealer = Sealer(member, ROOM, m_verifier)
    f_verifier = Verifier(fac, ROOM, fac.vk)
    f_sealer = Sealer(fac, ROOM, f_verifier)
    for v in (m_verifier, f_verifier):
        v.keys.install(epoch, key, now)
        v.set_roster(epoch, {fac.vk, member.vk})

    # Raw equivalents: the same plaintext bytes, precomputed keys and boxes.
    secret_box = nacl.secret.SecretBox(key)
    signing_key = member.signing_key
    verify_key = signing_key.verify_key
    group_body = pack({"k": "chat", "room": ROOM, "epoch": epoch, "n": 1, "ts": int(now), "text": TEXT})
    f_box = Box(fac.box_secret, member.signing_key.verify_key.to_curve25519_public_key())
    m_box = Box(member.box_secret, fac.signing_key.verify_key.to_curve25519_public_key())
    direct_body = pack({"k": "private", "room": ROOM, "to": member.vk, "n": 1, "ts": int(now), "text": TEXT})

    pairs: list[Pair] = []

    def seal_group_ours(k: int) -> None:
        for _ in range(k):
            m_sealer.group("chat", epoch, key, text=TEXT)

    def seal_group_raw(k: int) -> None:
        for _ in range(k):
            secret_box.encrypt(signing_key.sign(group_body))

    pairs.append(Pair("group seal   (Sealer.group | sign + SecretBox.encrypt)",
                      *_time_pair(seal_group_ours, seal_group_raw, n, rounds)))

    group_cts = [m_sealer.group("chat", epoch, key, text=TEXT) for _ in range(n)]

    def open_group_ours(k: int) -> None:
        f_verifier.restart_baseline(member.vk)  # the same frames again count as new
        for ct in group_cts[:k]:
            f_verifier.open_group(member.vk, epoch, ct, now)

    def open_group_raw(k: int) -> None:
        for ct in group_cts[:k]:
            verify_key.verify(secret_box.decrypt(ct))

    pairs.append(Pair("group open   (Verifier.open_group | SecretBox.decrypt + verify)",
                      *_time_pair(open_group_ours, open_group_raw, n, rounds)))

    f_verifier.box_for(member.vk)  # the session keeps its boxes; so does the raw side

    def seal_direct_ours(k: int) -> None:
        for _ in range(k):
            f_sealer.direct(member.vk, "private", text=TEXT)

    def seal_direct_raw(k: int) -> None:
        for _ in range(k):
            f_box.encrypt(direct_body)

    pairs.append(Pair("direct seal  (Sealer.direct | Box.encrypt)",
                      *_time_pair(seal_direct_ours, seal_direct_raw, n, rounds)))

    direct_cts = [f_sealer.direct(member.vk, "private", text=TEXT) for _ in range(n)]
    m_verifier.box_for(fac.vk)

    def open_direct_ours(k: int) -> None:
        m_verifier.restart_baseline(fac.vk)
        for ct in direct_cts[:k]:
            m_verifier.open_direct(fac.vk, ct, only_facilitator=True)

    def open_direct_raw(k: int) -> None:
        for ct in direct_cts[:k]:
            m_box.decrypt(ct)

    pairs.append(Pair("direct open  (Verifier.open_direct | Box.decrypt)",
                      *_time_pair(open_direct_ours, open_direct_raw, n, rounds)))
    return pairs


def rekey_crypto(members: int = 59, rounds: int = 7) -> Pair:
    """The crypto of one rekey: a ``key`` direct to each member, then a signed
    ``roster`` in the new epoch (what FacilitatorSession._rekey seals)."""
    fac = Identity.generate()
    people = [Identity.generate() for _ in range(members)]
    verifier = Verifier(fac, ROOM, fac.vk)
    sealer = Sealer(fac, ROOM, verifier)
    boxes = [Box(fac.box_secret, p.signing_key.verify_key.to_curve25519_public_key()) for p in people]
    for p in people:
        verifier.box_for(p.vk)
    roster = [{"vk": fac.vk, "name": "Facilitator", "role": "facilitator"}]
    roster += [{"vk": p.vk, "name": f"Member {i}", "role": "member"} for i, p in enumerate(people)]
    key = new_epoch_key()
    now = int(time.time())
    key_bodies = [pack({"k": "key", "room": ROOM, "to": p.vk, "n": 1, "ts": now, "epoch": 2, "key": key})
                  for p in people]
    roster_body = pack({"k": "roster", "room": ROOM, "epoch": 2, "n": 1, "ts": now, "members": roster})
    secret_box = nacl.secret.SecretBox(key)

    def ours(k: int) -> None:
        for _ in range(k):
            for p in people:
                sealer.direct(p.vk, "key", epoch=2, key=key)
            sealer.group("roster", 2, key, members=roster)

    def raw(k: int) -> None:
        for _ in range(k):
            for box, body in zip(boxes, key_bodies):
                box.encrypt(body)
            secret_box.encrypt(fac.signing_key.sign(roster_body))

    return Pair(f"rekey, crypto alone ({members} keys + roster)", *_time_pair(ours, raw, 5, rounds))


# --- the rekey through a real relay ------------------------------------------------


async def _seat_all(fac: FacilitatorSession, url: str, members: int) -> list[tuple[MemberSession, asyncio.Queue[ev.Event]]]:
    link = await fac.create_invite()
    fq = fac.subscribe()
    seated: list[tuple[MemberSession, asyncio.Queue[ev.Event]]] = []
    backoff = {"backoff": (0.05, 0.5)}
    for start in range(0, members, 16):  # the waiting room holds 32
        batch = []
        for i in range(start, min(members, start + 16)):
            m = MemberSession(link, f"Member {i}", **backoff)
            q = m.subscribe()
            started = await m.start()
            assert isinstance(started, ev.Connected), started
            batch.append((m, q))
        for m, q in batch:
            await _expect(q, lambda e: isinstance(e, ev.AgreementOffered))
            await m.agree()
        agreed = {m.identity.vk for m, _ in batch}
        while agreed:
            e = await asyncio.wait_for(fq.get(), 10)
            if isinstance(e, ev.DirectMessage) and e.kind == "agree":
                agreed.discard(e.sender)
        for m, q in batch:
            await fac.admit(m.identity.vk)
            await _expect(q, lambda e: isinstance(e, ev.Admitted))
        seated += batch
    fac.unsubscribe(fq)
    return seated


async def _expect(q: asyncio.Queue[ev.Event], pred: Callable[[ev.Event], bool], timeout: float = 10.0) -> ev.Event:
    async with asyncio.timeout(timeout):
        while True:
            e = await q.get()
            if pred(e):
                return e


async def _rekey_through_relay(url: str, members: int, repeats: int) -> dict[str, Any]:
    fac = FacilitatorSession(url, Identity.generate(), name="Facilitator", agreement="Be kind.",
                             resources="Call 999.", backoff=(0.05, 0.5))
    started = await fac.start()
    assert isinstance(started, ev.Connected), started
    seated = await _seat_all(fac, url, members)
    await asyncio.sleep(0.3)
    for _, q in seated:  # forget the setup's events
        while not q.empty():
            q.get_nowait()
    call, everyone = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        await fac._rekey()
        t1 = time.perf_counter()
        epoch = fac.verifier.keys.epoch  # type: ignore[union-attr]
        await asyncio.gather(*(_expect(q, lambda e: isinstance(e, ev.KeyChanged) and e.epoch == epoch)
                               for _, q in seated))
        t2 = time.perf_counter()
        call.append(t1 - t0)
        everyone.append(t2 - t0)
        await asyncio.sleep(0.05)
    for m, _ in seated:
        await m.stop()
    await fac.stop()
    call.sort()
    everyone.sort()
    return {"call_ms": call[len(call) // 2] * 1000, "all_keyed_ms": everyone[len(everyone) // 2] * 1000}


def rekey_through_relay(url: str, members: int = 59, repeats: int = 9) -> dict[str, Any]:
    return asyncio.run(_rekey_through_relay(url, members, repeats))


def direct_breakdown(n: int = 2000, rounds: int = 7) -> dict[str, dict[str, float]]:
    """Where a direct message's time goes, step by step (µs, best of ``rounds``):
    what client/crypto.py does around Box.encrypt / Box.decrypt."""
    from holdspace.client import bodies
    from holdspace.client.crypto import Counter

    fac, member = Identity.generate(), Identity.generate()
    now = int(time.time())
    verifier = Verifier(fac, ROOM, fac.vk)
    sealer = Sealer(fac, ROOM, verifier)
    box = verifier.box_for(member.vk)
    counters: dict[bytes, Counter] = {member.vk: Counter()}
    body = {"k": "private", "room": ROOM, "to": member.vk, "n": 1, "ts": now, "text": TEXT}
    plain = pack(body)
    ct = bytes(box.encrypt(plain))
    m_verifier = Verifier(member, ROOM, fac.vk)
    m_box = m_verifier.box_for(fac.vk)

    def best(fn: Callable[[], object]) -> float:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                fn()
            times.append((time.perf_counter_ns() - t0) / n / 1000)
        return min(times)

    def build() -> object:
        counter = counters.setdefault(member.vk, Counter())  # as Sealer.direct does
        return bodies.DIRECT_KINDS["private"](room=ROOM, to=member.vk, n=counter.next(),
                                              ts=int(time.time()), text=TEXT)

    seal = {
        "body, counter and clock": best(build),
        "encode (bodies)": best(lambda: bodies.encode(build())),
        "Box.encrypt": best(lambda: box.encrypt(plain)),
        "all (Sealer.direct)": best(lambda: sealer.direct(member.vk, "private", text=TEXT)),
    }
    cts = [sealer.direct(member.vk, "private", text=TEXT) for _ in range(n)]
    it = iter(())

    def open_all() -> object:
        nonlocal it
        try:
            return m_verifier.open_direct(fac.vk, next(it), only_facilitator=True)
        except StopIteration:
            m_verifier.restart_baseline(fac.vk)
            it = iter(cts)
            return m_verifier.open_direct(fac.vk, next(it), only_facilitator=True)

    opening = {
        "Box.decrypt": best(lambda: m_box.decrypt(ct)),
        "decode and check (bodies)": best(lambda: bodies.decode_direct(plain)),
        "all (Verifier.open_direct)": best(open_all),
    }
    return {"seal": seal, "open": opening}
