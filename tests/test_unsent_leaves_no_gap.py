"""A message that could not be sent (the connection was down, and the member
was told so) must not leave a hole in the sender's counter: the next message
would make every receiver say "some messages from Rae may be missing" about a
message that was never sent. Gap warnings must stay true, or people learn to
ignore them (the threat model relies on them)."""

from __future__ import annotations

import pytest

from holdspace.client import events as ev
from holdspace.client.session import SessionError
from tests.session_helpers import open_room, seat


async def test_what_was_not_sent_while_disconnected_is_not_reported_missing(relay):
    fac, fw, link = await open_room(relay.url)
    # A slow retry keeps the member disconnected long enough to try sending.
    rae, rw = await seat(fac, fw, link, "Rae", backoff=(3.0, 3.0))
    other, ow = await seat(fac, fw, link, "Kim")
    try:
        await rae.chat("before")
        await ow.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "before")
        assert rae._ws is not None
        rae._ws.transport.abort()  # the line drops (a clean close would mean leaving)
        await rw.expect(ev.ConnectionLost)
        with pytest.raises(SessionError):
            await rae.chat("lost in the gap")
        assert await rae.private("kept for later") == 0  # kept, sealed only when sent
        await rw.expect(ev.Connected, lambda e: e.role == "member", timeout=10)
        await rae.chat("after")
        await rae.private("after, privately")
        await ow.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "after")
        said: set[str] = set()
        await fw.expect(ev.DirectMessage, lambda e: e.kind == "private" and (
            said.add(e.body["text"]) or said >= {"kept for later", "after, privately"}))
        assert [g for g in ow.of(ev.Gap) if g.sender == rae.identity.vk] == []
        assert [g for g in fw.of(ev.Gap) if g.sender == rae.identity.vk] == []
    finally:
        await fac.close_room()
        await rae.stop()
        await other.stop()
