"""QA2 #10 on the member page: after a relay restart the page is back, and can
send, within the same bound as the terminal clients (tests/test_relay_restart_return.py)."""

from __future__ import annotations

import asyncio

import pytest

from holdspace.client import events as ev
from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Relay
from tests.test_relay_restart_return import RETURN_BOUND
from tests.web_browser import chrome  # noqa: F401 - fixture, one Chromium per module
from tests.web_browser import member_page, seat

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]
LONGEST_STEP = 4  # the page's 5th "Connection lost" comes after waits of 0.5, 1, 2 and 4 s


async def test_the_page_is_back_within_the_bound_after_a_relay_restart(chrome) -> None:
    relay = Relay(RelayConfig(host="127.0.0.1", port=0))
    await relay.start()
    port = relay.port
    try:
        async with member_page(chrome, relay) as (r, page):
            member = await seat(page, r)
            await relay.stop()  # all it knew is gone, as with kill -9
            lost = page.get_by_role("log").get_by_text("Connection lost - trying again")
            await lost.nth(LONGEST_STEP).wait_for(timeout=20_000)  # its backoff at its longest
            await relay.start("127.0.0.1", port)
            loop = asyncio.get_running_loop()
            back_at = loop.time()
            await r.watch.expect(ev.Presence, lambda e: e.member == member and e.state == "online",
                                 timeout=RETURN_BOUND)
            await page.get_by_label("Message", exact=True).fill("back again")
            await page.get_by_role("button", name="Send", exact=True).click()
            chat = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.sender == member,
                                        timeout=RETURN_BOUND)
            assert chat.body["text"] == "back again"
            assert loop.time() - back_at < RETURN_BOUND
            assert await page.get_by_text("may be missing").count() == 0
    finally:
        await relay.stop()
