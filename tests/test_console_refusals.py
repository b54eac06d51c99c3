"""What the facilitator reads when the console refuses something a member's
client sent: who, and what was refused, in plain words (issue 10: "any other
rename is refused and reported") - not a bare reason code."""

from __future__ import annotations

from holdspace.client import events as ev
from tests.ui_helpers import running_console, seat, until


async def test_a_refused_rename_names_the_member_and_what_they_tried(relay, members):
    async with running_console(relay.url) as (app, pilot):
        kim, _ = await seat(pilot, app, members, "Kim")
        await kim._send_direct(kim.facilitator_vk, "introduce", name="Alex\x1b[2J",
                               epoch=kim.verifier.keys.epoch)
        await until(pilot, lambda: any("change" in n.message for n in app._notifications), "the toast")
        toast = next(n.message for n in app._notifications if "change" in n.message)
        assert toast.startswith("Kim tried to change their name")
        assert "Alex\ufffd[2J" in toast and "Refused" in toast
        assert "unexpected_rename" not in toast


async def test_a_refused_message_is_described_in_plain_words(relay):
    async with running_console(relay.url) as (app, pilot):
        app.post_message(app.SessionEvent(ev.Rejected("bad_signature", None, "")))
        await until(pilot, lambda: any("signature" in n.message for n in app._notifications), "the toast")
        toast = next(n.message for n in app._notifications if "signature" in n.message)
        assert toast == "Not shown: a message had a signature that did not match its sender."
