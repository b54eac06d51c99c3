"""A private word the page could not send (it said so) must not leave a hole in
the member's counter: the facilitator would be told "some messages may be
missing" about a message that never existed. The Python side is
tests/test_unsent_leaves_no_gap.py."""

from __future__ import annotations

import re

import pytest

from holdspace.client import events as ev
from tests.web_browser import chrome, relay  # noqa: F401 - fixtures, one Chromium per module
from tests.web_browser import log_shows, member_page, seat

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


async def test_a_message_not_sent_while_disconnected_is_not_reported_missing(chrome, relay) -> None:
    """The page said it was not sent; so nobody may be told a message from this
    member is missing (its counter must not skip)."""
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r)
        # New connections from the page are held, never reaching the relay, until allowed.
        allow = False
        held = []

        def route(ws) -> None:
            if allow:
                ws.connect_to_server()
            else:
                held.append(ws)

        await page.route_web_socket(re.compile(".*"), route)
        fac_port = r.fac._ws.local_address[1]
        peer = next(p for p in relay._peers if p.ws.remote_address[1] != fac_port)
        peer.ws.transport.abort()
        await log_shows(page, "Connection lost - trying again")
        # A chat waits for proof its key is current; a private word goes at once.
        await page.get_by_label("Your words for the facilitator").fill("never sent")
        await page.get_by_role("button", name="Tell the facilitator").click()
        await log_shows(page, "Not connected to the session right now")
        allow = True
        for ws in held:
            await ws.close()
        await r.watch.expect(ev.Presence, lambda e: e.member == member and e.state == "online")
        await page.get_by_label("Your words for the facilitator").fill("back again")
        await page.get_by_role("button", name="Tell the facilitator").click()
        said = await r.watch.expect(ev.DirectMessage, lambda e: e.kind == "private" and e.sender == member)
        assert said.body["text"] == "back again"
        assert [g for g in r.watch.of(ev.Gap) if g.sender == member] == []
