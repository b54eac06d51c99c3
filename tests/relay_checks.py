"""Checks on a running test relay: an HTTP GET, waiting for closed connections, still serving."""

from __future__ import annotations

import asyncio
import urllib.request

from wire import TIMEOUT, open_room

from holdspace.relay.server import Relay


async def http_get(relay: Relay, path: str) -> tuple[int, str]:
    def fetch() -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{relay.port}{path}", timeout=TIMEOUT) as response:
            return response.status, response.read().decode()

    return await asyncio.to_thread(fetch)


async def settle(relay: Relay, connections: int) -> None:
    """Let the relay, which shares this event loop, finish with connections
    that just closed (it has no frame that says so to anyone)."""
    async with asyncio.timeout(TIMEOUT):
        while relay.connections != connections:
            await asyncio.sleep(0)  # one loop turn, not a timed wait


async def assert_still_serving(relay: Relay) -> None:
    """The relay still opens rooms and answers health checks."""
    fac, room = await open_room(relay.url)
    assert len(room) == 16
    assert await http_get(relay, "/healthz") == (200, "ok\n")
    await fac.close()
