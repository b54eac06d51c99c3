"""`holdspace demo` shows a living session: every kind of alert appears."""

from __future__ import annotations

import asyncio

from holdspace.client.identity import Identity
from holdspace.console import demo
from holdspace.console.app import FacilitatorApp
from holdspace.console.launch import make_session

EXPECTED = {"support", "trigger", "risk", "knock", "hand", "step_out", "offline"}


async def test_demo_members_bring_every_panel_alive(relay):
    config = demo.demo_config()
    session = make_session(relay.url, Identity.generate(), config)
    ready = session.subscribe()

    async def connect():
        return session, relay.url

    app = FacilitatorApp(config, connect, embedded_relay=True)
    async with app.run_test(size=(160, 45)) as pilot:
        script = asyncio.create_task(demo._drive(app, ready, pace=0.02))
        kinds: set[str] = set()
        for _ in range(400):  # bounded: about 20 s at most
            await pilot.pause(0.05)
            kinds = {item.kind for item in app.model.attention(app.clock())}
            if EXPECTED <= kinds:
                break
        script.cancel()
        assert EXPECTED <= kinds
        items = app.model.attention(app.clock())
        assert items[0].kind == "support"  # Ana's "I need support" is on top
        group = app.query_one("#group").lines()
        assert any("Robin: Hi everyone" in line for line in group)
        counts = app.model.counts()
        assert counts.seated == 5 and counts.waiting == 1
