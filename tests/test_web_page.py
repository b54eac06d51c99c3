"""A member joins from a web page in real Chromium, against the real relay and a
real FacilitatorSession: everything they can do reaches the facilitator as the
right kind, and everything the facilitator does shows on the page."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import msgpack
import pytest

from holdspace.client import events as ev
from holdspace.client.chatlines import named_as_line
from holdspace.client.identity import safety_code
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.relay.webpage import CSP, export_page
from tests import session_helpers as sh
from tests.session_helpers import FAST, Watcher
from tests.web_browser import chrome, relay  # noqa: F401 - fixtures, one Chromium per module
from tests.web_browser import alert_text, axe_violations, join, log_shows, member_page, room, seat

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


def direct(kind: str, sender: bytes):
    return lambda e: e.kind == kind and e.sender == sender


async def test_every_member_action_reaches_the_facilitator_as_its_kind(chrome, relay, record_property) -> None:
    async with member_page(chrome, relay) as (r, page):
        ready_ms = int(await page.locator("html").get_attribute("data-ready-ms"))
        record_property("summary:member page ready to knock (loopback, first load)", f"{ready_ms:.0f} ms")
        member = await join(page, r, "Robin")
        # The waiting room shows both safety codes, as the terminal client does.
        assert await page.locator("#my-code").inner_text() == safety_code(member)
        assert await page.locator("#facilitator-code").inner_text() == safety_code(r.fac.identity.vk)
        await r.fac.admit(member)
        message = page.get_by_label("Message", exact=True)
        await message.wait_for()
        assert await page.evaluate("document.activeElement.id") == "message"
        assert await page.title() == "In the group - holdspace"

        await message.fill("hello from the browser")
        await message.press("Enter")
        chat = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.sender == member)
        assert chat.body["text"] == "hello from the browser"
        await log_shows(page, "hello from the browser")

        await page.get_by_role("button", name="Raise hand").click()
        hand = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.sender == member)
        assert hand.body["up"] is True
        await page.get_by_role("button", name="Lower hand").wait_for()

        await page.get_by_label("Your words for the facilitator").fill("getting water")
        await page.get_by_role("button", name="Step out", exact=True).click()
        out = await r.watch.expect(ev.DirectMessage, direct("step_out", member))
        assert out.body["note"] == "getting water"
        await page.get_by_role("button", name="I'm back", exact=True).click()
        await r.watch.expect(ev.DirectMessage, direct("back", member))

        await page.get_by_role("button", name="I'm finding this hard", exact=True).click()
        trigger = await r.watch.expect(ev.DirectMessage, direct("trigger", member))
        assert "note" not in trigger.body

        await page.get_by_label("Your words for the facilitator").fill("can we talk after?")
        await page.get_by_role("button", name="Tell the facilitator").click()
        private = await r.watch.expect(ev.DirectMessage, direct("private", member))
        assert private.body["text"] == "can we talk after?"

        await page.get_by_role("button", name="Ask for support", exact=True).click()
        await r.watch.expect(ev.DirectMessage, direct("help", member))
        assert "Call 999." in await alert_text(page, "Call 999")

        await r.fac.check_in(member, "How are you doing?")
        await page.get_by_role("heading", name="The facilitator is checking in").wait_for()
        await page.get_by_label("A few words back (optional)").fill("a bit shaky")
        await page.get_by_role("button", name="I need support", exact=True).click()
        reply = await r.watch.expect(ev.DirectMessage, direct("check_in_reply", member))
        assert (reply.body["status"], reply.body["text"]) == ("support", "a bit shaky")

        await r.fac.send_direct(member, "consent_request", reason="I am worried about you",
                                contact="a crisis line")
        await page.get_by_role("heading", name="A question from the facilitator").wait_for()
        await page.get_by_label("Where you are (optional)").fill("at home")
        await page.get_by_role("button", name="Yes, share").click()
        consent = await r.watch.expect(ev.DirectMessage, direct("consent_reply", member))
        assert (consent.body["answer"], consent.body["details"]) == ("yes", {"where": "at home"})
        await log_shows(page, "this was shared with the facilitator only: Where you are: at home")

        await page.get_by_role("button", name="Leave", exact=True).click()
        await page.get_by_role("button", name="Yes, and say I'm OK").click()
        ok = await r.watch.expect(ev.DirectMessage, direct("private", member))
        assert ok.body["text"].startswith("I'm OK")
        await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "bye" and e.sender == member)
        await r.watch.expect(ev.Presence, lambda e: e.member == member and e.state == "gone")
        assert "You have left the session" in await alert_text(page, "left the session")


async def test_what_the_facilitator_sends_shows_on_the_page(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r)
        await r.fac.chat("Welcome, everyone")
        await log_shows(page, "Welcome, everyone")
        assert await page.locator("#log .role").last.inner_text() == "facilitator"
        await r.fac.notice("Five minute break")
        await log_shows(page, "* Five minute break")
        await r.fac.private(member, "Just checking you are OK")
        await log_shows(page, "(private) Facilitator: Just checking you are OK")
        await r.fac.give_floor(member)
        await log_shows(page, "The facilitator has invited you to speak")
        await r.fac.send_direct(member, "resources", text="Samaritans: 116 123")
        assert "116 123" in await alert_text(page, "116 123")
        await r.fac.send_direct(member, "consent_request", reason="I am worried about you")
        await page.get_by_role("heading", name="A question from the facilitator").wait_for()
        await page.get_by_label("Where you are (optional)").fill("not shared")
        await page.get_by_role("button", name="No", exact=True).click()
        reply = await r.watch.expect(ev.DirectMessage, direct("consent_reply", member))
        assert reply.body["answer"] == "no" and "details" not in reply.body
        assert "116 123" in await alert_text(page, "116 123")  # help stays in view
        # Markup from the network stays text.
        await r.fac.chat("<img src=x onerror=alert(1)><b>bold</b>")
        await log_shows(page, "<b>bold</b>")
        assert await page.locator("#log img, #log b").count() == 0


@pytest.mark.parametrize(("act", "words"), [
    ("remove", "The facilitator has asked you to leave this session"),
    ("deny", "The facilitator could not let you in this time"),
    ("close_room", "The session has ended. Thank you for being here"),
])
async def test_removal_denial_and_the_end_are_announced(chrome, relay, act, words) -> None:
    async with member_page(chrome, relay) as (r, page):
        member = await (join if act == "deny" else seat)(page, r)
        await (r.fac.close_room() if act == "close_room" else getattr(r.fac, act)(member))
        assert words in await alert_text(page, words[:20])
        await page.get_by_role("heading", name="The session has ended").wait_for()
        assert not await page.get_by_label("Message", exact=True).is_visible()


async def test_not_joining_after_reading_the_agreement(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        await page.get_by_label("Your name").fill("Robin")
        await page.get_by_role("button", name="Join", exact=True).click()
        knock = await r.watch.expect(ev.Knock)
        await page.get_by_role("button", name="Don't join").click()
        await r.watch.expect(ev.Presence, lambda e: e.member == knock.member and e.state == "gone")
        await log_shows(page, "You chose not to join. Take care.")
        assert not any(isinstance(e, ev.DirectMessage) and e.kind == "agree" for e in r.watch.drain())
        assert knock.member not in r.fac.waiting


async def test_held_back_to_the_waiting_room(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r)
        await page.get_by_role("button", name="Raise hand").click()
        await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.sender == member)
        await r.fac.hold(member)
        await r.fac.notice("Said while you wait")  # the group goes on meanwhile
        assert "moved you back to the waiting room" in await alert_text(page, "waiting room")
        await page.get_by_role("heading", name="Waiting room").wait_for()
        await r.fac.admit(member)
        await page.get_by_label("Message", exact=True).fill("in again")
        await page.get_by_role("button", name="Send", exact=True).click()
        chat = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.sender == member)
        assert chat.body["text"] == "in again"
        # the console lowered the hand when it held them (QA2 #13): one press raises it
        await page.get_by_role("button", name="Raise hand").click()
        up = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.sender == member)
        assert up.body["up"] is True
        # What was said while the page waited was not for it: no "may be missing" (QA2 #14).
        await r.fac.notice("Welcome back")
        await log_shows(page, "Welcome back")
        assert await page.get_by_text("may be missing").count() == 0


async def test_a_dropped_connection_reconnects_and_resumes(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r)
        # Cut the page's connection at the relay, as a network fault would.
        fac_port = r.fac._ws.local_address[1]
        peer = next(p for p in relay._peers if p.ws.remote_address[1] != fac_port)
        peer.ws.transport.abort()
        await r.watch.expect(ev.Presence, lambda e: e.member == member and e.state == "offline")
        await r.fac.chat("said while you were away")
        await log_shows(page, "Connection lost - trying again")
        await r.watch.expect(ev.Presence, lambda e: e.member == member and e.state == "online")
        await log_shows(page, "said while you were away")
        await page.get_by_label("Message", exact=True).fill("back again")
        await page.get_by_role("button", name="Send", exact=True).click()
        chat = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.sender == member)
        assert chat.body["text"] == "back again"


async def test_a_broken_link_says_so_in_one_sentence(chrome, relay) -> None:
    page = await chrome.new_page()
    await page.goto(f"http://127.0.0.1:{relay.port}/join#not-a-link")
    text = await alert_text(page, "does not look like a holdspace invite")
    assert text.count(".") <= 2
    assert not await page.get_by_label("Your name").is_visible()
    assert await axe_violations(page) == []
    await page.context.close()


async def test_a_page_waits_while_the_name_is_empty(chrome, relay) -> None:
    async with member_page(chrome, relay) as (r, page):
        await page.get_by_role("button", name="Join", exact=True).click()
        assert "Please type a name first" in await alert_text(page, "type a name")
        await page.get_by_label("Your name").fill("Kit")
        await page.get_by_role("button", name="Join", exact=True).click()
        first = await r.watch.expect(ev.Knock)
        assert first.name == "Kit"  # the empty try knocked on no door


async def test_an_exported_page_on_another_origin_joins_the_relay(chrome, relay, tmp_path) -> None:
    """`holdspace web export` for an organisation's own web server: the page is
    served from elsewhere and still reaches the relay, under its own CSP."""
    export_page(tmp_path, relay.url)
    relay_origin = relay.url.rstrip("/")

    class Handler(SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            self.send_header("Content-Security-Policy", CSP.replace(
                "connect-src 'self'", f"connect-src 'self' {relay_origin}"))
            super().end_headers()

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    r = await room(relay)
    page = await chrome.new_page()
    try:
        fragment = r.url.split("#", 1)[1]
        await page.goto(f"http://127.0.0.1:{server.server_address[1]}/join.html#{fragment}")
        await page.wait_for_selector("html[data-ready=knock]")
        member = await join(page, r, "Sol")
        await r.fac.admit(member)
        await page.get_by_label("Message", exact=True).fill("from the organisation's own page")
        await page.get_by_role("button", name="Send", exact=True).click()
        chat = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.sender == member)
        assert chat.body["text"] == "from the organisation's own page"
    finally:
        await page.context.close()
        await r.fac.stop()
        server.shutdown()
        thread.join()


async def test_garbage_from_the_relay_is_refused_and_changes_nothing_else(chrome, relay) -> None:
    """A relay (or anything between) that sends junk: each frame is refused with one
    plain line, and the member's session goes on as before."""
    routes = []

    async def through(ws) -> None:
        ws.connect_to_server()  # everything passes both ways, as without the route
        routes.append(ws)

    r = await room(relay)
    context = await chrome.new_context()
    page = await context.new_page()
    try:
        await page.route_web_socket(lambda url: True, through)
        await page.goto(r.url)
        await page.wait_for_selector("html[data-ready=knock]")
        member = await seat(page, r)
        junk = [
            "a text frame",
            b"\xc1",  # never valid msgpack
            msgpack.packb({"t": "nonsense"}),
            msgpack.packb({"t": "group", "epoch": 2**60, "ct": b"x", "seq": 1, "from": member}),
            msgpack.packb({"t": "group", "epoch": 1, "ct": b"x" * 64, "seq": 2**53 + 1, "from": member}),
            msgpack.packb({"t": "direct", "from": r.fac.identity.vk, "ct": b"\x00" * 80}),
            msgpack.packb({"t": "closed", "reason": "because"}),
            msgpack.packb([1, 2, 3]),
        ]
        for frame in junk:
            routes[-1].send(frame)
        await page.get_by_role("log").get_by_text("could not be verified").nth(len(junk) - 1).wait_for()
        await page.get_by_label("Message", exact=True).fill("still here")
        await page.get_by_role("button", name="Send", exact=True).click()
        chat = await r.watch.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.sender == member)
        assert chat.body["text"] == "still here"
        await log_shows(page, "You: still here")
    finally:
        await context.close()
        await r.fac.stop()


