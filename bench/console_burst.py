"""The facilitator console under a burst.

Three processes, besides the parent that coordinates them:
  relay    ``_server relay`` (a self-hosted relay, as with ``--relay``)
  console  ``_console``: FacilitatorApp under Textual's Pilot (headless), its
           FacilitatorSession connected to that relay
  members  ``_members``: 60 real MemberSessions in one loop, niced (+10) so
           that on a two-core machine they yield to the console and the relay,
           as members on their own devices would. They do not open each
           other's group messages (they only need the facilitator's keys):
           members reading is not what is measured here.

Keypress-to-effect: the down (or up) arrow in the attention panel, the
facilitator's most frequent move while alerts come in. The key is posted the
way the terminal driver posts it (``driver.send_message``); the effect is the
first frame the screen hands to the display (App._display) after the panel's
cursor action ran and the app's selection followed it (the private
conversation of the highlighted person is what that frame shows). Measured with the session idle (baseline) and during the
burst of 1,000 events (chat, hands, step-outs and backs, triggers).
"""

from __future__ import annotations

import asyncio
import bisect
import cProfile
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from holdspace.client import events as ev
from holdspace.client.identity import Identity
from holdspace.client.invites import parse_invite
from holdspace.client.member_session import MemberSession

KEY_EVERY = 0.03  # seconds between arrow keys: about a keyboard's auto-repeat
BURST_KINDS = {("group", "chat"), ("group", "hand"), ("direct", "step_out"),
               ("direct", "back"), ("direct", "trigger")}
CHATS = [
    "Thank you for sharing that, it means a lot to hear it.",
    "This week has been a bit of a struggle for me, honestly.",
    "I tried the breathing thing we talked about and it helped.",
    "Can I say something about what came up last time?",
    "I'm glad I came tonight.",
]


