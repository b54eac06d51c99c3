"""The connection loop every session runs on: one WebSocket to the relay at a
time, reconnection with backoff, the end of a session, and event fan-out.

It knows nothing of frames beyond the close codes: a session subclass speaks
the protocol over each connection in ``_session``. Consumers see only
``holdspace.client.events`` objects, never sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from holdspace.client import events as ev
from holdspace.relay.protocol import CLOSE_CODES, CLOSED_CODES

# Relay refusals that will not get better by trying again.
FINAL_CODES = frozenset(
    CLOSE_CODES[c] for c in ("bad_auth", "version", "no_room", "room_taken", "bad_invite",
                             "banned", "forbidden", "room_full", "lobby_full")
)
REPLACED = "replaced by a newer connection"  # the relay's close reason

# How long a member keeps trying a room that vanished (a relay restart) before
# concluding the session is over.
NO_ROOM_PATIENCE = 120.0
# How soon a member tries again while the room is not back yet: the relay is up
# (it answered), so each try is cheap, and the room returns the moment the
# facilitator's console reconnects. Backing off here as for an unreachable relay
# kept members out for up to the whole backoff cap after everyone else was back.
NO_ROOM_RETRY = 1.0
# The longest wait between two tries at an unreachable relay: a client is back
# at most this long after the relay is (a try costs the relay one handshake).
MAX_BACKOFF = 5.0
# How long a first connection is tried before saying the relay cannot be
# reached: a relay that is up answers in milliseconds, and someone waiting at a
# "Connecting..." line deserves a plain answer soon.
FIRST_CONNECT_PATIENCE = 10.0
AFTER_RELAY_RESTART = frozenset({CLOSE_CODES["no_room"], CLOSE_CODES["bad_invite"]})


class RelayConnection:
    """One session's life at the relay: connect, reconnect, end."""

    role_hint = "member"

    def __init__(self, relay_url: str, *, backoff: tuple[float, float],
                 give_up_after: float) -> None:
        self.relay_url = relay_url
        self._backoff = backoff
        self._give_up_after = give_up_after
        self._subscribers: list[asyncio.Queue[ev.Event]] = []
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()  # timers; cancelled at the end
        self._ended: ev.SessionEnded | None = None
        self._was_in_room = False
        self._ever_connected = False
        self._no_room_since: float | None = None
        self._last_error: tuple[str, str] | None = None
        self.role: str | None = None  # facilitator | member | lobby, while connected

    async def _session(self, ws: ClientConnection) -> None:
        """Speak the protocol over one connection until it closes."""
        raise NotImplementedError

    # --- events ----------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue[ev.Event]:
        """A queue that receives every event from now on."""
        queue: asyncio.Queue[ev.Event] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[ev.Event]) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(queue)

    def emit(self, event: ev.Event) -> None:
        for queue in self._subscribers:
            queue.put_nowait(event)

    # --- lifecycle ----------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._ws is not None and self.role is not None

    @property
    def ended(self) -> ev.SessionEnded | None:
        return self._ended

    async def start(self, timeout: float = 15.0) -> ev.Event:
        """Connect and return the first Connected or SessionEnded event."""
        queue = self.subscribe()
        self._task = asyncio.create_task(self._run(), name=f"holdspace-{self.role_hint}")
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = await queue.get()
                    if isinstance(event, ev.Connected | ev.SessionEnded):
                        return event
        except TimeoutError:
            return ev.SessionEnded("gave_up", "the relay did not answer in time")
        finally:
            self.unsubscribe(queue)

    def spawn(self, coro: Any) -> asyncio.Task[None]:
        """Run a timer of this session's; it ends with the session."""
        task = asyncio.create_task(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        return task

    async def drop_link(self) -> None:
        """Drop the connection as a network fault would; the session reconnects
        and resumes by itself (used by tests, and to retry at once)."""
        if self._ws is not None:
            await self._ws.close(4000, "reconnecting")

    async def stop(self) -> None:
        """Disconnect without telling anyone (the relay keeps a seat for a while)."""
        await self._end(ev.SessionEnded("closed"), close_code=1001)

    async def _end(self, event: ev.SessionEnded, close_code: int = 1000) -> None:
        if self._ended is None:
            self._ended = event
            self.emit(event)
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close(close_code)
        for side in list(self._side_tasks):
            if side is not asyncio.current_task():
                side.cancel()
        task = self._task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        delay, max_delay = self._backoff
        first_failure: float | None = None
        started = time.monotonic()
        while self._ended is None:
            reason = "the connection to the relay was lost"
            try:
                async with connect(self.relay_url, max_size=4 * 65536, compression=None,
                                   ping_interval=20, ping_timeout=20, open_timeout=10,
                                   user_agent_header=None) as ws:
                    await self._session(ws)
            except asyncio.CancelledError:
                raise
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                if exc.rcvd and exc.rcvd.reason == REPLACED:
                    # Our key connected again elsewhere; two consoles taking turns
                    # would knock each other off forever, so this one stops.
                    await self._end(ev.SessionEnded("replaced", "the session was opened elsewhere"))
                    return
                if await self._closed_for_good(code):
                    return
                if self.role is not None:
                    first_failure, delay = None, self._backoff[0]
                elif code in AFTER_RELAY_RESTART:
                    delay = min(delay, NO_ROOM_RETRY)  # the relay is up; the room comes soon
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                reason = f"cannot reach the relay ({type(exc).__name__})"
                if isinstance(exc, InvalidURI):
                    await self._end(ev.SessionEnded("gave_up", "the relay address is not valid"))
                    return
            finally:
                self._ws = None
                self._ever_connected |= self.role is not None
                self.role = None
            if self._ended is not None:
                return
            now = time.monotonic()
            first_failure = first_failure or now
            never_reached = not self._ever_connected and now - started > FIRST_CONNECT_PATIENCE
            if never_reached or now - first_failure > self._give_up_after:
                await self._end(ev.SessionEnded("gave_up", "the relay could not be reached"))
                return
            if self._ever_connected:  # before that it is still "connecting", nothing lost
                self.emit(ev.ConnectionLost(reason, delay))
            # Reconnection backoff (not a test wait), spread so that the members of
            # a restarted relay do not all knock in the same instant.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, max_delay)

    async def _closed_for_good(self, code: int | None) -> bool:
        if self._ended is not None:
            return True
        if code in AFTER_RELAY_RESTART and self._was_in_room:
            # After a relay restart the room and its invites exist again only
            # once the facilitator reclaims them: keep trying for a while.
            now = time.monotonic()
            self._no_room_since = self._no_room_since or now
            if now - self._no_room_since < NO_ROOM_PATIENCE:
                return False
        if code in FINAL_CODES:
            err_code, msg = self._last_error or (_code_for_close(code), "")
            await self._end(ev.SessionEnded(err_code, msg))
            return True
        return False


def _code_for_close(code: int | None) -> str:
    for name, value in CLOSE_CODES.items():
        if value == code:
            return name
    for name, value in CLOSED_CODES.items():
        if value == code:
            return name
    return "closed"