async def test_after_a_console_restart_the_page_introduces_itself_again(chrome, relay) -> None:
    """Members do nothing when the facilitator's console restarts: once the
    facilitator lets them back in, the page answers the new key with its name."""
    async with member_page(chrome, relay) as (r, page):
        member = await seat(page, r, "Robin")
        await r.fac.stop()  # the console crashed: the relay keeps the room
        again = FacilitatorSession(relay.url, r.fac.identity, room=r.fac.room, name="Alex",
                                   restarted=True, invites=[r.link], **FAST)
        watch = Watcher(again)
        try:
            assert isinstance(await again.start(), ev.Connected)
            returning = await watch.expect(ev.Knock, lambda e: e.member == member)
            assert returning.returning
            await again.admit(member)
            # The page's introduce names it again in the facilitator's roster (the
            # name from the knock it sealed shows from the moment it is let in).
            await watch.expect(ev.RosterChanged, lambda e: any(n == "Robin" for _, n, _ in e.members))
            await watch.expect(ev.DirectMessage, lambda e: e.kind == "introduce" and e.sender == member)
            await again.chat("I'm back, sorry about that")
            await log_shows(page, "I'm back, sorry about that")
        finally:
            await again.stop()


async def test_a_page_whose_name_is_taken_is_told_how_the_group_sees_it(chrome, relay) -> None:
    """Issue 11: in the terminal client's words (client/chatlines.named_as_line),
    once per change of the name the facilitator's roster gives the page."""
    async with member_page(chrome, relay) as (r, page):
        first, _ = await sh.seat(r.fac, r.watch, r.link, "Sam")  # this Sam keeps the name
        kim = None
        try:
            member = await seat(page, r, "Sam", known_as="Sam (2)")
            await log_shows(page, named_as_line("Sam", "Sam (2)"))
            told = page.get_by_role("log").get_by_text("sees you as")
            # A later roster that names the page the same (Kim comes in) says nothing more.
            kim, _ = await sh.seat(r.fac, r.watch, r.link, "Kim")
            await kim.chat("hello Sams")
            await log_shows(page, "hello Sams")
            assert await told.count() == 1
            # A roster that names it otherwise is said again, once each time.
            for name in ("Sam (3)", "Sam"):
                r.fac.seated[member] = name
                await r.fac._send_roster()
                await log_shows(page, named_as_line("Sam", name))
            await kim.chat("still here")
            await log_shows(page, "still here")
            assert await told.count() == 3
        finally:
            for other in (first, kim):
                if other is not None:
                    await other.stop()


async def test_a_message_really_lost_is_still_said_on_the_page(chrome, relay) -> None:
    """The other side of QA2 #14: a group message from the facilitator the page
    was entitled to, lost on the way, is said, where it would have been."""
    from tests.test_gaps_shown import lose_a_group_message

    async with member_page(chrome, relay) as (r, page):
        await seat(page, r)
        await r.fac.notice("First")
        await log_shows(page, "First")
        lose_a_group_message(r.fac)
        await r.fac.notice("After the loss")
        await log_shows(page, "After the loss")
        await log_shows(page, "may be missing.")
