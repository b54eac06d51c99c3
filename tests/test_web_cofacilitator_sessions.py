"""Issue 13, item 4, end to end: the member page with the real lead and the real
co-facilitator sessions (client/facilitator_session.py, co-facilitator mode)
through the real relay, in real Chromium. The lead's console is killed and the
co-facilitator keeps the group; the page never notices anything but a new key."""

from __future__ import annotations

import os
import time

import pytest

from holdspace.client import events as ev
from tests.cofacilitator_helpers import bring_co, kill
from tests.web_browser import chrome, relay  # noqa: F401 - fixtures, one Chromium per module
from tests.web_browser import log_shows, open_page, room, seat

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


def direct(kind: str, sender: bytes):
    return lambda e: isinstance(e, ev.DirectMessage) and e.kind == kind and e.sender == sender


async def test_the_page_with_a_real_lead_and_co_facilitator(chrome, relay, record_property) -> None:
    r = await room(relay)
    page = await open_page(chrome, r.url)
    co = None
    try:
        member = await seat(page, r, "Robin")
        co, cw = await bring_co(r.fac, r.watch, "Jo")
        await log_shows(page, "what you send the facilitator privately reaches them both")
        # Both hear the page's request for support and its private words, each decrypting its own.
        await page.get_by_role("button", name="Ask for support", exact=True).click()
        await page.get_by_label("Your words for the facilitator").fill("can we talk?")
        await page.get_by_role("button", name="Tell the facilitator").click()
        for watch in (r.watch, cw):
            await watch.expect(ev.DirectMessage, direct("help", member))
            said = await watch.expect(ev.DirectMessage, direct("private", member))
            assert said.body["text"] == "can we talk?"

        await co.notice("Two minutes, then we start.")
        await co.chat("Hello everyone, I'm Jo")
        await log_shows(page, "* Two minutes, then we start.")
        line = page.locator("#log p", has_text="Hello everyone, I'm Jo")
        await line.wait_for()
        assert await line.locator(".role").inner_text() == "co-facilitator"
        await page.screenshot(path=os.environ.get("HOLDSPACE_SCREENSHOT_SESSIONS",
                                                  "/tmp/coweb-cofacilitator-sessions.png"), full_page=True)

        lead_epoch = co.verifier.keys.epoch
        t0 = time.monotonic()
        await kill(r.fac)  # the lead's console dies
        # The co-facilitator holds the keys now: its rekey went to the page before its roster.
        await cw.expect(ev.GroupMessage, lambda e: e.kind == "roster" and e.sender == co.identity.vk, timeout=10)
        assert co.is_keyholder
        for attempt in range(3):  # a message typed as the key changed may still go under the old one
            await page.get_by_label("Message", exact=True).fill(f"still here {attempt}")
            await page.get_by_role("button", name="Send", exact=True).click()
            chat = await cw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.sender == member, timeout=10)
            assert chat.body["text"] == f"still here {attempt}"
            if chat.body["epoch"] > lead_epoch:
                break
        assert chat.body["epoch"] == co.verifier.keys.epoch > lead_epoch  # under the co-facilitator's key
        record_property("summary:page chat under the co-facilitator's key after the lead's console was killed",
                        f"{time.monotonic() - t0:.2f} s")
        assert await page.get_by_text("connection dropped").count() == 0
    finally:
        await page.context.close()
        if co is not None:
            await co.stop()
        await r.fac.stop()


async def test_a_page_knocking_after_the_lead_died_is_never_told_it_dropped_or_came_back(chrome, relay) -> None:
    """The page never saw the lead: until Bo's delegation arrives it trusts nobody
    connected, but "dropped" and "back" would be untrue for this member."""
    r = await room(relay)
    co, cw = await bring_co(r.fac, r.watch, "Jo")
    await kill(r.fac)
    await cw.expect(ev.LeadPresence, lambda e: not e.present)
    page = await open_page(chrome, r.url)
    try:
        await page.get_by_label("Your name").fill("Robin")
        await page.get_by_role("button", name="Join", exact=True).click()
        knock = await cw.expect(ev.Knock, lambda e: e.name == "Robin")
        await page.get_by_role("button", name="I agree", exact=True).click()  # Jo's agreement
        await cw.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == knock.member)
        await page.get_by_role("heading", name="Waiting room").wait_for()
        log = page.get_by_role("log")
        assert await log.get_by_text("connection dropped").count() == 0
        assert await log.get_by_text("The facilitator is back").count() == 0
        assert await log.get_by_text("along shortly").count() == 0  # Jo's delegation came with the agreement
    finally:
        await page.context.close()
        await co.stop()


async def test_the_page_says_the_facilitators_when_its_words_reached_both(chrome, relay) -> None:
    """One facilitator connected: "the facilitator"; the lead and a co-facilitator:
    "the facilitators" (member/commands.py says the same)."""
    r = await room(relay)
    page = await open_page(chrome, r.url)
    co = None
    try:
        member = await seat(page, r, "Robin")
        await page.get_by_role("button", name="I'm finding this hard", exact=True).click()
        await log_shows(page, "The facilitator has been told, privately, that you are finding this hard.")
        co, cw = await bring_co(r.fac, r.watch, "Jo")
        await log_shows(page, "what you send the facilitator privately reaches them both")
        await page.get_by_role("button", name="I'm finding this hard", exact=True).click()
        await page.get_by_role("button", name="Ask for support", exact=True).click()
        for watch in (r.watch, cw):  # it did reach both
            await watch.expect(ev.DirectMessage, direct("trigger", member))
            await watch.expect(ev.DirectMessage, direct("help", member))
        await log_shows(page, "The facilitators have been told, privately, that you are finding this hard.")
        await log_shows(page, "The facilitators have been asked to support you now.")
    finally:
        await page.context.close()
        if co is not None:
            await co.stop()
        await r.fac.stop()
