"""Issue 13, items 1 and 4: the member page and co-facilitators (docs/PROTOCOL.md,
"Co-facilitators"). Real Chromium, the real relay; the lead and the
co-facilitator are driven by hand over the wire (tests/web_cofac.py): the lead
signs the delegation, either of them keys the room, and each opens what the
page sends it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from nacl.signing import SigningKey

from holdspace.client.crypto import pack, seal_direct, seal_group
from holdspace.client.identity import Identity, make_box
from holdspace.relay.webpage import CSP, export_page
from tests.hostile_relay import UP, HostileRelay
from tests.web_browser import chrome, relay  # noqa: F401 - fixtures, one Chromium per module
from tests.web_browser import log_shows, open_page
from tests.web_cofac import CONTEXT, HandFacilitator, co_facilitator, web_url

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


def member_entry(vk: bytes, name: str = "Robin") -> dict[str, Any]:
    return {"vk": vk, "name": name, "role": "member"}


async def seat(page: Any, lead: HandFacilitator, name: str = "Robin") -> bytes:
    """Name, knock, agree, admitted: the page waits for its key. Returns its vk."""
    await page.get_by_label("Your name").fill(name)
    await page.get_by_role("button", name="Join", exact=True).click()
    member = await lead.knocked()
    await page.get_by_role("button", name="I agree", exact=True).click()
    await lead.got("agree", member)
    await lead.admit(member)
    return member


async def send_chat(page: Any, text: str) -> None:
    await page.get_by_label("Message", exact=True).fill(text)
    await page.get_by_role("button", name="Send", exact=True).click()


@asynccontextmanager
async def lead_co_and_page(chrome: Any, relay: Any, *, announce: bool = True) -> AsyncIterator[
        tuple[HandFacilitator, HandFacilitator, Any, bytes]]:
    """A lead, its co-facilitator and a seated page. With ``announce`` the lead's
    roster names the co-facilitator (with its delegation) from the first key."""
    lead = await HandFacilitator.lead(relay.url)
    co = await co_facilitator(relay.url, lead)
    page = None
    try:
        page = await open_page(chrome, web_url(relay.port, lead.room, lead.vk, await lead.invite()))
        member = await seat(page, lead)
        cos = [co.entry("cofacilitator", co.delegation)] if announce else []
        await lead.rekey([member, co.vk], [lead.entry("facilitator"), *cos, member_entry(member)])
        lead.share_key(co)
        await log_shows(page, "The facilitator has let you in")
        yield lead, co, page, member
    finally:
        if page is not None:
            await page.context.close()
        await co.stop()
        await lead.stop()


async def test_a_delegated_co_facilitator_keys_the_room_and_its_lines_are_marked(chrome, relay) -> None:
    async with lead_co_and_page(chrome, relay, announce=False) as (lead, co, page, member):
        # Its first word, before any roster names it: the delegation in the direct.
        await co.direct(member, "private", text="Hello, I am Jo, co-facilitating today")
        await log_shows(page, "(private) Your co-facilitator: Hello, I am Jo")
        hello = await co.got("hello", member)  # knocks are sealed to the lead: now it knows us
        assert hello["name"] == "Robin"

        await co.rekey([member], [lead.entry("facilitator"), co.entry("cofacilitator", co.delegation),
                                  member_entry(member)])
        co.share_key(lead)
        confirmed = await co.got("key_ok", member, pred=lambda b: b["epoch"] == co.epoch)
        assert confirmed["to"] == co.vk  # key_ok to whoever sent the key
        await co.group("notice", text="A short break at the half hour")
        await co.group("chat", text="Welcome, everyone")
        await log_shows(page, "* A short break at the half hour")
        await log_shows(page, "Welcome, everyone")
        line = page.locator("#log p", has_text="Welcome, everyone")
        assert await line.locator(".who").inner_text() == "Jo"
        assert await line.locator(".role").inner_text() == "co-facilitator"
        await co.group("floor", to=member)
        await log_shows(page, "* Jo (co-facilitator) has invited you to speak.")
        await co.direct(member, "private", text="How are you finding it?")
        await log_shows(page, "(private) Jo (co-facilitator): How are you finding it?")
        await page.screenshot(path=os.environ.get("HOLDSPACE_SCREENSHOT", "/tmp/coweb-cofacilitator.png"),
                              full_page=True)
        assert await page.get_by_text("may be missing").count() == 0  # nothing lost on the way

        await send_chat(page, "thank you, Jo")
        said = await co.got("chat", member)  # under the co-facilitator's key
        assert (said["text"], said["epoch"]) == ("thank you, Jo", co.epoch)
        assert (await lead.got("chat", member))["text"] == "thank you, Jo"


async def test_words_for_the_facilitator_reach_both_and_each_reads_them(chrome, relay) -> None:
    async with lead_co_and_page(chrome, relay) as (lead, co, page, member):
        assert (await co.got("hello", member))["name"] == "Robin"  # trusted from the lead's roster
        await log_shows(page, "what you send the facilitator privately reaches them both")
        assert await page.locator("#private-heading").inner_text() == "Only the facilitators see this"
        await page.get_by_role("button", name="Ask for support", exact=True).click()
        await page.get_by_label("Your words for the facilitator").fill("can we talk after?")
        await page.get_by_role("button", name="Tell the facilitator").click()
        for party in (lead, co):
            await party.got("help", member)
            private = await party.got("private", member)
            assert (private["text"], private["to"]) == ("can we talk after?", party.vk)
        await log_shows(page, "Sent privately to the facilitators.")  # QA2 #19: both read it
        await page.get_by_role("button", name="I'm finding this hard", exact=True).click()
        await lead.got("trigger", member)
        await co.got("trigger", member)
        # A consent question is answered only to who asked.
        await co.direct(member, "consent_request", reason="I am worried about you")
        await page.get_by_role("button", name="No", exact=True).click()
        assert (await co.got("consent_reply", member))["answer"] == "no"
        await co.direct(member, "consent_request", reason="May I call someone?")
        await page.get_by_label("Where you are (optional)").fill("at home")
        await page.get_by_role("button", name="Yes, share").click()
        await co.got("consent_reply", member, pred=lambda b: b["answer"] == "yes")
        await log_shows(page, "this was shared with the facilitator who asked you only")  # QA2 #19
        await page.get_by_label("Your words for the facilitator").fill("thank you both")
        await page.get_by_role("button", name="Tell the facilitator").click()
        await lead.got("private", member, pred=lambda b: b["text"] == "thank you both")
        # (the page's frames reach the lead in the order it sent them)
        assert not any(b.get("k") == "consent_reply" for _, b in lead.opened)

        # The lead's roster leaves the co-facilitator out: from now on it is nobody.
        await lead.rekey([member], [lead.entry("facilitator"), member_entry(member)])
        await log_shows(page, "There is no co-facilitator now")
        assert await page.locator("#private-heading").inner_text() == "Only the facilitator sees this"
        await co.direct(member, "private", text="still me")
        await page.get_by_role("log").get_by_text("could not be verified").wait_for()
        assert await page.get_by_text("still me").count() == 0


async def test_after_the_lead_drops_the_co_facilitator_keeps_the_group_going(chrome, relay, record_property) -> None:
    async with lead_co_and_page(chrome, relay) as (lead, co, page, member):
        await send_chat(page, "before")
        await co.got("chat", member)
        t0 = time.monotonic()
        lead.abort()  # killed: no closing handshake
        await co.wait(lambda f: f["t"] == "presence" and f["member"] == lead.vk and f["state"] == "offline")
        await co.rekey([member], [lead.entry("facilitator"), co.entry("cofacilitator", co.delegation),
                                  member_entry(member)])
        await co.got("key_ok", member, pred=lambda b: b["epoch"] == co.epoch)
        await send_chat(page, "still here after the lead dropped")
        said = await co.got("chat", member, pred=lambda b: b["epoch"] == co.epoch)
        assert said["text"] == "still here after the lead dropped"
        record_property("summary:page sending under the co-facilitator's key after the lead was killed",
                        f"{time.monotonic() - t0:.2f} s")
        await page.get_by_label("Your words for the facilitator").fill("are you still there?")
        await page.get_by_role("button", name="Tell the facilitator").click()
        assert (await co.got("private", member))["text"] == "are you still there?"
        # A co-facilitator was there all along: members were never told nobody was.
        assert await page.get_by_text("connection dropped").count() == 0
        t1 = time.monotonic()
        co.abort()  # now nobody is
        await log_shows(page, "The facilitator's connection dropped. They may be back shortly.")
        assert time.monotonic() - t1 < 5.0


async def test_a_waiting_member_agrees_to_both_and_writes_only_to_those_connected(chrome, relay) -> None:
    lead = await HandFacilitator.lead(relay.url)
    co = await co_facilitator(relay.url, lead)
    page = await open_page(chrome, web_url(relay.port, lead.room, lead.vk, await lead.invite()))
    try:
        await page.get_by_label("Your name").fill("Robin")
        await page.get_by_role("button", name="Join", exact=True).click()
        # The agreement names the co-facilitator, so a waiting member can trust it.
        member = await lead.knocked(cofacilitators=[{"vk": co.vk, "delegation": co.delegation}])
        await page.get_by_role("button", name="I agree", exact=True).click()
        await lead.got("agree", member)
        await co.got("agree", member)
        assert (await co.got("hello", member))["name"] == "Robin"

        co.abort()
        await lead.wait(lambda f: f["t"] == "presence" and f["member"] == co.vk and f["state"] == "offline")
        # (the relay told the page before it told us, so the page has heard by the time this shows)
        await lead.direct(member, "private", text="I'm here")
        await log_shows(page, "(private) Facilitator: I'm here")
        await page.get_by_role("button", name="Ask for support", exact=True).click()
        await lead.got("help", member)
        await lead.direct(member, "private", text="On my way")
        await log_shows(page, "On my way")
        # Nothing went to the co-facilitator who had gone (the relay would have said not_seated).
        assert await page.get_by_text("not connected right now").count() == 0
    finally:
        await page.context.close()
        await co.stop()
        await lead.stop()


@asynccontextmanager
async def served(directory: str, relay_origin: str) -> AsyncIterator[int]:
    """An exported page on an origin of its own, for a relay elsewhere."""
    class Handler(SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            self.send_header("Content-Security-Policy", CSP.replace(
                "connect-src 'self'", f"connect-src 'self' {relay_origin}"))
            super().end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=directory))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join()


async def test_a_relay_cannot_make_its_own_key_a_co_facilitator(chrome, relay, tmp_path) -> None:
    proxy = HostileRelay(relay.url)
    await proxy.start()
    export_page(tmp_path, proxy.url)
    lead = await HandFacilitator.lead(proxy.url)
    page = None
    try:
        async with served(str(tmp_path), proxy.url) as port:
            secret = await lead.invite()
            page = await open_page(chrome, web_url(port, lead.room, lead.vk, secret).replace("/join#", "/join.html#"))
            member = await seat(page, lead)
            await lead.rekey([member], [lead.entry("facilitator"), member_entry(member)])
            await log_shows(page, "The facilitator has let you in")

            # The relay's own key, "delegated" with a signature the lead never made.
            fake = Identity.generate()
            forged = SigningKey(fake.seed).sign(CONTEXT + lead.room + fake.vk).signature
            link = proxy.link_of(member)
            # Listed alone as "here", its key counts for nothing: the member is told
            # nobody is there, and a request for support is kept for the lead.
            await link.to_client(pack({"t": "facilitator", "present": True, "here": [fake.vk]}))
            await log_shows(page, "The facilitator's connection dropped")
            await page.get_by_role("button", name="Ask for support", exact=True).click()
            await log_shows(page, "No facilitator is connected right now, so nobody has been asked yet.")
            await link.to_client(pack({"t": "facilitator", "present": True, "here": [lead.vk, fake.vk]}))
            await log_shows(page, "The facilitator is back")
            await lead.got("help", member)  # delivered once the lead proved our key current
            epoch, key = lead.epoch + 1, os.urandom(32)

            def direct(kind: str, **fields: Any) -> bytes:
                body = {"k": kind, "room": lead.room, "to": member, "n": time.time_ns() // 1000,
                        "ts": int(time.time()), "delegation": forged, **fields}
                return pack({"t": "direct", "from": fake.vk, "ct": seal_direct(make_box(fake, member), body)})

            await link.to_client(direct("key", epoch=epoch, key=key))
            await link.to_client(direct("private", text="I am your co-facilitator now"))
            roster = {"k": "roster", "room": lead.room, "epoch": lead.epoch, "n": time.time_ns() // 1000,
                      "ts": int(time.time()), "members": [
                          lead.entry("facilitator"), member_entry(member),
                          {"vk": fake.vk, "name": "Sam", "role": "cofacilitator", "delegation": forged}]}
            await link.to_client(pack({"t": "group", "epoch": lead.epoch, "from": fake.vk, "seq": 1,
                                       "ct": seal_group(fake, lead.key, roster)}))  # as if it held the key
            await page.get_by_role("log").get_by_text("could not be verified").nth(2).wait_for()

            # The page is still on the lead's key, and writes to the lead alone.
            await send_chat(page, "still safe")
            said = await lead.got("chat", member)
            assert (said["text"], said["epoch"]) == ("still safe", lead.epoch)
            await page.get_by_label("Your words for the facilitator").fill("just you")
            await page.get_by_role("button", name="Tell the facilitator").click()
            await lead.got("private", member)
            sent_to = {f["to"] for f in link.frames[UP] if f["t"] == "direct"}
            assert sent_to == {lead.vk}
            assert await page.get_by_text("co-facilitator").count() == 0
    finally:
        if page is not None:
            await page.context.close()
        await lead.stop()
        await proxy.stop()


async def test_a_waiting_page_waits_for_a_listed_partys_delegation_before_saying_nobody_is_there(chrome, relay) -> None:
    """The lead is gone and the relay lists only Jo, whose delegation never
    comes: the page says nobody is there only after its 5 s wait for one, and
    never that anyone dropped (it never saw a facilitator)."""
    lead = await HandFacilitator.lead(relay.url)
    co = await co_facilitator(relay.url, lead)
    secret = await lead.invite()
    page = None
    try:
        lead.abort()
        await co.wait(lambda f: f["t"] == "presence" and f["member"] == lead.vk and f["state"] == "offline")
        page = await open_page(chrome, web_url(relay.port, lead.room, lead.vk, secret))
        await page.get_by_label("Your name").fill("Robin")
        await page.get_by_role("button", name="Join", exact=True).click()
        await co.wait(lambda f: f["t"] == "knock")  # the page has its `ready`, listing Jo
        t0 = time.monotonic()
        await page.get_by_role("alert").filter(has_text="along shortly").wait_for(timeout=15_000)
        assert time.monotonic() - t0 > 4.0  # it waited for a delegation first
        assert await page.get_by_text("connection dropped").count() == 0
    finally:
        if page is not None:
            await page.context.close()
        await co.stop()
        await lead.stop()
