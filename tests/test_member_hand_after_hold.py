"""QA2 #13: a member whose hand was up, held in the waiting room and let back
in, typed /hand and was told "Your hand is lowered": the console had lowered it,
the client still thought it up. QA3 N4: the same after a console restart."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.member import commands
from tests.session_helpers import finish, open_room, seat
from tests.test_facilitator_presence import kill
from tests.test_member_kept_on_return import restart


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


async def test_a_raised_hand_is_raised_again_on_a_console_that_restarted_while_nobody_was_there(relay):
    """QA3 N4: the restarted console knew nothing of Sam's hand, the client still
    thought it up: let back in, the client raises it again, so both say the same."""
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    await commands.perform(sam, "/hand")
    await fw.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.body["up"])
    await kill(fac)
    await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
    again, w = await restart(fac)
    await w.expect(ev.Knock, lambda e: e.member == sam.identity.vk and e.returning)
    await again.admit(sam.identity.vk)
    up = await w.expect(ev.GroupMessage, lambda e: e.kind == "hand" and e.sender == sam.identity.vk)
    assert up.body["up"] is True and sam.hand_up
    assert (await commands.perform(sam, "/hand")).say.startswith("Your hand is lowered")
    await finish(again, sam)
