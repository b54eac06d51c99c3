"""Checks for console pilot tests: what a member was sent so far, that nothing more came, that no dialog is open."""

from __future__ import annotations

from holdspace.client import events as ev
from tests.session_helpers import Watcher


async def received_so_far(app, member, watch: Watcher) -> list[ev.Event]:
    """Everything the console has sent ``member`` so far. The relay delivers in
    order, so a private message sent now arrives after anything sent before:
    this proves a member was *not* sent something, without waiting blindly."""
    await app.session.private(member.identity.vk, "sync")
    await watch.expect(ev.DirectMessage, lambda e: e.kind == "private" and e.body["text"] == "sync")
    return watch.seen


async def nothing_more_arrived(app, member, watch: Watcher, cls: type[ev.Event]) -> None:
    assert not [e for e in await received_so_far(app, member, watch) if isinstance(e, cls)]


def is_main(app) -> bool:
    """No dialog is open: the console's own screen is showing."""
    return len(app.screen_stack) == 1
