"""Special keys in plain mode (QA2 #2): a line-by-line terminal hands F5 over as
the characters ``ESC [ 1 5 ~`` on the line. F5 asks for support, as /help says;
no other escape or control character is ever sent on as chat."""

from __future__ import annotations

import pytest

from holdspace.client import events as ev
from holdspace.member.plain import SPECIAL_KEY
from tests.test_member_plain import by, plain_client, room  # noqa: F401 (a fixture)
from tests.test_display_member import let_in_beside_eve


@pytest.mark.parametrize("f5", ["\x1b[15~", "\x1b[[E", "\x1bOT"])
async def test_f5_in_plain_mode_asks_for_support_and_sends_nothing_to_the_group(room, tmp_path, f5):
    fac, fwatch, link = room
    async with plain_client(link.link, tmp_path) as sam:
        eve = await let_in_beside_eve(sam, room)
        vk = next(vk for vk in fac.seated if vk != eve.identity.vk)
        await sam.send(f5)
        await fwatch.expect(ev.DirectMessage, by(vk, "help"))
        await sam.expect("The facilitator has been asked to support you now.")
        await sam.expect("Call 999.")
        await sam.send("/hand")  # in order: anything sent before it has reached the group
        await fwatch.expect(ev.GroupMessage, by(vk, "hand"))
    assert not [e for e in fwatch.drain() if isinstance(e, ev.GroupMessage) and e.kind == "chat"]


async def test_a_line_with_another_special_key_is_not_sent_and_the_member_is_told(room, tmp_path):
    fac, fwatch, link = room
    async with plain_client(link.link, tmp_path) as sam:
        eve = await let_in_beside_eve(sam, room)
        vk = next(vk for vk in fac.seated if vk != eve.identity.vk)
        await sam.send("hello\x1b[A there")  # an arrow key in the middle
        await sam.expect(SPECIAL_KEY)
        await sam.send("one\x07bell")
        await sam.expect(SPECIAL_KEY)
        await sam.send("fine\tthen\r")  # a tab is not a special key, nor a line's own CR
        chat = await fwatch.expect(ev.GroupMessage, by(vk, "chat"))
    assert chat.body["text"] == "fine\tthen"  # the first chat to arrive: nothing before it went
    assert [e for e in fwatch.drain() if isinstance(e, ev.GroupMessage) and e.kind == "chat"] == [chat]


async def test_plain_help_says_f5_then_enter_and_f5_after_text_is_explained(room, tmp_path):
    """Seen in QA: a line-by-line terminal hands F5 over only with Enter, and F5
    pressed after typing was refused as if function keys never worked."""
    fac, fwatch, link = room
    async with plain_client(link.link, tmp_path) as sam:
        eve = await let_in_beside_eve(sam, room)
        vk = next(vk for vk in fac.seated if vk != eve.identity.vk)
        await sam.send("/help")
        await sam.expect("type /support (or press F5, then Enter)")
        await sam.send("hi there\x1b[15~")
        said = await sam.expect("Not sent")
        assert "F5 asks for support only on an empty line" in said, said
        assert "function keys do not work" not in said, said
        await sam.send("/hand")  # in order: had anything gone before it, it would be here first
        await fwatch.expect(ev.GroupMessage, by(vk, "hand"))
    assert not [e for e in fwatch.drain() if getattr(e, "kind", "") in ("chat", "help")]
