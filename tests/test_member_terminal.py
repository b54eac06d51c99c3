"""The member's plain client in a real terminal, against the real relay: what
the member sees on the screen, line by line."""

from __future__ import annotations

import asyncio

from holdspace.client import events as ev
from tests.session_helpers import open_room
from tests.terminal_helpers import InTerminal


async def test_plain_mode_in_a_terminal_shows_your_own_message_once(relay, tmp_path):
    fac, fwatch, link = await open_room(relay.url)
    term = InTerminal(tmp_path, "join", "--plain", "--name", "Sam", link.link)
    try:
        await asyncio.to_thread(term.read_until, "Type yes to join")
        term.type("yes")
        agreed = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree", timeout=15)
        await fac.admit(agreed.sender)
        await asyncio.to_thread(term.read_until, "has let you in")
        term.type("the rain stopped at last")
        await fwatch.expect(ev.GroupMessage, lambda e: e.kind == "chat", timeout=15)
        # The relay sends the member's own message back to them before this one.
        await fac.chat("thank you, Sam")
        shown = await asyncio.to_thread(term.read_until, "thank you, Sam")
        assert shown.count("the rain stopped at last") == 1, shown
    finally:
        term.close()
        await fac.stop()
