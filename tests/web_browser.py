"""Helpers for the member page's tests in real Chromium (Playwright's async API,
Debian's /usr/bin/chromium): a facilitator's room on a real relay, a page on its
web link, axe-core, and a recorder for storage APIs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import b64e
from holdspace.client.invites import InviteLink
from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Relay
from tests.session_helpers import Watcher, open_room
from tests.web_tools import CHROMIUM_ARGS, ROOT, chromium

AXE = (ROOT / "tests/web/axe.min.js").read_text(encoding="utf-8")
TIMEOUT_MS = 5000

# Runs before the page's own code: records any use of a storage API, so a test
# can assert none happened (memory only, in the browser too).
RECORD_STORAGE = """
(() => {
  const used = [];
  window.__storageUsed = used;
  const note = (what) => () => { used.push(what); };
  for (const proto of [Storage.prototype]) {
    for (const name of ['setItem', 'getItem', 'removeItem', 'clear', 'key']) {
      const real = proto[name];
      proto[name] = function (...args) { used.push('Storage.' + name); return real.apply(this, args); };
    }
  }
  const realOpen = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) { used.push('indexedDB.open'); return realOpen.apply(this, args); };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    get() { used.push('cookie.get'); return cookie.get.call(this); },
    set(v) { used.push('cookie.set'); cookie.set.call(this, v); },
  });
  if (navigator.serviceWorker) {
    const realRegister = navigator.serviceWorker.register.bind(navigator.serviceWorker);
    navigator.serviceWorker.register = (...args) => { used.push('serviceWorker.register'); return realRegister(...args); };
  }
  if (window.caches) {
    const realOpenCache = caches.open.bind(caches);
    caches.open = (...args) => { used.push('caches.open'); return realOpenCache(...args); };
  }
  void note;
})();
"""


def web_link(relay_port: int, link: InviteLink) -> str:
    return (f"http://127.0.0.1:{relay_port}/join#"
            f"{b64e(link.room)}.{b64e(link.facilitator_vk)}.{b64e(link.secret)}")


@dataclass
class Room:
    fac: FacilitatorSession
    watch: Watcher
    link: InviteLink
    url: str


@asynccontextmanager
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    path = chromium()
    async with async_playwright() as pw:
        chrome = await pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chrome
        finally:
            await chrome.close()


# One Chromium per test module (launching it costs seconds); each test gets its
# own browser context, so nothing is shared between tests but the process.
# Tests that use these run in the module's event loop:
#     pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chrome() -> AsyncIterator[Any]:
    async with browser() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def relay() -> AsyncIterator[Relay]:
    """A real relay with the default configuration, in the module's loop."""
    started = Relay(RelayConfig(host="127.0.0.1", port=0))
    await started.start()
    yield started
    await started.stop()


async def open_page(chrome: Any, url: str) -> Any:
    page = await chrome.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.add_init_script(RECORD_STORAGE)
    await page.goto(url)
    await page.wait_for_selector("html[data-ready=knock]")
    return page


async def room(relay: Any, **kwargs: Any) -> Room:
    fac, watch, link = await open_room(relay.url, **kwargs)
    return Room(fac, watch, link, web_link(relay.port, link))


@asynccontextmanager
async def member_page(chrome: Any, relay: Any) -> AsyncIterator[tuple[Room, Any]]:
    """A facilitator's room on ``relay`` and a page open on its web link, ready
    to knock; page and facilitator are closed afterwards."""
    r = await room(relay)
    page = None
    try:
        page = await open_page(chrome, r.url)
        yield r, page
    finally:
        if page is not None:
            await page.context.close()
        await r.fac.stop()


async def join(page: Any, r: Room, name: str = "Robin", known_as: str | None = None) -> bytes:
    """Name, knock, agree: the member waits in the waiting room. Returns its vk.
    known_as: the name the facilitator gives it, when not its own ("Sam (2)")."""
    await page.get_by_label("Your name").fill(name)
    await page.get_by_role("button", name="Join", exact=True).click()
    knock = await r.watch.expect(ev.Knock, lambda e: e.name == (known_as or name))
    await page.get_by_role("button", name="I agree", exact=True).click()
    await r.watch.expect(ev.DirectMessage, lambda e: e.kind == "agree" and e.sender == knock.member)
    await page.get_by_role("heading", name="Waiting room").wait_for()
    return knock.member


async def seat(page: Any, r: Room, name: str = "Robin", known_as: str | None = None) -> bytes:
    member = await join(page, r, name, known_as)
    await r.fac.admit(member)
    await page.get_by_label("Message", exact=True).wait_for()
    return member


async def log_shows(page: Any, text: str) -> None:
    """Wait until the live message log holds a line containing ``text``."""
    await page.get_by_role("log").get_by_text(text, exact=False).last.wait_for()


async def alert_text(page: Any, pattern: str) -> str:
    alert = page.get_by_role("alert")
    await alert.filter(has_text=re.compile(pattern)).wait_for()
    return await alert.inner_text()


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page (evaluated through the DevTools protocol, so the
    page's own CSP does not get in the way) and return its violations."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE + "\n;void 0")
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]
