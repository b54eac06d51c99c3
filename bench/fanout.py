"""Fan-out and scale: server processes under the same offered load.

Every server kind of a scenario (bare, relay) is started in its own
process, with its own loader process(es), and set up once: all connections
open, every member admitted. Then short measurement windows take turns
(bare, relay, then relay, bare, ...): only one server is
loaded at a time, and whatever else the machine is doing falls on all of them
alike. Each window: the server's CPU time from /proc (schedstat, ns), how long
it waited for a CPU, deliveries and their latency as the loader saw them.
"""

from __future__ import annotations

import base64
import json
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from bench.procstat import Child, wait_until


@dataclass
class Scenario:
    name: str
    rooms: int
    size: int  # connections per room (for the relay: the facilitator and size-1 members)
    rate: float  # group frames per second per connection
    window: float = 1.5  # seconds of counted sending per window
    rounds: int = 6  # windows per server kind
    warmup: float = 1.0  # an uncounted window per kind before the first round
    drain: float = 5.0
    loaders: int = 1
    ct_bytes: int = 256
    concurrency: int = 64
    relay_overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def members(self) -> int:
        return self.rooms * self.size

    @property
    def offered(self) -> float:
        """Deliveries per second asked for."""
        return self.members * self.rate * self.size


@dataclass
class Window:
    sent: int
    expected: int
    delivered: int
    server_cpu: float  # seconds, during the window and its drain
    server_wait: float  # seconds the server was runnable but not running
    loader_cpu: float  # seconds, all its loaders together
    seconds: float
    lat_ms: array  # type: ignore[type-arg]
    late_sends: int
    errors: dict[str, int]
    closed: int


@dataclass
class Served:
    """One server kind on one scenario: its setup and every window it was measured in."""

    kind: str
    scenario: Scenario
    rss_idle: int = 0
    rss_held: int = 0  # every connection open and admitted, after a full collection
    rss_after: int = 0  # after the last window
    setup_s: float = 0.0
    setup_errors: dict[str, int] = field(default_factory=dict)
    gc_before: dict[str, Any] = field(default_factory=dict)  # a timed full collection before the windows
    gc_after: dict[str, Any] = field(default_factory=dict)  # collection counts after them
    windows: list[Window] = field(default_factory=list)
    server: Child | None = None
    loaders: list[Child] = field(default_factory=list)

    # --- pooled figures ---------------------------------------------------------------------
    @property
    def delivered(self) -> int:
        return sum(w.delivered for w in self.windows)

    @property
    def expected(self) -> int:
        return sum(w.expected for w in self.windows)

    @property
    def delivered_ratio(self) -> float:
        return self.delivered / self.expected if self.expected else 0.0

    @property
    def cpu_per_1000(self) -> float:
        """Server CPU seconds per 1,000 deliveries."""
        return sum(w.server_cpu for w in self.windows) / max(1, self.delivered) * 1000

    @property
    def lat(self) -> list[float]:
        return [x for w in self.windows for x in w.lat_ms]

    def p(self, q: float) -> float:
        return percentile(self.lat, q)

    @property
    def seconds(self) -> float:
        return sum(w.seconds for w in self.windows) or 1.0

    @property
    def server_util(self) -> float:
        return sum(w.server_cpu for w in self.windows) / self.seconds

    @property
    def waited(self) -> float:
        return sum(w.server_wait for w in self.windows) / self.seconds

    @property
    def loader_util(self) -> float:
        """Share of one core the busiest loader used (1.0 = saturated)."""
        return sum(w.loader_cpu for w in self.windows) / self.seconds / len(self.loaders or [0])

    @property
    def mem_per_member(self) -> float:
        return (self.rss_held - self.rss_idle) / self.scenario.members

    @property
    def gc_collections(self) -> list[int]:
        """Collections per generation during the windows (and their drains)."""
        if not self.gc_before or not self.gc_after:
            return []
        return [b - a for a, b in zip(self.gc_before["collections"], self.gc_after["collections"])]

    @property
    def held(self) -> bool:
        return all(w.closed == 0 for w in self.windows)

    @property
    def errors(self) -> dict[str, int]:
        out = dict(self.setup_errors)
        for w in self.windows:
            for k, v in w.errors.items():
                out[k] = out.get(k, 0) + v
        return out

    def as_json(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "expected": self.expected,
                "cpu_per_1000": self.cpu_per_1000, "p50_ms": self.p(50), "p99_ms": self.p(99),
                "server_util": self.server_util, "waited": self.waited,
                "loader_util": self.loader_util, "mem_per_member": self.mem_per_member,
                "rss_idle": self.rss_idle, "rss_held": self.rss_held, "rss_after": self.rss_after,
                "setup_s": self.setup_s, "windows": len(self.windows), "held": self.held,
                "errors": self.errors, "late_sends": sum(w.late_sends for w in self.windows),
                "gc_collections": self.gc_collections,
                "gc_tracked": self.gc_before.get("tracked"), "gc_full_ms": self.gc_before.get("full_ms")}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def _overrides(sc: Scenario) -> dict[str, Any]:
    return {
        # Every bench connection comes from 127.0.0.1: lift the per-address caps
        # (a real deployment sees many addresses), and the room and connection
        # caps for scale.
        "connections_per_address": sc.members + 100,
        "max_connections": sc.members + 100,
        "max_rooms": max(1000, sc.rooms + 10),
        "rooms_per_address": sc.rooms + 10,
        "rooms_per_minute": sc.rooms + 10,
        **sc.relay_overrides,
    }


