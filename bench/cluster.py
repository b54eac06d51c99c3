"""The cluster scenario: one room on one relay node, against the same room
spread over three nodes sharing it through a real nats-server.

    one node  facilitator and every member on one relay (no cluster)
    cluster   the facilitator on node A (the room's home), half the members on
              node B and half on node C: a member's frame goes edge -> home ->
              edge, two NATS hops, to reach another member

Both are set up once; measurement windows take turns (one node, cluster,
cluster, one node, ...) so the machine's noise falls on each alike. Latency is
from a member's send to another member's receipt (same clock: one loader
process). CPU per delivery counts every relay process, and nats-server apart.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
from nacl.signing import SigningKey
from websockets.asyncio.client import ClientConnection, connect

from bench.fanout import percentile
from bench.procstat import cpu_seconds

AUTH = b"holdspace/v1/auth"
NATS_SERVER = Path(sys.executable).with_name("nats-server")
STAMP = struct.Struct("!Q")


def _pack(obj: dict[str, Any]) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def _start(args: list[str], cwd: Path, pattern: str, stream: str = "stdout") -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    assert pipe is not None
    for line in pipe:
        found = re.search(pattern, line)
        if found:
            return proc, found.group(1)
    raise RuntimeError(f"{args[0]} stopped before it listened: {proc.stderr.read() if proc.stderr else ''}")


async def _hello(url: str, t: str, sk: SigningKey, **fields: Any) -> ClientConnection:
    ws = await connect(url, compression=None, max_size=None, max_queue=None)
    nonce = msgpack.unpackb(await ws.recv())["nonce"]
    await ws.send(_pack({"t": t, "vk": bytes(sk.verify_key), "sig": sk.sign(AUTH + nonce).signature,
                         **fields}))
    return ws


async def _until(ws: ClientConnection, t: str) -> dict[str, Any]:
    while (frame := msgpack.unpackb(await ws.recv()))["t"] != t:
        pass
    return frame


@dataclass
class Setup:
    name: str
    pids: list[int]
    members: list[ClientConnection] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    deliveries: int = 0
    cpu: float = 0.0
    nats_cpu: float = 0.0
    measuring: bool = False


async def _room(setup: Setup, fac_url: str, member_urls: list[str]) -> None:
    fac_sk = SigningKey.generate()
    fac = await _hello(fac_url, "create", fac_sk)
    room = (await _until(fac, "ready"))["room"]
    for url in member_urls:
        secret = SigningKey.generate().encode()[:16]
        await fac.send(_pack({"t": "invite", "hash": hashlib.blake2b(secret, digest_size=32).digest()}))
        # The home knows the invite once a frame it answers comes back after it
        # (a member may reach the home through another node faster).
        await fac.send(_pack({"t": "direct", "to": bytes(32), "ct": b""}))
        await _until(fac, "error")
        member = await _hello(url, "join", SigningKey.generate(), room=room, invite=secret, knock=b"k")
        await _until(member, "ready")
        knock = await _until(fac, "knock")
        await fac.send(_pack({"t": "admit", "member": knock["member"]}))
        await _until(member, "admitted")
        setup.members.append(member)
    asyncio.get_running_loop().create_task(_drain(fac))
    for member in setup.members:
        asyncio.get_running_loop().create_task(_read(setup, member))


async def _drain(ws: ClientConnection) -> None:
    async for _ in ws:
        pass


async def _read(setup: Setup, ws: ClientConnection) -> None:
    async for data in ws:
        if setup.measuring:
            frame = msgpack.unpackb(data)
            if frame.get("t") == "group":
                setup.latencies.append((time.monotonic_ns() - STAMP.unpack_from(frame["ct"])[0]) / 1e6)
                setup.deliveries += 1


async def _window(setup: Setup, seconds: float, rate: float, nats_pid: int | None) -> None:
    cpu0 = sum(cpu_seconds(pid) for pid in setup.pids)
    nats0 = cpu_seconds(nats_pid) if nats_pid else 0.0
    setup.measuring = True
    end = time.monotonic() + seconds
    pad = bytes(248)
    gap = 1 / (rate * len(setup.members))  # the members take turns: no bursts
    while time.monotonic() < end:
        for member in setup.members:
            await member.send(_pack({"t": "group", "epoch": 1, "ct": STAMP.pack(time.monotonic_ns()) + pad}))
            await asyncio.sleep(gap)
    await asyncio.sleep(0.3)  # frames in flight land
    setup.measuring = False
    setup.cpu += sum(cpu_seconds(pid) for pid in setup.pids) - cpu0
    setup.nats_cpu += (cpu_seconds(nats_pid) - nats0) if nats_pid else 0.0


async def _measure(urls: dict[str, str], pids: dict[str, list[int]], nats_pid: int, members: int,
                   rate: float, windows: int, seconds: float) -> dict[str, Setup]:
    single = Setup("one node", pids["single"])
    spread = Setup("cluster", pids["cluster"])
    await _room(single, urls["single"], [urls["single"]] * members)
    await _room(spread, urls["a"], [urls["b"], urls["c"]] * (members // 2))
    order = [single, spread, spread, single] * ((windows + 1) // 2)
    for setup in order[: 2 * windows]:
        await _window(setup, seconds, rate, nats_pid if setup is spread else None)
    return {"single": single, "cluster": spread}


def cluster(rep: Any, quick: bool) -> None:
    members, rate, windows, seconds = (4, 2.0, 1, 1.0) if quick else (20, 5.0, 3, 3.0)
    rep.line("== Cluster: one room on one node vs over three nodes sharing it through NATS ==")
    rep.line("   cluster = facilitator on node A (the home), members on nodes B and C: edge -> home -> edge")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        caps = "rooms_per_address = 100\nrooms_per_minute = 100\n"
        (folder / "single.toml").write_text(caps)
        (folder / "node.toml").write_text(caps + 'cluster_subject_key = "bench-key-the-same-on-every-node"\n')
        procs = []
        try:
            (folder / "store").mkdir()  # JetStream, memory only (docs/SCALING.md): stays empty
            (folder / "nats.conf").write_text(
                f'jetstream {{ store_dir: "{folder / "store"}", max_memory_store: 256MB, max_file_store: 0 }}\n')
            nats, address = _start([str(NATS_SERVER), "-c", "nats.conf", "-a", "127.0.0.1", "-p", "-1"], folder,
                                   r"Listening for client connections on (\S+)", "stderr")
            procs.append(nats)
            relay = [sys.executable, "-m", "holdspace", "relay", "--port", "0"]
            urls, pids = {}, {"single": [], "cluster": []}
            proc, urls["single"] = _start([*relay, "--config", "single.toml"], folder, r"listening on (\S+)")
            procs.append(proc)
            pids["single"].append(proc.pid)
            for node in ("a", "b", "c"):
                proc, urls[node] = _start([*relay, "--config", "node.toml", "--nats", f"nats://{address}",
                                           "--node", node], folder, r"listening on (\S+)")
                procs.append(proc)
                pids["cluster"].append(proc.pid)
            result = asyncio.run(_measure(urls, pids, nats.pid, members, rate, windows, seconds))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait()
    single, spread = result["single"], result["cluster"]
    rep.line(f"   {members} members x {rate:g} frames/s, {windows * 2} x {seconds:g} s windows each")
    rep.line("  setup       deliveries   p50 ms   p99 ms   relay cpu s/1k   nats cpu s/1k")
    for s in (single, spread):
        per_k = 1000 / max(1, s.deliveries)
        rep.line(f"  {s.name:<10} {s.deliveries:>11,} {percentile(s.latencies, 50):>8.2f} "
                 f"{percentile(s.latencies, 99):>8.2f} {s.cpu * per_k:>16.4f} {s.nats_cpu * per_k:>15.4f}")
    hop50 = (percentile(spread.latencies, 50) - percentile(single.latencies, 50)) / 2
    hop99 = (percentile(spread.latencies, 99) - percentile(single.latencies, 99)) / 2
    cpu_ratio = (spread.cpu / max(1, spread.deliveries)) / max(1e-12, single.cpu / max(1, single.deliveries))
    rep.line(f"  added per NATS hop: p50 {hop50:+.2f} ms, p99 {hop99:+.2f} ms; "
             f"relay CPU per delivery {cpu_ratio:.2f}x one node (nats-server apart)")
    rep.data["cluster"] = {"hop_p50_ms": hop50, "hop_p99_ms": hop99, "cpu_ratio": cpu_ratio,
                           "deliveries": {"single": single.deliveries, "cluster": spread.deliveries}}
    rep.target("cluster: added p50 per NATS hop <= 1 ms", hop50 <= 1.0, f"{hop50:+.2f} ms")
    rep.line("")
