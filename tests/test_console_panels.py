"""The console's scrolling panels on their own, as drawn (Pilot, no session)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from holdspace.console.widgets.chat import ChatLog, ChatPanel


class OnePanel(App[None]):
    def compose(self) -> ComposeResult:
        yield ChatPanel("Group chat", "Message to the group", id="group")


async def test_a_long_chat_scrolls_to_its_newest_line_and_keeps_the_typing_line() -> None:
    app = OnePanel()
    async with app.run_test(size=(60, 12)) as pilot:
        panel = app.query_one(ChatPanel)
        for i in range(40):
            panel.write(f"line {i}")
        panel.lines()  # what is pending is shown now
        await pilot.pause()
        log = app.query_one(ChatLog)
        # Lines are added without laying the screen out again, yet the scroll
        # bar follows and the newest line is in view.
        assert log.show_vertical_scrollbar
        assert log.scroll_offset.y == log.max_scroll_y > 0
        assert log.render_line(log.scrollable_content_region.height - 1).text.startswith("line 39")
        # The line to type into stays inside the panel, under the log.
        typing, box = app.query_one(Input).region, panel.region
        assert typing.height == 1 and typing.bottom <= box.bottom - 1
        assert log.region.bottom <= typing.y