def _start(served: Served, profile: str | None) -> None:
    sc = served.scenario
    served.server = Child("server", served.kind, json.dumps(_overrides(sc)), profile or "")
    port = served.server.recv()["port"]
    time.sleep(0.2)
    served.rss_idle = served.server.rss()
    served.loaders = [Child("load") for _ in range(sc.loaders)]
    t0 = time.monotonic()
    for i, loader in enumerate(served.loaders):  # whole rooms per loader
        rooms = [[r, sc.size] for r in range(sc.rooms) if r % sc.loaders == i]
        loader.send({"cmd": "setup", "kind": "bare" if served.kind == "bare" else "relay",
                     "host": "127.0.0.1", "port": port, "rooms": rooms, "rate": sc.rate,
                     "ct_bytes": sc.ct_bytes, "concurrency": sc.concurrency})
    for loader in served.loaders:
        answer = loader.recv()
        if "failed" in answer:
            raise RuntimeError(f"{served.kind} setup failed: {answer['failed']}")
        for k, v in answer["errors"].items():
            served.setup_errors[k] = served.setup_errors.get(k, 0) + v
    served.setup_s = time.monotonic() - t0


def _window(served: Served, number: int, warmup: float, duration: float, profile: bool) -> Window | None:
    """One window of load on ``served``; None for a warm-up (nothing counted)."""
    sc = served.scenario
    server, loaders = served.server, served.loaders
    assert server is not None
    start_at = time.monotonic() + 0.1
    for loader in loaders:
        loader.send({"cmd": "run", "window": number, "start_at": start_at, "warmup": warmup,
                     "duration": duration, "drain": sc.drain})
    wait_until(start_at + warmup)
    if profile:
        server.send("profile")
    t0 = time.monotonic()
    cpu0, wait0 = server.cpu(), server.waited()
    lcpu0 = sum(loader.cpu() for loader in loaders)
    outs = [loader.recv() for loader in loaders]
    t1 = time.monotonic()
    cpu1, wait1 = server.cpu(), server.waited()
    lcpu1 = sum(loader.cpu() for loader in loaders)
    if profile:
        server.send("unprofile")
    for o in outs:
        if "failed" in o:
            raise RuntimeError(f"{served.kind} run failed: {o['failed']}")
    if duration <= 0:
        return None
    lat = array("f")
    for o in outs:
        lat.frombytes(base64.b64decode(o["lat_ms"]))
    errors: dict[str, int] = {}
    for o in outs:
        for k, v in o["errors"].items():
            errors[k] = errors.get(k, 0) + v
    return Window(
        sent=sum(o["sent"] for o in outs), expected=sum(o["expected"] for o in outs),
        delivered=sum(o["delivered"] for o in outs), server_cpu=cpu1 - cpu0,
        server_wait=wait1 - wait0, loader_cpu=lcpu1 - lcpu0, seconds=t1 - t0, lat_ms=lat,
        late_sends=sum(o["late_sends"] for o in outs), errors=errors,
        closed=sum(o["closed"] for o in outs),
    )


def _stop(served: Served) -> None:
    for loader in served.loaders:
        try:
            loader.send({"cmd": "quit"})
        except (BrokenPipeError, OSError):
            pass
        loader.close()
    if served.server is not None:
        served.server.close()


def _gc(served: Served, collect: bool) -> dict[str, Any]:
    assert served.server is not None
    served.server.send("gc" if collect else "gc-count")
    return served.server.recv()


def run_interleaved(sc: Scenario, kinds: list[str], profile_dir: str | None = None) -> dict[str, Served]:
    """Set every kind up, then alternate measurement windows between them."""
    served = {k: Served(k, sc) for k in kinds}
    try:
        for kind, s in served.items():
            profile = f"{profile_dir}/{kind}.prof" if profile_dir and kind != "bare" else None
            _start(s, profile)
            if sc.warmup > 0:
                _window(s, 0, sc.warmup, 0.0, False)
            # A server in its steady state: what setting up thousands of
            # connections left for the collector is collected now, timed (the
            # pause a full collection means at this size), not in a window.
            s.gc_before = _gc(s, collect=True)
            time.sleep(0.2)
            s.rss_held = s.server.rss()  # type: ignore[union-attr]
        for r in range(sc.rounds):
            order = kinds if r % 2 == 0 else kinds[::-1]
            for kind in order:
                s = served[kind]
                w = _window(s, r + 1, 0.0, sc.window, profile=bool(profile_dir) and kind != "bare")
                assert w is not None
                s.windows.append(w)
        for s in served.values():
            assert s.server is not None
            s.rss_after = s.server.rss()
            s.gc_after = _gc(s, collect=False)
        return served
    finally:
        for s in served.values():
            _stop(s)
