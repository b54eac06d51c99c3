"""Issue 10: "some messages from Sam may be missing" where people read, on the
console and in both member clients. A gap is made for real: the sender skips a
counter (as if the relay had dropped that message), the reader's client notices."""

from __future__ import annotations


from holdspace.client import events as ev
from holdspace.client.session import Session
from tests.session_helpers import open_room
from tests.test_member_client import admitted, member_app, shown
from tests.test_member_plain import by, plain_client
from tests.ui_helpers import chat_text, running_console, seat, until


def lose_a_group_message(sender: Session) -> None:
    """The sender's next group message comes after one the reader never gets."""
    assert sender.sealer is not None
    sender.sealer._group.next()


def lose_a_direct_to(sender: Session, to: bytes) -> None:
    assert sender.sealer is not None
    sender.sealer._direct[to][0].next()


async def test_the_console_shows_a_gap_in_the_group_and_in_private(relay, members):
    async with running_console(relay.url) as (app, pilot):
        sam, sw = await seat(pilot, app, members, "Sam")
        await sam.chat("hello")
        lose_a_group_message(sam)
        await sam.chat("still here")
        await until(pilot, lambda: "Some messages from Sam may be missing." in chat_text(app, "group"),
                    "the gap in the group chat")
        await sam.private("first")
        lose_a_direct_to(sam, app.session.identity.vk)
        await sam.private("second")
        await until(pilot, lambda: any("Some messages from Sam may be missing." in str(line)
                                       for line in app.private_logs[sam.identity.vk]),
                    "the gap in Sam's private conversation")


async def test_the_member_app_shows_a_gap_from_the_facilitator(relay):
    fac, fwatch, link = await open_room(relay.url)
    try:
        async with member_app(link) as (app, pilot):
            vk = await admitted(pilot, app, fac, fwatch)
            lose_a_group_message(fac)
            await fac.notice("Ten minutes left.")
            await until(pilot, lambda: "Some messages from Alex may be missing." in shown(app),
                        "the gap")
            assert shown(app).index("may be missing") < shown(app).index("Ten minutes left.")
            assert vk in fac.seated
    finally:
        await fac.stop()


async def test_plain_mode_shows_a_gap_from_the_facilitator(relay, tmp_path):
    fac, fwatch, link = await open_room(relay.url)
    try:
        async with plain_client(link.link, tmp_path) as sam:
            await sam.expect("Do you accept the group agreement?")
            knock = await fwatch.expect(ev.Knock)
            await sam.send("yes")
            await fwatch.expect(ev.DirectMessage, by(knock.member, "agree"))
            await fac.admit(knock.member)
            await sam.expect("The facilitator has let you in.")
            await fac.private(knock.member, "welcome")
            await sam.expect("(private) Facilitator: welcome")
            lose_a_direct_to(fac, knock.member)
            await fac.private(knock.member, "are you there?")
            await sam.expect("* Some messages from Alex may be missing.")
    finally:
        await fac.stop()
