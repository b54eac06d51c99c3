"""QA2 #13: a member whose hand was up, held in the waiting room and let back
in, typed /hand and was told "Your hand is lowered": the console had lowered it,
the client still thought it up."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.member import commands
from tests.session_helpers import finish, open_room, seat


async def test_hand_is_down_after_being_held_and_let_back_in(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    assert (await commands.perform(sam, "/hand")).say.startswith("Your hand is raised")
    await fw.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.body["up"])
    await fac.hold(sam.identity.vk)
    await sw.expect(ev.Held)
    await fac.admit(sam.identity.vk)
    await sw.expect(ev.Admitted)
    said = await commands.perform(sam, "/hand")
    assert said.say.startswith("Your hand is raised")
    up = await fw.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.sender == sam.identity.vk)
    assert up.body["up"] is True
    await finish(fac, sam)
