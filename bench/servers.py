"""The two servers under test, each run in its own process (``python -m bench
_server KIND``) so its CPU time and memory can be read from /proc.

bare   the floor of this stack: websockets.asyncio.server with the relay's
       transport settings, one room per URL path, every message passed to
       websockets' broadcast() for everyone in the room, the sender included
       (as the relay acknowledges a group frame to its sender).
relay  the holdspace relay, relay.server.Relay, with the bench's RelayConfig.

The process prints one JSON line ``{"port": N}`` once it listens, then serves
until its stdin closes. A ``gc-count`` line on stdin gets one JSON line back:
garbage collections so far per generation and objects tracked; ``gc`` adds
the time of one full collection, run then (and trims the C heap, so that the
RSS read next is memory in use). With ``--profile PATH`` it runs under cProfile between
a ``profile`` and an ``unprofile`` line on stdin and dumps the stats to PATH.
"""

from __future__ import annotations

import asyncio
import cProfile
import ctypes
import gc
import json
import logging
import sys
import time
from collections import defaultdict
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve

from holdspace.relay import server as relay_server
from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Relay


class BareBroadcast:
    """One room per path; every message goes to every connection in the room."""

    def __init__(self) -> None:
        self.rooms: dict[str, set[ServerConnection]] = defaultdict(set)
        self._server: Any = None

    async def _handler(self, ws: ServerConnection) -> None:
        room = self.rooms[ws.request.path if ws.request else "/"]
        room.add(ws)
        try:
            async for message in ws:
                broadcast(room, message)
        finally:
            room.discard(ws)

    async def start(self, host: str) -> int:
        # The same transport settings as relay/server.py, so that the only
        # difference measured is what the relay does with each frame.
        self._server = await serve(
            self._handler, host, 0,
            compression=None,
            max_size=4 * 64 * 1024,
            max_queue=relay_server.INCOMING_QUEUE,
            write_limit=relay_server.WRITE_LIMIT,
            ping_interval=relay_server.PING_INTERVAL,
            ping_timeout=relay_server.PING_TIMEOUT,
            close_timeout=relay_server.CLOSE_TIMEOUT,
            server_header=None,
            logger=relay_server._websockets_log,
        )
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()


def _gc_stats(collect: bool) -> dict[str, Any]:
    """Collections so far per generation, objects the collector tracks, and
    (``collect``) how long one full collection takes now."""
    stats: dict[str, Any] = {"collections": [g["collections"] for g in gc.get_stats()],
                             "tracked": len(gc.get_objects())}
    if collect:
        t0 = time.perf_counter()
        gc.collect()
        stats["full_ms"] = (time.perf_counter() - t0) * 1000
        _malloc_trim()
    return stats


def _malloc_trim() -> None:
    """Hand the C heap's free memory back to the system (glibc), so that the
    RSS read next counts what is in use rather than what setting up thousands
    of connections left free in the heap. Done alike for every server."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def relay_config(overrides: dict[str, Any]) -> RelayConfig:
    return RelayConfig(**{"host": "127.0.0.1", "port": 0, **overrides})


async def _serve(kind: str, overrides: dict[str, Any], profile_path: str | None) -> None:
    logging.basicConfig(level=logging.INFO, handlers=[logging.NullHandler()])  # as relay.toml's default, output dropped
    if kind == "bare":
        server: Any = BareBroadcast()
        port = await server.start("127.0.0.1")
    else:
        server = Relay(relay_config(overrides))
        port = await server.start()
    print(json.dumps({"port": port}), flush=True)
    profiler = cProfile.Profile() if profile_path else None
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if line.strip() in ("gc", "gc-count"):
            print(json.dumps(_gc_stats(collect=line.strip() == "gc")), flush=True)
        elif profiler is not None and line.strip() == "profile":
            profiler.enable()
        elif profiler is not None and line.strip() == "unprofile":
            profiler.disable()
            profiler.dump_stats(profile_path)
    await server.stop()


def main(argv: list[str]) -> None:
    kind = argv[0]
    overrides = json.loads(argv[1]) if len(argv) > 1 else {}
    profile_path = argv[2] if len(argv) > 2 and argv[2] else None
    asyncio.run(_serve(kind, overrides, profile_path))
