"""The member page in real Chromium: accessible on every view (axe-core, 0
violations) and with the keyboard alone, memory only (no storage API is
touched, the secret leaves the address bar), and its Content-Security-Policy
refuses injected inline script."""

from __future__ import annotations

import hashlib

import pytest

from holdspace.client import events as ev
from tests.web_browser import chrome, relay  # noqa: F401 - fixtures, one Chromium per module
from tests.web_browser import alert_text, axe_violations, join, log_shows, member_page, seat
from tests.web_tools import BUNDLE

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


async def test_every_view_has_no_accessibility_violations(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        seen = {"name": await axe_violations(page)}
        await page.get_by_label("Your name").fill("Robin")
        await page.get_by_role("button", name="Join", exact=True).click()
        await page.get_by_role("button", name="I agree").wait_for()
        seen["agreement"] = await axe_violations(page)
        await page.get_by_role("button", name="I agree").click()
        knock = await r.watch.expect(ev.Knock)
        await page.get_by_role("heading", name="Waiting room").wait_for()
        seen["waiting room"] = await axe_violations(page)
        await r.fac.admit(knock.member)
        await page.get_by_label("Message", exact=True).wait_for()
        await r.fac.chat("Welcome")
        await log_shows(page, "Welcome")
        seen["group"] = await axe_violations(page)
        await r.fac.check_in(knock.member, "How are you?")
        await r.fac.send_direct(knock.member, "consent_request", reason="I am worried")
        await page.get_by_role("heading", name="A question from the facilitator").wait_for()
        await page.get_by_role("heading", name="The facilitator is checking in").wait_for()
        await page.get_by_text("My emergency details").click()
        seen["check-in, consent and details open"] = await axe_violations(page)
        await page.get_by_role("button", name="Ask for support").click()
        await alert_text(page, "Call 999")
        await page.get_by_role("button", name="Leave", exact=True).click()
        await page.get_by_role("heading", name="Leave the session?").wait_for()
        seen["leave, with resources shown"] = await axe_violations(page)
        await page.get_by_role("button", name="Yes, go now").click()
        await page.get_by_role("heading", name="The session has ended").wait_for()
        seen["ended"] = await axe_violations(page)
    assert seen == {view: [] for view in seen}


async def test_the_names_members_and_tests_rely_on_each_find_one_control(chrome, relay) -> None:
    """Matched loosely, as a screen reader's search or a test would: each name
    leads to exactly one control on screen."""
    async with member_page(chrome, relay) as (r, page):
        assert await page.get_by_label("Your name").count() == 1
        assert await page.get_by_role("button", name="Join").count() == 1
        await seat(page, r)
        assert await page.get_by_label("Message").count() == 1
        for name in ("Send", "Raise hand", "Step out", "I'm finding this hard", "Ask for support", "Leave"):
            assert await page.get_by_role("button", name=name).count() == 1, name
        await page.get_by_role("button", name="Step out").click()
        assert await page.get_by_role("button", name="I'm back").count() == 1


async def test_the_live_log_and_alert_region_exist_from_load(chrome, relay) -> None:
    page = await chrome.new_page()
    # Stop the page's code from running at all: what is there is the HTML itself.
    await page.route("**/static/holdspace.js", lambda route: route.abort())
    await page.goto(f"http://127.0.0.1:{relay.port}/join")
    # Present (though empty) before anything is announced, so screen readers
    # track them from the start.
    assert await page.locator("[role=log][aria-live=polite]").count() == 1
    assert await page.locator("[role=alert]").count() == 1
    await page.context.close()


async def test_no_storage_api_is_used_and_the_secret_leaves_the_address_bar(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        assert "#" not in page.url and page.url.endswith("/join")
        await join(page, r)
        knock = r.watch.of(ev.Knock)[-1]
        await r.fac.admit(knock.member)
        await page.get_by_label("Message", exact=True).fill("nothing kept")
        await page.get_by_role("button", name="Send", exact=True).click()
        await log_shows(page, "nothing kept")
        # Recorded by an init script wrapping every storage API before the page ran.
        assert await page.evaluate("window.__storageUsed") == []
        stored = await page.evaluate("""async () => ({
            local: localStorage.length, session: sessionStorage.length,
            idb: (await indexedDB.databases()).length,
            workers: (await navigator.serviceWorker.getRegistrations()).length,
            caches: (await caches.keys()).length })""")
        assert stored == {"local": 0, "session": 0, "idb": 0, "workers": 0, "caches": 0}
        assert await page.context.cookies() == []


async def test_the_csp_blocks_injected_inline_script(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        violations = await page.evaluate("""() => new Promise((resolve) => {
            const seen = [];
            document.addEventListener('securitypolicyviolation', (e) => {
              seen.push(e.violatedDirective); resolve(seen); });
            const s = document.createElement('script');
            s.textContent = 'window.__injected = true';
            document.head.append(s);
            const style = document.createElement('div');
            style.setAttribute('onclick', 'window.__injected = true');
            document.body.append(style);
            style.click();
        })""")
        assert violations and violations[0].startswith("script-src")
        assert await page.evaluate("window.__injected === undefined")
        # The page itself keeps working: its own module loaded under the same policy,
        # checked against the hash the page names and shows.
        await page.get_by_label("Your name").wait_for()
        shown = await page.locator("#bundle-hash").inner_text()
        assert shown == hashlib.sha256(BUNDLE.read_bytes()).hexdigest()


async def test_a_member_can_join_and_talk_with_the_keyboard_alone(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        keys = page.keyboard
        await keys.type("Robin")  # the name field has the focus on load
        await keys.press("Enter")
        await page.get_by_role("heading", name="The group agreement").wait_for()
        await keys.press("Tab")  # from the agreement's heading to "I agree"
        assert await page.evaluate("document.activeElement.textContent") == "I agree"
        await keys.press("Enter")
        knock = await r.watch.expect(ev.Knock)
        await r.watch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
        await r.fac.admit(knock.member)
        await page.get_by_label("Message", exact=True).wait_for()
        await keys.type("typed, not clicked")  # the message box has the focus once in
        await keys.press("Enter")
        chat = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat")
        assert chat.body["text"] == "typed, not clicked"
        await keys.press("Tab")  # Send
        await keys.press("Tab")  # Raise hand
        await keys.press("Enter")
        hand = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "hand")
        assert hand.body["up"] is True
