"""One client connection as the relay sees it: its rate limit, how it is meant
to end, and a bounded outgoing queue, so fan-out never waits for a slow member.

A connection whose queue passes ``max_backlog`` bytes is dropped (the server
closes it with 1008 and counts it); the room goes on. Every queue together is
bounded too (Backlogs): past that budget, a connection holding more than
FAIR_BACKLOG that falls further behind is dropped, so strangers who stop
reading cannot make the relay hold max_backlog for each of their sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast
from websockets.exceptions import ConnectionClosed

from holdspace.relay.limits import TokenBucket

CLOSE_TIMEOUT = 2.0  # after that, a peer that does not answer our close is cut off
FLUSH_TIMEOUT = 5.0  # time to deliver a closing peer's last frames (closed, error)
FAIR_BACKLOG = 64 * 1024  # never dropped for the relay-wide budget below this


class Backlogs:
    """Bytes queued for every connection of one relay, against a budget."""

    __slots__ = ("limit", "queued")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.queued = 0


class Peer:
    """One client connection: its rate limit, how it is meant to end, and a
    bounded outgoing queue drained by a writer task, used only once the
    connection falls behind.

    A frame for a connection with nothing queued or in flight, whose socket
    takes data, is written at once (websockets.broadcast()'s path): no task
    switch per delivery. Otherwise it is queued and a writer task sends it
    when the socket drains; the queue, its wake-up event and the task are
    made on first need. Ordering and the backlog cap are the same either way.
    """

    __slots__ = ("ws", "address", "max_backlog", "bucket", "_queue", "queued", "closing",
                 "dropped", "_on_overflow", "_wake", "_writer", "backlogs", "upstream")

    def __init__(
        self, ws: ServerConnection, address: str, max_backlog: int,
        on_overflow: Callable[[Peer], None], backlogs: Backlogs | None = None,
    ) -> None:
        self.ws = ws
        self.address = address
        self.max_backlog = max_backlog
        self.bucket: TokenBucket | None = None  # set once the handshake says who it is
        self._queue: deque[bytes] | None = None
        self.queued = 0  # bytes queued or being written by the writer task
        self.closing: tuple[int, str] | None = None  # close with this after the queue drains
        self.dropped = False  # cut off for falling behind
        self._on_overflow = on_overflow
        self.backlogs = backlogs if backlogs is not None else Backlogs(1 << 62)
        self.upstream: Any = None  # cluster mode: the route to its room's home on another node
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
        """The writer task, started on first need."""
        if self._writer is None:
            self._wake = asyncio.Event()
            self._writer = asyncio.create_task(self._write())
        return self._writer

    def send(self, data: bytes) -> None:
        """Send a frame without waiting: at once if nothing is ahead of it and
        the socket takes data, else through the queue and the writer task."""
        Peer.send_all((self,), data)

    @staticmethod
    def send_all(peers: Iterable[Peer], data: bytes) -> None:
        """``send(data)`` to each of ``peers``, with one broadcast() call for
        all those that take it at once (a group frame's fan-out)."""
        at_once = []
        for peer in peers:
            if peer.closing is not None or peer.dropped:  # done
                continue
            ws = peer.ws
            if peer.queued == 0 and not ws.paused:
                # broadcast() writes without a task switch and skips a closing
                # connection (its receive loop cleans up); `paused` means the socket
                # buffer is full, so the frame must wait in our bounded queue instead.
                at_once.append(ws)
            else:
                peer._enqueue(data)
        # Each peer is listed once, so writing after the loop keeps every
        # connection's order (and one connection's `paused` changes only with
        # writes to it).
        broadcast(at_once, data)

    def _enqueue(self, data: bytes) -> None:
        self.queue.append(data)
        self.queued += len(data)
        backlogs = self.backlogs
        backlogs.queued += len(data)
        if self.queued > self.max_backlog or (
            backlogs.queued > backlogs.limit and self.queued > FAIR_BACKLOG
        ):
            self.dropped = True
            self.writer.cancel()
            self.queue.clear()
            backlogs.queued -= self.queued
            self.queued = 0
            self._on_overflow(self)
        else:
            self._wake_writer()

    def finish(self, code: int, reason: str = "") -> None:
        """Close with ``code`` once what is queued (an error, ``closed``) is sent."""
        if not self.done:
            self.closing = (code, reason)
            self._wake_writer()

    def _wake_writer(self) -> None:
        self.writer  # noqa: B018  (started on first need)
        assert self._wake is not None
        self._wake.set()

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
                    self.backlogs.queued -= len(data)
                if self.closing is not None:
                    await self.ws.close(*self.closing)
                    return

    async def wind_down(self) -> None:
        """After the connection's receive loop ended: let a closing peer's last
        frames go out (within FLUSH_TIMEOUT), stop the writer otherwise."""
        writer = self._writer
        if writer is None:
            return
        try:
            if self.closing is not None and not writer.done():
                try:
                    await asyncio.wait_for(writer, FLUSH_TIMEOUT)
                except TimeoutError:
                    self.ws.transport.abort()
                return
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        finally:  # what was never sent no longer counts against the budget
            self.backlogs.queued -= self.queued
            self.queued = 0


async def close_within(ws: ServerConnection, code: int, reason: str) -> None:
    """Close, or cut the connection if even the close frame cannot be written
    (websockets' close_timeout starts only after the frame is out)."""
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await ws.close(code, reason)
    except TimeoutError:
        ws.transport.abort()
