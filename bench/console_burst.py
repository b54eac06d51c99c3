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

This module is the parent's side; the processes are bench/burst_console.py and
bench/burst_members.py, what they send is bench/burst_plan.py.
"""

from __future__ import annotations

import json
import time
from typing import Any


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
