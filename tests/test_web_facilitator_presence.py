"""Issue 13, item 4: the member page says plainly when the facilitator's
connection drops and when they are back, keeps a request for support made
meanwhile (showing the crisis resources at once), and delivers it to the
returning console. Real Chromium, the real relay, real sessions."""

from __future__ import annotations

import time

import pytest

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from tests.session_helpers import FAST, Watcher
from tests.web_browser import chrome, relay  # noqa: F401 - fixtures, one Chromium per module
from tests.web_browser import log_shows, member_page, seat

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


async def test_the_page_says_when_nobody_is_there_and_keeps_a_request_for_support(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r, "Robin")
        t0 = time.monotonic()
        r.fac._ws.transport.abort()  # the console's process dies: no closing handshake
        await r.fac.stop()
        await log_shows(page, "The facilitator's connection dropped. They may be back shortly.")
        assert time.monotonic() - t0 < 5.0
        await page.get_by_role("button", name="Ask for support").click()
        await log_shows(page, "No facilitator is connected right now, so nobody has been asked yet.")
        assert await page.get_by_text("has been asked to support you").count() == 0
        again = FacilitatorSession(relay.url, r.fac.identity, room=r.fac.room, name="Alex",
                                   restarted=True, invites=[r.link], **FAST)
        watch = Watcher(again)
        try:
            assert isinstance(await again.start(), ev.Connected)
            await log_shows(page, "The facilitator is back.")
            returning = await watch.expect(ev.Knock, lambda e: e.member == member)
            assert returning.name == "Robin"  # from the knock the page sealed
            await again.admit(member)
            asked = await watch.expect(ev.DirectMessage, lambda e: e.kind == "help")
            assert asked.sender == member
        finally:
            await again.stop()
