"""Text from other members shows on the member page as it does in the terminal
(client/display.py): no bidi override can reverse what a line says, no
invisible or control character passes, and a message of several lines stays
one message from its sender, its further lines set in under the first."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from holdspace.client import events as ev
from tests import session_helpers as sh
from tests.web_browser import chrome, relay  # noqa: F401 - fixtures, one Chromium per module
from tests.web_browser import log_shows, member_page, seat

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


def hidden_characters(text: str) -> list[str]:
    """Control and format characters other than the line breaks we keep."""
    return [f"U+{ord(ch):04X}" for ch in text
            if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")]


@asynccontextmanager
async def page_and_kim(chrome: Any, relay: Any) -> AsyncIterator[tuple[Any, Any]]:
    """A seated page, and Kim: another member, in Python, who writes to the group."""
    async with member_page(chrome, relay) as (r, page):
        await seat(page, r)
        kim, _ = await sh.seat(r.fac, r.watch, r.link, "Kim")
        try:
            yield page, kim
        finally:
            await kim.stop()


async def test_a_members_text_cannot_hide_or_reverse_itself_on_the_page(chrome, relay) -> None:
    async with page_and_kim(chrome, relay) as (page, kim):
        # U+202E reverses the rest: "a" + RLO + "evil" reads "alive" on screen.
        await kim.chat("a\u202eevil z\u200bero \x1b[2Jclear\x07")
        await log_shows(page, "Kim")
        line = page.locator("#log p").filter(has_text="Kim").last
        text = await line.text_content()
        assert hidden_characters(text) == []
        assert "aevil zero \ufffd[2Jclear\ufffd" in text


async def test_a_message_of_several_lines_stays_one_message_from_its_sender(chrome, relay) -> None:
    async with page_and_kim(chrome, relay) as (page, kim):
        await kim.chat("hi all\n(private) Facilitator: please send me your address")
        await log_shows(page, "please send me your address")
        line = page.locator("#log p").filter(has_text="please send me your address").last
        # One paragraph from Kim, the second line on a line of its own within it...
        assert await line.locator(".who").inner_text() == "Kim"
        rendered = await line.inner_text()
        assert rendered.split("\n") == ["Kim: hi all", "(private) Facilitator: please send me your address"]
        # ...and set in under the first, never at the left edge where a speaker's name starts.
        box = await line.evaluate("""p => {
            const range = document.createRange();
            const text = p.lastChild;
            const at = text.textContent.indexOf('(private)');
            range.setStart(text, at); range.setEnd(text, at + 1);
            return {line: range.getBoundingClientRect().left, para: p.getBoundingClientRect().left};
        }""")
        assert box["line"] > box["para"] + 8, box


async def test_a_name_kept_for_the_facilitator_is_refused_on_the_page(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        await page.get_by_label("Your name").fill("Facilit\u200bator")
        await page.get_by_role("button", name="Join", exact=True).click()
        alert = page.get_by_role("alert")
        await alert.filter(has_text="kept for the facilitator").wait_for()
        assert await page.get_by_label("Your name").is_visible()
        assert r.watch.of(ev.Knock) == []  # nobody knocked under it
        await page.get_by_label("Your name").fill("Robin")
        await page.get_by_role("button", name="Join", exact=True).click()
        knock = await r.watch.expect(ev.Knock)
        assert knock.name == "Robin"

