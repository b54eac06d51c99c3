"""The relay's door, before any WebSocket: how many sockets it takes, from
whom, and what it does when the machine runs out of them.

- Every TCP connection is counted from its first moment (before the HTTP
  upgrade, so sockets that never finish it count too): per address and
  relay-wide. Past the relay-wide cap, or a few past the per-address one,
  the socket is cut at once. (The few go on to the upgrade, where the
  server tells the person in one sentence that their address has too many.)
- The open-file limit is raised to its hard maximum at start.
- ``accept()`` failing for lack of resources is logged at most once a minute
  (asyncio would log it on every retry, thousands of lines a minute).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import Counter
from collections.abc import Callable, Container
from typing import Any

from websockets.asyncio.server import ServerConnection

log = logging.getLogger("holdspace.relay.server")

ACCEPT_LOG_EVERY = 60.0
TELL_MARGIN = 8  # sockets past the per-address cap still upgraded, to be told why


class Gate:
    """Open sockets per address and in all. Connections from ``trusted``
    proxies count only in all: their clients are counted after the upgrade,
    by X-Forwarded-For."""

    def __init__(self, per_address: int, total: int, trusted: Container[str]) -> None:
        self.per_address = per_address
        self.total = total
        self.trusted = trusted
        self.open: Counter[str] = Counter()
        self.count = 0
        self.refused = 0

    def enter(self, address: str) -> bool:
        if self.count >= self.total:
            self.refused += 1
            return False
        if address not in self.trusted:
            if self.open[address] >= self.per_address + TELL_MARGIN:
                self.refused += 1
                return False
            self.open[address] += 1
        self.count += 1
        return True

    def leave(self, address: str) -> None:
        self.count -= 1
        if address in self.open:
            self.open[address] -= 1
            if self.open[address] <= 0:
                del self.open[address]

    def connection_class(self) -> Callable[..., ServerConnection]:
        """websockets' ``create_connection``: a ServerConnection counted here."""
        gate = self

        class GatedConnection(ServerConnection):
            _gate_address: str | None = None

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                peer = transport.get_extra_info("peername")
                address = str(peer[0]) if peer else "unknown"
                if gate.enter(address):
                    self._gate_address = address
                else:
                    transport.abort()  # websockets' handshake then ends quietly

            def connection_lost(self, exc: Exception | None) -> None:
                if self._gate_address is not None:
                    gate.leave(self._gate_address)
                    self._gate_address = None
                super().connection_lost(exc)

        return GatedConnection


def raise_open_file_limit() -> int:
    """Raise the open-file limit's soft value to the hard one; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):  # e.g. above the kernel's nr_open
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class AcceptErrors:
    """An event-loop exception handler that logs ``accept()`` running out of
    resources at most once per ACCEPT_LOG_EVERY seconds, and passes anything
    else on to the handler that was there before."""

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.loop = loop
        self.clock = clock
        self.previous = loop.get_exception_handler()
        self.last: float | None = None
        self.missed = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not str(context.get("message", "")).startswith("socket.accept() out of system resource"):
            if self.previous is not None:
                self.previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        now = self.clock()
        if self.last is not None and now - self.last < ACCEPT_LOG_EVERY:
            self.missed += 1
            return
        exc = context.get("exception")
        log.warning("cannot accept new connections: out of %s (%d more like this since the last line)",
                    "open files" if getattr(exc, "errno", None) in (23, 24) else "system resources",
                    self.missed)
        self.last, self.missed = now, 0

    def install(self) -> None:
        self.loop.set_exception_handler(self)

    def uninstall(self) -> None:
        if self.loop.get_exception_handler() is self:
            self.loop.set_exception_handler(self.previous)
