"""Member-supplied text (names, messages, notes) is shown as plain text: a name
that looks like markup must neither crash the console nor restyle it."""

from __future__ import annotations

from holdspace.client import events as ev
from holdspace.client.identity import Identity
from holdspace.console.app import FacilitatorApp
from holdspace.console.config import ConsoleConfig
from holdspace.console.launch import make_session
from tests.session_helpers import knock

HOSTILE = ["[/]", "[bold red]Eve", "[link=http://x]Mal[/link]"]


async def _until(pilot, condition, tries: int = 100) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met")


async def test_names_and_messages_that_look_like_markup_are_shown_literally(relay):
    config = ConsoleConfig()

    async def connect():
        return make_session(relay.url, Identity.generate(), config), relay.url

    app = FacilitatorApp(config, connect)
    async with app.run_test(size=(150, 40)) as pilot:
        await _until(pilot, lambda: app.invite is not None)
        members = []
        for name in HOSTILE:
            member, watch = await knock(app.invite, name)
            await member.agree()
            members.append((member, watch))
        await _until(pilot, lambda: sum(p.agreed for p in app.model.participants.values()) == 3)
        for member, watch in members:
            await app.admit(member.identity.vk)
            await watch.expect(ev.Admitted)
        await members[0][0].chat("[/] closing tag")
        await members[1][0].trigger("[blink]note")
        await _until(pilot, lambda: any("closing tag" in line for line in app.query_one("#group").lines()))
        await pilot.pause(0.2)  # let the periodic redraw run with these names
        table = app.query_one("#people")
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert sorted(names) == sorted(HOSTILE)
        assert any("[/] closing tag" in line for line in app.query_one("#group").lines())
        assert any("[blink]note" in item.summary for item in app.model.attention(app.clock()))
        app.notify("[/] must not crash")  # notifications carry names too
        await pilot.pause(0.1)
        assert app.is_running
