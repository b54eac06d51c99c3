"""Changes to relay/ proposed by the benchmark, applied by monkeypatching inside
the bench's own ``relay+`` server process only (never to the repository), so
the bench can print their measured effect next to the relay as it is.

P1  Peer.send writes straight to the socket when nothing is queued or in
    flight for that connection and its transport is not paused: the same
    synchronous path as websockets.broadcast(). Only a connection that is
    already behind (transport above its write limit, or frames queued) goes
    through the queue and its writer task, so ordering and the backlog cap
    (max_backlog_bytes queued + the 16 KiB transport limit) are unchanged.
    Profile: the writer-task path costs a task wake-up, an Event, a coroutine
    and websockets' send_context() per delivery, about 40 % of the relay's CPU.
P2  The writer task, its wake-up Event and the queue are created only when a
    connection first falls behind (P1 makes that rare). An empty deque is
    760 bytes and an Event holds another; a Task and its coroutine ~1.4 KiB.
P3  Peer and TokenBucket get __slots__ (no per-instance __dict__).

``FastPeer`` below is relay.server.Peer with P1-P3: the same constructor, the
same attributes and methods, the same behaviour. ``apply()`` installs it (and
the slotted bucket) in relay.server; if relay/server.py changes shape, it
raises and the bench reports the variant as unavailable rather than measuring
something else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from relay import limits
from relay import server as relay_server

OPEN = State.OPEN


class FastPeer:
    """relay.server.Peer with P1 (direct write when idle), P2 (writer, Event
    and queue made on first need) and P3 (__slots__)."""

    __slots__ = ("ws", "address", "max_backlog", "bucket", "_queue", "queued", "closing",
                 "dropped", "_on_overflow", "_wake", "_writer")

    def __init__(self, ws: Any, address: str, max_backlog: int,
                 on_overflow: Callable[[FastPeer], None]) -> None:
        self.ws = ws
        self.address = address
        self.max_backlog = max_backlog
        self.bucket: Any = None
        self._queue: deque[bytes] | None = None
        self.queued = 0  # bytes queued or being written by the writer task
        self.closing: tuple[int, str] | None = None
        self.dropped = False
        self._on_overflow = on_overflow
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.closing is not None or self.dropped

    @property
    def queue(self) -> deque[bytes]:
        if self._queue is None:
            self._queue = deque()
        return self._queue

    @property
    def writer(self) -> asyncio.Task[None]:
        if self._writer is None:
            self._wake = asyncio.Event()
            self._writer = asyncio.create_task(self._write())
        return self._writer

    def send(self, data: bytes) -> None:
        if self.closing is not None or self.dropped:
            return
        ws = self.ws
        if self.queued == 0 and not ws.paused and ws.protocol.state is OPEN:
            # P1: nothing ahead of this frame on this connection and the socket
            # takes data: write it now, as websockets.broadcast() does.
            try:
                ws.protocol.send_binary(data)
                ws.send_data()
            except Exception:  # the connection is going away; its receive loop cleans up
                pass
            return
        self.queue.append(data)
        self.queued += len(data)
        if self.queued > self.max_backlog:
            self.dropped = True
            self.writer.cancel()
            self.queue.clear()
            self.queued = 0
            self._on_overflow(self)  # type: ignore[arg-type]
        else:
            self.writer  # noqa: B018  (make sure it runs)
            self._wake.set()  # type: ignore[union-attr]

    def finish(self, code: int, reason: str = "") -> None:
        if not self.done:
            self.closing = (code, reason)
            self.writer  # noqa: B018
            self._wake.set()  # type: ignore[union-attr]

    async def _write(self) -> None:
        wake = self._wake
        assert wake is not None
        with contextlib.suppress(ConnectionClosed):
            while True:
                await wake.wait()
                wake.clear()
                queue = self.queue
                while queue:
                    data = queue.popleft()
                    await self.ws.send(data)
                    self.queued -= len(data)
                if self.closing is not None:
                    await self.ws.close(*self.closing)
                    return

    async def wind_down(self) -> None:
        writer = self._writer
        if writer is None:
            return
        if self.closing is not None and not writer.done():
            try:
                await asyncio.wait_for(writer, relay_server.FLUSH_TIMEOUT)
            except TimeoutError:
                self.ws.transport.abort()
            return
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer


class SlotsTokenBucket:
    """relay.limits.TokenBucket with __slots__ (P3): its very methods."""

    __slots__ = ("rate", "burst", "tokens", "last", "refused")
    __init__ = limits.TokenBucket.__init__
    allow = limits.TokenBucket.allow
    exhausted = limits.TokenBucket.exhausted


def apply() -> None:
    peer = relay_server.Peer
    for name in ("send", "finish", "wind_down", "_write", "done"):
        if not hasattr(peer, name):
            raise RuntimeError(f"relay.server.Peer has no {name}: the proposal no longer fits")
    if relay_server.TokenBucket is not limits.TokenBucket:
        raise RuntimeError("relay.server no longer uses relay.limits.TokenBucket")
    relay_server.Peer = FastPeer  # type: ignore[misc, assignment]
    relay_server.TokenBucket = SlotsTokenBucket  # type: ignore[misc]