def burst_plan(events: int, members: int) -> list[list[str]]:
    """Which events each member sends, in order: about half chat, a quarter
    hands (up, then down), 15 % step-outs (step_out, then back), 10 % triggers."""
    pattern = ["chat", "hand", "chat", "step", "chat", "hand", "trigger", "chat", "hand", "chat",
               "chat", "hand", "step", "chat", "chat", "hand", "trigger", "step", "chat", "hand"]
    plans: list[list[str]] = [[] for _ in range(members)]
    for i in range(events):
        plans[i % members].append(pattern[(i // members + i) % len(pattern)])
    return plans


# --- the console process ---------------------------------------------------------------


class _Out:
    """JSON lines to the parent on the original stdout (Textual may capture sys.stdout)."""

    def __init__(self) -> None:
        self.fd = os.dup(1)

    def __call__(self, obj: Any) -> None:
        os.write(self.fd, (json.dumps(obj) + "\n").encode())


async def _read_line() -> dict[str, Any]:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise SystemExit(0)
    return json.loads(line)


async def _console(url: str) -> None:
    from textual import events as tevents

    from holdspace.console.app import FacilitatorApp
    from holdspace.console.config import ConsoleConfig
    from holdspace.console.launch import make_session
    from holdspace.console.widgets.attention import AttentionPanel

    out = _Out()
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
        cmd = await _read_line()
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
            cmd = await _read_line()
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


# --- the members process ----------------------------------------------------------------


class BenchMember(MemberSession):
    """A real member session that opens only the facilitator's group frames
    (keys, rosters): the bench does not measure members reading each other."""

    def _open_group(self, frame: dict[str, Any]) -> None:
        if frame["from"] == self.facilitator_vk:
            super()._open_group(frame)


async def _members() -> None:
    out = _Out()
    cmd = await _read_line()
    link = parse_invite(cmd["invite"])
    count = cmd["members"]
    members: list[BenchMember] = []
    queues: list[asyncio.Queue[ev.Event]] = []

    async def knock(i: int) -> None:
        m = BenchMember(link, f"Member {i + 1}", backoff=(0.05, 0.5))
        q = m.subscribe()
        members.append(m)
        queues.append(q)
        started = await m.start()
        if not isinstance(started, ev.Connected):
            raise RuntimeError(f"member could not connect: {started}")
        async with asyncio.timeout(30):
            while not isinstance(await q.get(), ev.AgreementOffered):
                pass
        await m.agree()

    for start in range(0, count, 16):  # the waiting room holds 32
        await asyncio.gather(*(knock(i) for i in range(start, min(count, start + 16))))
        async with asyncio.timeout(60):
            while not all(m.seated for m in members):
                await asyncio.sleep(0.02)
    out({"knocked": len(members)})
    cmd = await _read_line()
    epoch = cmd["epoch"]
    async with asyncio.timeout(60):
        while not all(m.verifier is not None and m.verifier.keys.epoch >= epoch for m in members):
            await asyncio.sleep(0.02)
    out({"keyed": len(members)})

    while True:
        cmd = await _read_line()
        if cmd["cmd"] == "warm":  # a few hands up, so the attention panel has items
            for m in members[: cmd["hands"]]:
                await m.hand(True)
            await m.trigger("warm-up: a hard moment")  # type: ignore[possibly-undefined]
            out({"warm": True})
        elif cmd["cmd"] == "burst":
            plans = burst_plan(cmd["events"], len(members))
            times: list[float] = []

            async def run(m: BenchMember, plan: list[str], i: int) -> None:
                for kind in plan:
                    times.append(time.monotonic())
                    if kind == "chat":
                        await m.chat(CHATS[i % len(CHATS)])
                    elif kind == "hand":
                        await m.hand(not m.hand_up)
                    elif kind == "step":
                        await (m.back() if m.stepped_out else m.step_out("getting some air"))
                    elif kind == "trigger":
                        await m.trigger("that topic is hard for me")
                    i += 1

            await asyncio.gather(*(run(m, plan, i) for i, (m, plan) in enumerate(zip(members, plans))))
            out({"sent": len(times), "first_sent": min(times), "last_sent": max(times)})
        elif cmd["cmd"] == "quit":
            break
    for m in members:
        await m.stop()


def members_main(argv: list[str]) -> None:
    asyncio.run(_members())


# --- the parent's side --------------------------------------------------------------------


def run(members: int = 60, events: int = 1000, presses: int = 60, bursts: int = 3,
        relay_overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Relay, console and members processes; ``bursts`` bursts of ``events``
    events each. Returns what the console measured."""
    from bench.procstat import Child

    # Admitting 60 people back to back re-keys the room 60 times: about 1,900
    # key frames from the facilitator within seconds, past its default burst
    # (600) -- the bench raises the facilitator's limit (see PERFORMANCE.md).
    overrides = {"connections_per_address": members + 50, "max_connections": members + 50,
                 "facilitator_rate": 5000.0,
                 "facilitator_burst": 20000, **(relay_overrides or {})}
    relay = Child("server", "relay", json.dumps(overrides), "")
    children = [relay]
    try:
        url = f"ws://127.0.0.1:{relay.recv()['port']}"
        console = Child("console", url)
        children.append(console)
        invite = console.recv()["invite"]
        crowd = Child("members", nice=10)
        children.append(crowd)
        t0 = time.monotonic()
        crowd.send({"invite": invite, "members": members})
        console.send({"members": members})
        seated = console.recv()
        crowd.recv()
        crowd.send({"epoch": seated["epoch"]})
        crowd.recv()
        setup_s = time.monotonic() - t0
        crowd.send({"cmd": "warm", "hands": min(8, members)})
        crowd.recv()
        time.sleep(0.5)
        console.send({"cmd": "baseline", "presses": presses})
        idle = console.recv()
        runs = []
        cpu = {c.role: 0.0 for c in children}
        waited = 0.0  # the console runnable but every core busy: the machine, not the app
        for _ in range(bursts):
            console.send({"cmd": "burst", "events": events, "timeout": 60})
            console.recv()  # armed
            cpu0 = {c.role: c.cpu() for c in children}
            waited0 = console.waited()
            crowd.send({"cmd": "burst", "events": events})
            sent = crowd.recv()
            burst = console.recv()
            for c in children:
                cpu[c.role] += c.cpu() - cpu0[c.role]
            waited += console.waited() - waited0
            burst.update(sent)
            runs.append(burst)
            time.sleep(0.3)
        for c in (crowd, console):
            c.send({"cmd": "quit"})
        return {"members": members, "events": events, "setup_s": setup_s, "idle": idle,
                "bursts": runs, "cpu": cpu, "console_waited": waited}
    finally:
        for c in reversed(children):
            c.close()
