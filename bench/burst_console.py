"""The console burst's console process (``_console``): FacilitatorApp under Pilot, measuring keypress-to-effect."""

from __future__ import annotations

import asyncio
import bisect
import cProfile
import os
import time
from collections.abc import Callable
from typing import Any

from bench.burst_plan import BURST_KINDS, KEY_EVERY
from bench.jsonlines import Out, read_line
from holdspace.client import events as ev
from holdspace.client.identity import Identity


async def _console(url: str) -> None:
    from textual import events as tevents

    from holdspace.console.app import FacilitatorApp
    from holdspace.console.config import ConsoleConfig
    from holdspace.console.launch import make_session
    from holdspace.console.widgets.attention import AttentionPanel

    out = Out()
    cfg = ConsoleConfig()
    cfg.bell = False
    emitted: list[float] = []  # monotonic times the session emitted a burst event
    applied: list[float] = []  # ... and the app applied it to its model
    counting = False

    def is_burst(event: ev.Event) -> bool:
        if isinstance(event, ev.GroupMessage):
            return ("group", event.kind) in BURST_KINDS
        if isinstance(event, ev.DirectMessage):
            return ("direct", event.kind) in BURST_KINDS
        return False

    async def connect() -> tuple[Any, str]:
        session = make_session(url, Identity.generate(), cfg)
        emit = session.emit

        def counted_emit(event: ev.Event) -> None:
            if counting and is_burst(event):
                emitted.append(time.monotonic())
            emit(event)
        session.emit = counted_emit  # type: ignore[method-assign]
        return session, url

    # Where the console's time goes: frames (the screen's compositor update)
    # and refresh_views (the app rebuilding its panels), timed while counting.
    spans: dict[str, list[float]] = {"frame": [], "refresh_views": []}

    def timed_method(cls: Any, name: str, label: str) -> None:
        original = getattr(cls, name)

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            t0 = time.monotonic()
            try:
                return original(self, *args, **kwargs)
            finally:
                if counting:
                    spans[label].append(time.monotonic() - t0)
        setattr(cls, name, timed)

    from textual.screen import Screen
    timed_method(Screen, "_on_timer_update", "frame")
    timed_method(FacilitatorApp, "refresh_views", "refresh_views")

    app = FacilitatorApp(cfg, connect)
    async with app.run_test(size=(160, 50)) as pilot:
        model_apply = app.model.apply

        def counted_apply(event: ev.Event, now: float) -> None:
            model_apply(event, now)
            if counting and is_burst(event):
                applied.append(time.monotonic())
        app.model.apply = counted_apply  # type: ignore[method-assign]

        frames: list[float] = []
        frame_waiters: list[asyncio.Future[float]] = []
        display = app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                now = time.monotonic()
                frames.append(now)
                for fut in frame_waiters:
                    if not fut.done():
                        fut.set_result(now)
                frame_waiters.clear()
        app._display = timed_display  # type: ignore[method-assign]

        invite = await asyncio.wait_for(app.wait_for_invite(), 30)
        out({"invite": invite.link})
        cmd = await read_line()
        expected = cmd["members"]
        while True:  # admit everyone who knocked and agreed, as the facilitator would
            ready = [p.vk for p in app.model.participants.values()
                     if p.place == "waiting" and p.agreed]
            for vk in ready:
                await app.admit(vk)
            seated = sum(1 for p in app.model.participants.values() if p.place == "seated")
            if seated >= expected:
                break
            await pilot.pause(0.05)
        session = app.session
        assert session is not None
        out({"seated": seated, "epoch": session.verifier.keys.epoch})  # type: ignore[union-attr]

        panel = app.query_one(AttentionPanel)
        panel.focus()
        handled: list[float] = []
        for name in ("action_cursor_down", "action_cursor_up"):
            original = getattr(panel, name)

            def timed(original: Callable[[], None] = original) -> None:
                original()
                handled.append(time.monotonic())
            setattr(panel, name, timed)

        selected: list[float] = []  # when the app's selection followed a highlight
        app_select = app.select

        def timed_select(vk: bytes | None) -> None:
            app_select(vk)
            selected.append(time.monotonic())
        app.select = timed_select  # type: ignore[method-assign]

        async def keys(busy: Callable[[], bool], at_least: int, at_most: int) -> list[float]:
            """Arrow keys every KEY_EVERY seconds (down, up, down, ...: a held
            arrow key repeats about that fast) while ``busy()``; returns the
            send time of each."""
            panel.move_cursor(0)
            await pilot.pause(0.05)
            sent: list[float] = []
            while (busy() or len(sent) < at_least) and len(sent) < at_most:
                key = "down" if len(sent) % 2 == 0 else "up"
                sent.append(time.monotonic())
                app._driver.send_message(tevents.Key(key, None))  # type: ignore[union-attr]
                await asyncio.sleep(KEY_EVERY)
            await asyncio.sleep(0.3)  # the last keys' frames
            return sent

        def key_latencies(sent: list[float], first: int) -> tuple[list[float], list[float]]:
            """Seconds from each key to the first frame after its cursor move, and
            of that, from the key to the move (waiting behind other work)."""
            lat, waits = [], []
            mine = handled[first:]
            for k, (t0, t_handled) in enumerate(zip(sent, mine)):
                # The effect is the highlight moved *and* the selection following
                # it (the private conversation shown): the frame must come after both.
                until = mine[k + 1] if k + 1 < len(mine) else float("inf")
                j = bisect.bisect_left(selected, t_handled)
                effect = selected[j] if j < len(selected) and selected[j] < until else t_handled
                i = bisect.bisect_left(frames, effect)
                if i < len(frames):
                    lat.append(frames[i] - t0)
                    waits.append(t_handled - t0)
            return lat, waits

        profile_path = os.environ.get("HOLDSPACE_BENCH_PROFILE_CONSOLE")
        profiler = cProfile.Profile() if profile_path else None
        while True:
            cmd = await read_line()
            if cmd["cmd"] == "baseline":
                await pilot.pause(0.3)
                first = len(handled)
                sent = await keys(lambda: False, cmd["presses"], cmd["presses"])
                lat, waits = key_latencies(sent, first)
                out({"lat_ms": [x * 1000 for x in lat], "wait_ms": [x * 1000 for x in waits],
                     "keys": len(sent), "handled": len(handled) - first,
                     "attention": len(panel.items)})
            elif cmd["cmd"] == "burst":
                if profiler is not None:
                    profiler.enable()
                emitted.clear()
                applied.clear()
                for v in spans.values():
                    v.clear()
                counting = True
                counted_from = time.monotonic()
                out({"armed": True})
                total = cmd["events"]
                deadline = time.monotonic() + cmd["timeout"]
                first = len(handled)
                sent = await keys(lambda: len(applied) < total and time.monotonic() < deadline,
                                  0, 100000)
                lat, waits = key_latencies(sent, first)
                if profiler is not None:
                    profiler.disable()
                    profiler.dump_stats(profile_path)
                counting = False
                counted_s = time.monotonic() - counted_from
                last_applied = applied[-1] if applied else None
                shown = next((f for f in frames if last_applied is not None and f >= last_applied), None)
                # Keys pressed while the burst was coming in: from the first event
                # the session took in to the last one the app applied.
                start = emitted[0] if emitted else 0.0
                keep = [last_applied is not None and start <= t0 <= last_applied for t0 in sent]
                out({"lat_ms": [x * 1000 for x, k in zip(lat, keep) if k],
                     "wait_ms": [x * 1000 for x, k in zip(waits, keep) if k],
                     "keys": len(sent), "handled": len(handled) - first,
                     "emitted": len(emitted), "applied": len(applied),
                     "first_emitted": start, "last_emitted": emitted[-1] if emitted else None,
                     "last_applied": last_applied, "last_shown": shown, "attention": len(panel.items),
                     "spans_ms": {k: [x * 1000 for x in v] for k, v in spans.items()},
                     "counted_s": counted_s})
            elif cmd["cmd"] == "quit":
                break
        await session.stop()


def console_main(argv: list[str]) -> None:
    asyncio.run(_console(argv[0]))
