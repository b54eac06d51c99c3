"""QA2 #3, the member's side: what a waiting member kept while no facilitator was
connected reaches a returning console at once, not only after being let in; and
chat typed after a console restart, before the member is let back in, is
refused in plain words instead of going, unread, under a key nobody holds."""

from __future__ import annotations

from typing import Any

from holdspace.client import events as ev
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import UNCONFIRMED
from holdspace.member import commands
from tests.cofacilitator_helpers import bring_co, vk_of
from tests.session_helpers import FAST, Watcher, finish, knock, open_room, seat
from tests.test_facilitator_presence import kill


async def restart(fac: FacilitatorSession) -> tuple[FacilitatorSession, Watcher]:
    again = FacilitatorSession(fac.relay_url, fac.identity, room=fac.room, name="Alex",
                               restarted=True, **FAST)
    watch = Watcher(again)
    assert isinstance(await again.start(), ev.Connected)
    return again, watch


async def chat_refused_once_back(fac: FacilitatorSession, sam: Any,
                                 sw: Watcher) -> tuple[FacilitatorSession, Watcher]:
    """Nobody is connected; the lead's console restarts; Sam's chat is refused
    plainly (nobody could read it before Sam is let back in)."""
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    again, w = await restart(fac)
    await sw.expect(ev.FacilitatorPresence, lambda e: e.present)
    said = await commands.perform(sam, "can anyone read this?")
    assert said.say == UNCONFIRMED
    return again, w


async def test_a_waiting_members_request_for_support_reaches_a_returning_console_before_admission(relay):
    fac, fw, link = await open_room(relay.url)
    ana, aw = await knock(link, "Ana")
    await ana.agree()
    await fw.expect(ev.DirectMessage, lambda e: e.kind == "agree")
    await kill(fac)
    await aw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    said = await commands.perform(ana, "/support")
    assert said.say == commands.HELP_KEPT
    await commands.perform(ana, "is anyone there?")  # waiting-room words go privately: kept too
    again, w = await restart(fac)
    asked = await w.expect(ev.DirectMessage, lambda e: e.kind == "help")
    assert asked.sender == ana.identity.vk and ana.identity.vk in again.waiting  # not let in yet
    words = await w.expect(ev.DirectMessage, lambda e: e.kind == "private")
    assert words.body["text"] == "is anyone there?" and ana.kept == []
    await finish(again, ana)


async def test_chat_after_a_console_restart_is_refused_plainly_until_the_member_is_let_back_in(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await sam.chat("hello")  # waits for its key's proof: the key is proven current
    await fw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert sam.freshness.current(sam.clock())
    await kill(fac)
    again, w = await chat_refused_once_back(fac, sam, sw)
    await again.admit(sam.identity.vk)
    await sw.expect(ev.KeyChanged)
    assert (await commands.perform(sam, "and now?")).say == ""
    chat = await w.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert chat.body["text"] == "and now?"
    await finish(again, sam)


async def test_after_the_same_console_reconnects_chat_goes_at_once(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await sam.chat("hello")
    await fw.expect(ev.GroupMessage, lambda e: e.kind == "chat")
    assert fac._ws is not None
    fac._ws.transport.abort()  # a dropped connection: the console reconnects by itself
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    await sw.expect(ev.FacilitatorPresence, lambda e: e.present)
    assert (await commands.perform(sam, "still here")).say == ""
    chat = await fw.expect(ev.GroupMessage, lambda e: e.kind == "chat" and e.body["text"] == "still here")
    assert chat.sender == sam.identity.vk
    await finish(fac, sam)


async def test_chat_is_refused_plainly_when_the_lead_restarts_after_its_co_facilitator_kept_the_room(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co, cw = await bring_co(fac, fw)
    await kill(fac)
    await sw.expect(ev.KeyChanged, lambda e: sam.key_from == vk_of(co))  # Bo keeps the room
    await sam.chat("while Alex was away")  # proven by Bo
    await kill(co)
    again, w = await chat_refused_once_back(fac, sam, sw)
    assert not [e for e in sw.drain() if isinstance(e, (ev.RelayError, ev.Rejected))]
    await finish(again, sam)


async def test_a_seated_members_request_for_support_reaches_a_restarted_console_before_admission(relay):
    """Sam was told the request is kept until a facilitator is back: a restarted
    console has it at once (it takes a returning member's help before letting
    them in); the trigger kept with it waits for Sam's new key, then goes."""
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await kill(fac)
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    await commands.perform(sam, "/trigger")
    assert (await commands.perform(sam, "/support")).say == commands.HELP_KEPT
    again, w = await restart(fac)
    asked = await w.expect(ev.DirectMessage, lambda e: e.kind == "help")
    assert asked.sender == sam.identity.vk and sam.identity.vk in again.waiting  # not let in yet
    assert [kind for kind, _ in sam.kept] == ["trigger"]
    await again.admit(sam.identity.vk)
    await w.expect(ev.DirectMessage, lambda e: e.kind == "trigger" and e.sender == sam.identity.vk)
    await finish(again, sam)
