"""The load generator process (``python -m bench _load``).

It opens every connection of the rooms it is given in one asyncio loop (with
bench/wsclient.py, a frame parser far cheaper than websockets' client), admits
members through the relay's real handshake when the server is the relay, then
sends group frames on a fixed schedule and times every delivery.

Frames: ``{t: group, epoch: 1, ct}`` with ``ct`` = an 8-byte marker, the send
time (time.monotonic(), CLOCK_MONOTONIC, comparable across processes), the
sender's number, then random bytes up to ``ct_bytes``. The relay never
decrypts, so random bytes are what it would see. The bare server gets the very
same frames and echoes them unchanged.

Talks to the parent in JSON lines on stdin/stdout:
    <- {"cmd": "setup", ...}           -> {"setup_s", "connections", "errors"}
    <- {"cmd": "run", "window", "start_at", "warmup", "duration", "drain"}
                                       -> {"sent", "expected", "delivered", "lat_ms" (base64 float32), ...}
    <- {"cmd": "quit"}
"""

from __future__ import annotations

import asyncio
import base64
import gc
import hashlib
import heapq
import json
import os
import random
import struct
import sys
import time
from array import array
from collections import Counter
from typing import Any

import msgpack
from nacl.signing import SigningKey

from bench.procstat import raise_nofile
from bench.wsclient import WSClient, connect

AUTH_CONTEXT = b"holdspace/v1/auth"  # docs/PROTOCOL.md; the loader is a client written from it
MAGIC = b"\xb7hsBENCH"  # starts the ct of every bench frame
_HEAD = struct.Struct("<Id")  # window number (0: warm-up, not timed), send time
JOIN_BATCH = 16  # joins in flight per room (the lobby holds 32 by default)


def pack(obj: dict[str, Any]) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


class Stats:
    def __init__(self) -> None:
        self.lat = array("d")
        self.delivered = 0
        self.warm = 0
        self.errors: Counter[str] = Counter()
        self.closed = 0


class Party:
    """One connection: a member (or the room's facilitator, who also talks)."""

    __slots__ = ("loader", "room", "number", "sk", "vk", "client", "ready", "seated", "is_fac")

    def __init__(self, loader: Loader, room: Room, number: int, is_fac: bool = False) -> None:
        self.loader, self.room, self.number, self.is_fac = loader, room, number, is_fac
        self.sk: SigningKey | None = None
        self.vk = b""
        self.client: WSClient | None = None
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.seated: asyncio.Future[None] = loop.create_future()

    # --- the relay's handshake (protocol v1) ------------------------------------
    def control(self, frame: dict[str, Any]) -> None:
        t = frame.get("t")
        client = self.client
        assert client is not None
        if t == "challenge":
            sig = self.sk.sign(AUTH_CONTEXT + frame["nonce"]).signature  # type: ignore[union-attr]
            if self.is_fac:
                client.send(pack({"t": "create", "vk": self.vk, "sig": sig, "v": 1}))
            else:
                room = self.room
                client.send(pack({"t": "join", "vk": self.vk, "sig": sig, "room": room.id,
                                  "invite": room.secret, "knock": os.urandom(96), "v": 1}))
        elif t == "ready":
            if not self.ready.done():
                self.ready.set_result(frame)
            if frame.get("role") in ("facilitator", "member") and not self.seated.done():
                self.seated.set_result(None)
        elif t == "knock" and self.is_fac:
            client.send(pack({"t": "admit", "member": frame["member"]}))
        elif t == "admitted":
            if not self.seated.done():
                self.seated.set_result(None)
        elif t == "error":
            self.loader.stats.errors[frame.get("code", "?")] += 1
            for fut in (self.ready, self.seated):
                if not fut.done():
                    fut.set_exception(RuntimeError(f"relay refused: {frame.get('code')}"))
        # presence, closed and the rest need no answer here


class Room:
    def __init__(self, index: int, size: int) -> None:
        self.index = index
        self.size = size
        self.id = b""
        self.secret = os.urandom(16)
        self.parties: list[Party] = []


