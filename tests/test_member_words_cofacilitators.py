"""A member told whom their words reached: "the facilitators" when they went to
the lead and a connected co-facilitator, "the facilitator" when to one, and
never that anyone was asked while the request is kept (issue 13). The same
words in the full-screen and the plain client (member/commands.py), checked
here with real sessions and with the plain client's own process."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.member import commands
from tests.cofacilitator_helpers import bring_co, kill
from tests.session_helpers import knock, open_room, seat
from tests.test_member_plain import plain_client, room  # noqa: F401 - room is a fixture
from tests.test_safeguarding_member import DETAILS, plain_member
from tests.ui_helpers import wait_for

TOLD_BOTH = "The facilitators have been told, privately, that you are finding this hard."
ASKED_BOTH = "The facilitators have been asked to support you now."


def from_member(kind: str, vk: bytes):
    return lambda e: e.kind == kind and e.sender == vk


async def test_words_sent_to_both_facilitators_say_so_and_to_one_say_one(relay):
    fac, fw, link = await open_room(relay.url)
    sam, sw = await seat(fac, fw, link, "Sam")
    co = None
    try:
        said = (await commands.perform(sam, "/trigger")).say
        assert said.startswith("The facilitator has been told, privately,"), said
        assert (await commands.perform(sam, "/support")).say == "The facilitator has been asked to support you now."

        co, cw = await bring_co(fac, fw, "Jo")
        await sw.expect(ev.CoFacilitators, lambda e: e.count == 1)
        assert len(sam.targets()) == 2  # the relay listed Jo before the roster naming them came
        assert (await commands.perform(sam, "/trigger too loud")).say.startswith(TOLD_BOTH)
        assert (await commands.perform(sam, "/support")).say == ASKED_BOTH
        for watch in (fw, cw):  # it did reach both
            await watch.expect(ev.DirectMessage, from_member("trigger", sam.identity.vk))
            await watch.expect(ev.DirectMessage, from_member("help", sam.identity.vk))

        await co.stop()  # Jo is gone: only the lead is told again
        await wait_for(lambda: len(sam.targets()) == 1, "the relay to list only the lead")
        assert (await commands.perform(sam, "/support")).say == "The facilitator has been asked to support you now."

        await kill(fac)  # nobody: kept, and said so, never "asked"
        await sw.expect(ev.FacilitatorPresence, lambda e: not e.present)
        kept = await commands.perform(sam, "/support")
        assert kept.say == commands.HELP_KEPT and kept.show_resources
        assert (await commands.perform(sam, "/trigger")).say == commands.KEPT
    finally:
        await sam.stop()
        if co is not None:
            await co.stop()
        await fac.stop()


async def test_the_plain_client_says_the_facilitators_when_both_are_there(room, tmp_path):
    fac, fw, link = room
    async with plain_client(link.link, tmp_path) as sam:
        await sam.expect("Do you accept the group agreement?")
        await sam.send("yes")
        knock = await fw.expect(ev.Knock)
        await fw.expect(ev.DirectMessage, from_member("agree", knock.member))
        await fac.admit(knock.member)
        await sam.expect("The facilitator has let you in.")
        co, cw = await bring_co(fac, fw, "Jo")
        try:
            await sam.expect("reaches them both")
            await sam.send("/trigger")
            await cw.expect(ev.DirectMessage, from_member("trigger", knock.member))
            await sam.expect(TOLD_BOTH)
            await sam.send("/support")
            await cw.expect(ev.DirectMessage, from_member("help", knock.member))
            await sam.expect(ASKED_BOTH)
        finally:
            await co.stop()


async def test_private_words_and_consent_say_who_reads_them_with_a_co_facilitator(relay):
    """QA2 #19: "so only they can read it" and "shared with the facilitator only"
    while a co-facilitator read the one and not the other."""
    fac, fw, link = await open_room(relay.url)
    sam, plain = await plain_member(fac, fw, link)
    co, cw = await bring_co(fac, fw, "Jo")
    ana = None
    try:
        await plain.shows("reaches them both")
        await plain.type("/leader a word")
        await cw.expect(ev.DirectMessage, from_member("private", sam.identity.vk))
        await plain.shows("Sent privately to the facilitators.")
        ana, aw = await knock(link, "Ana")  # waiting: the lead's agreement names Jo
        await wait_for(lambda: len(ana.targets()) == 2, "Ana to trust Jo")
        said = await commands.perform(ana, "is this the right group?")
        assert said.say == ("Sent privately to the facilitators (you are in the waiting room, "
                            "so only they can read it).")
        sam.details = dict(DETAILS)
        await fac.send_direct(sam.identity.vk, "consent_request", reason="I'm worried about you.")
        await plain.shows("Do you agree to share")
        await plain.type("y")
        await fw.expect(ev.DirectMessage, from_member("consent_reply", sam.identity.vk))
        await plain.shows("shared with the facilitator who asked you only")
        assert "consent_reply" not in [e.kind for e in cw.drain() if isinstance(e, ev.DirectMessage)]
    finally:
        await plain.close()
        for session in (ana, co):
            if session is not None:
                await session.stop()
        await fac.stop()
