"""The member client says one plain sentence for each thing that can go wrong,
and /help shows what one can do without calling anyone (issue 11, item 7)."""

from __future__ import annotations

import asyncio
import os
import sys

from holdspace.client import events as ev
from tests.session_helpers import TIMEOUT, open_room
from tests.test_member_plain import REPO, plain_client


async def test_help_lists_what_one_can_do_and_support_is_one_plain_step(relay, tmp_path):
    fac, fwatch, link = await open_room(relay.url)
    try:
        async with plain_client(link.link, tmp_path) as sam:
            await sam.expect("Type yes to join")
            await sam.send("yes")
            knock = await fwatch.expect(ev.Knock)
            await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
            await sam.send("hello, is it starting?")  # from the waiting room
            said = await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "private")
            assert said.body["text"] == "hello, is it starting?"
            await sam.expect("Sent privately to the facilitator (you are in the waiting room")
            await fac.admit(knock.member)
            await sam.expect("has let you in")
            await sam.send("/help")
            await sam.expect("To ask the facilitator for support now, type /support")
            await sam.send("x" * 70_000)  # a long paste
            await sam.expect("That is too long to send (70,000 characters; at most 8,000).")
            await sam.send("/support")
            await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "help")
            await sam.expect("The facilitator has been asked to support you now.")
        kinds = [e.kind for e in fwatch.seen if isinstance(e, ev.DirectMessage | ev.GroupMessage)
                 and e.sender == knock.member]
        assert kinds.count("help") == 1 and "chat" not in kinds  # /help called no one; nothing long sent
    finally:
        await fac.stop()


async def test_plain_mode_with_no_terminal_and_no_input_ends_plainly(relay):
    fac, _, link = await open_room(relay.url)
    try:
        with open(os.devnull) as nothing:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "holdspace.cli", "join", link.link, "--plain", "--name", "Sam",
                cwd=REPO, stdin=nothing, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            async with asyncio.timeout(TIMEOUT):
                out, err = await proc.communicate()
        assert b"Traceback" not in err and b"Traceback" not in out, err.decode()
        assert proc.returncode == 0
    finally:
        await fac.stop()