class Loader:
    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.kind: str = cfg["kind"]  # bare | relay
        self.host: str = cfg["host"]
        self.port: int = cfg["port"]
        self.stats = Stats()
        self.rooms = [Room(i, size) for i, size in cfg["rooms"]]
        self.parties: list[Party] = []
        self.window = -1
        self._open = asyncio.Semaphore(cfg.get("concurrency", 64))

    # --- receiving ------------------------------------------------------------------
    def on_message(self, client: WSClient, payload: bytes, now: float) -> None:
        i = payload.find(MAGIC)
        if i >= 0:
            window, sent_at = _HEAD.unpack_from(payload, i + 8)
            if window == self.window:
                self.stats.lat.append(now - sent_at)
                self.stats.delivered += 1
            else:  # warm-up, or a straggler from an earlier window
                self.stats.warm += 1
            return
        try:
            frame = msgpack.unpackb(payload, raw=False)
        except Exception:
            self.stats.errors["undecodable"] += 1
            return
        party = client.tag
        if isinstance(frame, dict) and isinstance(party, Party):
            party.control(frame)

    # --- setup -------------------------------------------------------------------------
    async def _open_conn(self, party: Party, path: str) -> None:
        async with self._open:
            party.client = await connect(self.host, self.port, path, self._tagged(party))
            party.client.tag = party

    def _tagged(self, party: Party):  # type: ignore[no-untyped-def]
        # The tag is set right after connect returns; messages that arrive in the
        # same chunk as the upgrade response find it through this closure.
        def on_message(client: WSClient, payload: bytes, now: float) -> None:
            client.tag = party
            party.client = client
            self.on_message(client, payload, now)
        return on_message

    async def _setup_room(self, room: Room) -> None:
        if self.kind == "bare":
            room.parties = [Party(self, room, n) for n in range(room.size)]
            await asyncio.gather(*(self._open_conn(p, f"/r{room.index}") for p in room.parties))
            for p in room.parties:
                p.client.on_message = self.on_message  # type: ignore[union-attr]
            return
        fac = Party(self, room, 0, is_fac=True)
        fac.sk = SigningKey.generate()
        fac.vk = bytes(fac.sk.verify_key)
        await self._open_conn(fac, "/")
        ready = await asyncio.wait_for(fac.ready, 30)
        room.id = ready["room"]
        fac.client.send(pack({"t": "invite", "hash": hashlib.blake2b(room.secret, digest_size=32).digest()}))  # type: ignore[union-attr]
        room.parties = [fac]
        members = [Party(self, room, n) for n in range(1, room.size)]
        for m in members:
            m.sk = SigningKey.generate()
            m.vk = bytes(m.sk.verify_key)
        for start in range(0, len(members), JOIN_BATCH):
            batch = members[start:start + JOIN_BATCH]
            await asyncio.gather(*(self._open_conn(m, "/") for m in batch))
            await asyncio.wait_for(asyncio.gather(*(m.seated for m in batch)), 60)
        room.parties += members
        for p in room.parties:
            p.client.on_message = self.on_message  # type: ignore[union-attr]

    async def setup(self) -> dict[str, Any]:
        t0 = time.monotonic()
        await asyncio.gather(*(self._setup_room(r) for r in self.rooms))
        self.parties = [p for r in self.rooms for p in r.parties]
        for n, p in enumerate(self.parties):
            p.number = n
        # The loader's own long-lived objects (thousands of connections) are
        # frozen out of the collector, so that a full collection in the loader
        # cannot stall it and pass for server latency.
        gc.collect()
        gc.freeze()
        return {"setup_s": time.monotonic() - t0, "connections": len(self.parties),
                "errors": dict(self.stats.errors)}

    # --- load ------------------------------------------------------------------------------
    async def run(self, window: int, start_at: float, warmup: float, duration: float,
                  drain: float) -> dict[str, Any]:
        """Send for ``warmup`` + ``duration`` seconds from ``start_at``; frames of
        the warm-up are delivered but not counted. Then wait up to ``drain``
        seconds for the counted ones still in flight."""
        rate = self.cfg["rate"]  # frames per second per party
        period = 1.0 / rate
        pad = os.urandom(self.cfg.get("ct_bytes", 256))
        warm_end, end = start_at + warmup, start_at + warmup + duration
        rnd = random.Random(window)
        heap = [(start_at + rnd.random() * period, p.number) for p in self.parties]
        heapq.heapify(heap)
        parties = self.parties
        sent = expected = late = 0
        self.stats = stats = Stats()
        self.window = window
        mono = time.monotonic
        await asyncio.sleep(max(0.0, start_at - mono()))
        while True:
            now = mono()
            if now >= end:
                break
            while heap[0][0] <= now:
                due, number = heapq.heappop(heap)
                party = parties[number]
                client = party.client
                if now - due > 0.05:
                    late += 1
                if client is not None and client.is_open:
                    counted = due >= warm_end
                    head = MAGIC + _HEAD.pack(window if counted else 0, mono())
                    client.send(pack({"t": "group", "epoch": 1, "ct": head + pad[len(head):]}))
                    if counted:
                        sent += 1
                        expected += party.room.size
                heapq.heappush(heap, (due + period, number))
            await asyncio.sleep(max(0.0005, min(heap[0][0], end) - mono()))
        deadline = mono() + drain
        while stats.delivered < expected and mono() < deadline:
            await asyncio.sleep(0.01)
        lat_ms = array("f", (x * 1000.0 for x in stats.lat))
        return {
            "sent": sent, "expected": expected, "delivered": stats.delivered,
            "late_sends": late, "errors": dict(stats.errors),
            "closed": sum(1 for p in parties if p.client is None or not p.client.is_open),
            "lat_ms": base64.b64encode(lat_ms.tobytes()).decode(),
        }

    def close(self) -> None:
        for p in self.parties:
            if p.client is not None:
                p.client.abort()


async def _main() -> None:
    raise_nofile()
    loop = asyncio.get_running_loop()
    loader: Loader | None = None

    def reply(obj: Any) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        cmd = json.loads(line)
        try:
            if cmd["cmd"] == "setup":
                loader = Loader(cmd)
                reply(await loader.setup())
            elif cmd["cmd"] == "run":
                assert loader is not None
                reply(await loader.run(cmd["window"], cmd["start_at"], cmd["warmup"], cmd["duration"],
                                       cmd["drain"]))
            elif cmd["cmd"] == "quit":
                break
        except Exception as exc:  # report, so the parent does not wait forever
            reply({"failed": f"{type(exc).__name__}: {exc}"})
    if loader is not None:
        loader.close()
        await asyncio.sleep(0.05)


def main(argv: list[str]) -> None:
    asyncio.run(_main())
