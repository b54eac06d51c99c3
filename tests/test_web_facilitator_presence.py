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
from tests.web_browser import join, log_shows, member_page, seat

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
            # the call for help tops the panel before Robin is let back in
            asked = await watch.expect(ev.DirectMessage, lambda e: e.kind == "help")
            assert asked.sender == member and member in again.waiting
        finally:
            await again.stop()


async def restart(r, relay) -> tuple[FacilitatorSession, Watcher]:
    r.fac._ws.transport.abort()  # the console's process dies: no closing handshake
    await r.fac.stop()
    again = FacilitatorSession(relay.url, r.fac.identity, room=r.fac.room, name="Alex",
                               restarted=True, invites=[r.link], **FAST)
    watch = Watcher(again)
    assert isinstance(await again.start(), ev.Connected)
    return again, watch


async def test_a_waiting_members_request_reaches_a_returning_console_before_admission(chrome, relay) -> None:
    """QA2 #3: from the waiting room nothing waits for a group key's proof."""
    async with member_page(chrome, relay) as (r, page):
        member = await join(page, r, "Robin")
        r.fac._ws.transport.abort()
        await r.fac.stop()
        await log_shows(page, "The facilitator's connection dropped.")
        await page.get_by_role("button", name="Ask for support").click()
        await log_shows(page, "No facilitator is connected right now, so nobody has been asked yet.")
        again = FacilitatorSession(relay.url, r.fac.identity, room=r.fac.room, name="Alex",
                                   restarted=True, invites=[r.link], **FAST)
        watch = Watcher(again)
        try:
            assert isinstance(await again.start(), ev.Connected)
            asked = await watch.expect(ev.DirectMessage, lambda e: e.kind == "help")
            assert asked.sender == member and member in again.waiting  # not let in yet
        finally:
            await again.stop()


async def test_chat_after_a_console_restart_is_refused_plainly_until_let_back_in(chrome, relay) -> None:
    """QA2 #3: a chat typed then went under a key the restarted console does not
    hold, and the member was told nothing."""
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r, "Robin")
        await page.get_by_label("Message", exact=True).fill("hello")
        await page.get_by_role("button", name="Send", exact=True).click()
        await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat")  # the key is proven
        again, watch = await restart(r, relay)
        try:
            await log_shows(page, "The facilitator is back.")
            await page.get_by_label("Message", exact=True).fill("can anyone read this?")
            await page.get_by_role("button", name="Send", exact=True).click()
            refused = "Not sent: the facilitator is back but has not confirmed your place"
            # after the 5 s a message waits for its key's proof
            await page.get_by_role("log").get_by_text(refused).last.wait_for(timeout=10_000)
            await watch.expect(ev.Knock, lambda e: e.member == member)
            assert not [e for e in watch.drain() if isinstance(e, ev.GroupMessage) and e.kind == "chat"]
        finally:
            await again.stop()


async def test_a_raised_hand_is_raised_again_on_a_console_that_restarted(chrome, relay) -> None:
    """QA3 N4: the restarted console knew nothing of the hand, the page still
    showed it up; let back in, the page raises it there again."""
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r, "Robin")
        await page.get_by_role("button", name="Raise hand").click()
        await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.body["up"])
        again, watch = await restart(r, relay)
        try:
            await watch.expect(ev.Knock, lambda e: e.member == member)
            await again.admit(member)
            up = await watch.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.sender == member)
            assert up.body["up"] is True
            assert await page.get_by_role("button", name="Lower hand").count() == 1
        finally:
            await again.stop()
