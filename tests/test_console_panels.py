"""The console's scrolling panels on their own, as drawn (Pilot, no session)."""

from __future__ import annotations

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.widgets import Input

from holdspace.client.display import Line
from holdspace.console.attention_queue import RANK, AttentionItem, Kind
from holdspace.console.widgets.attention import AttentionPanel
from holdspace.console.widgets.chat import ChatLog, ChatPanel
from holdspace.ui.chat_text import Drawn


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


class Needs(App[None]):
    def compose(self) -> ComposeResult:
        yield AttentionPanel()


def hand(n: int) -> AttentionItem:
    return AttentionItem(n, Kind.HAND, bytes([n]) * 32, f"Member {n} raised a hand — waiting 2 min",
                         float(n), RANK[Kind.HAND], False)


def drawn(panel: AttentionPanel) -> list[str]:
    return [panel.render_line(y).text for y in range(panel.scrollable_content_region.height)]


def flat(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


async def test_the_most_urgent_item_stays_in_sight_when_it_arrives_above_a_scrolled_view() -> None:
    app = Needs()
    async with app.run_test(size=(30, 10)) as pilot:  # items wrap over two lines
        panel = app.query_one(AttentionPanel)
        hands = [hand(n) for n in range(1, 9)]
        panel.show(hands)
        panel.focus()
        await pilot.press("end")  # the facilitator is at the last hand
        await pilot.pause()
        assert "Member 8 raised a hand" in flat(drawn(panel))

        help_ = AttentionItem(99, Kind.HELP, bytes(32), "Alex is asking for help now", 100.0,
                              RANK[Kind.HELP], True)
        panel.show([help_, *hands])
        await pilot.pause()
        shown = drawn(panel)
        assert flat(shown).startswith("!!Alex is asking for help now ^ Member"), shown
        # The highlight did not move, and it is still in sight.
        assert panel.current == hands[-1]
        assert "Member 8 raised a hand" in flat(shown), shown

        # A second call for help: both stay in sight, the last line of what is
        # pinned underlined, apart from the lines that scroll.
        again = AttentionItem(100, Kind.HELP, bytes([1]) * 32, "Bo is asking for help now", 101.0,
                              RANK[Kind.HELP], True)
        panel.show([help_, again, *hands])
        await pilot.pause()
        shown = drawn(panel)
        assert flat(shown).startswith("!!Alex is asking for help now !!Bo is asking for help now"), shown
        assert "Member 8 raised a hand" in flat(shown) and panel.current == hands[-1]
        pinned_end = shown.index(next(line for line in shown if line.startswith("now")))
        assert any(seg.style and seg.style.underline for seg in panel.render_line(pinned_end))
        assert not any(seg.style and seg.style.underline for seg in panel.render_line(pinned_end + 1))

        # An urgent item that is not pinned, scrolled away above: the border says so.
        trigger = AttentionItem(101, Kind.TRIGGER, bytes([2]) * 32, "Cy is finding this hard", 102.0,
                                RANK[Kind.TRIGGER], True)
        panel.show([help_, again, trigger, *hands])
        await pilot.pause()
        assert "Cy is finding" not in flat(drawn(panel))
        assert str(panel.border_subtitle) == "1 more urgent above: Home"

        # Once the cursor is near the top, the view is at the top: nothing pinned.
        await pilot.press("home")
        await pilot.pause()
        assert panel.scroll_offset.y == 0 and drawn(panel)[0].startswith("!!Alex")
        assert str(panel.border_subtitle) == ""

        # Going down a little does not scroll what need not scroll.
        await pilot.press("down")
        await pilot.pause()
        assert panel.scroll_offset.y == 0


async def test_a_wide_character_never_cuts_a_word_of_an_item() -> None:
    # Rich wraps a line holding a wide character one cell too long, then cuts it
    # with an ellipsis: "... join — safet…" at some widths.
    text = "Ana 🌻 is waiting to join — safety code 8044 0728 8686 — has accepted the agreement"
    item = AttentionItem(1, Kind.KNOCK, bytes(32), text, 0.0, RANK[Kind.KNOCK], False)
    app = Needs()
    async with app.run_test(size=(40, 12)) as pilot:
        panel = app.query_one(AttentionPanel)
        panel.show([item])
        for width in range(30, 50):
            await pilot.resize_terminal(width, 12)
            await pilot.pause()
            shown = drawn(panel)
            assert "…" not in " ".join(shown) and flat(shown) == "+ " + text, (width, shown)


async def test_a_message_of_several_lines_wraps_each_under_its_own_text() -> None:
    app = OnePanel()
    async with app.run_test(size=(44, 12)) as pilot:
        panel = app.query_one(ChatPanel)
        panel.write(Line.of("Jo: Hi all.\nA second line of mine, indented under the first one."))
        await pilot.pause()
        first, *rest = [line.rstrip() for line in panel.lines()]
        assert first == "  Jo: Hi all."
        assert len(rest) > 1 and all(line.startswith("      ") for line in rest), rest
        assert " ".join(" ".join(rest).split()) == "A second line of mine, indented under the first one."


async def test_a_conversation_shown_again_reads_the_same_and_the_drawn_lines_stay_bounded() -> None:
    app = OnePanel()
    async with app.run_test(size=(44, 12)) as pilot:
        panel = app.query_one(ChatPanel)
        ann = [Line.of(f"Ann: message {i} of a private conversation that wraps") for i in range(6)]
        bob = [Line.of("Bob: hello"), "* Bob stepped out"]
        panel.replace(ann)
        await pilot.pause()
        first = panel.lines()
        panel.replace(bob)
        panel.replace(ann)  # drawn from what was kept
        assert panel.lines() == first
    drawn = Drawn(limit=3)
    for i in range(10):
        drawn.get(f"line {i}", 40, 2, lambda i=i: [Segment(f"line {i}")])
    assert len(drawn._drawn) <= 3


async def test_an_urgent_item_is_drawn_in_its_colours() -> None:
    app = Needs()
    async with app.run_test(size=(60, 10)) as pilot:
        panel = app.query_one(AttentionPanel)
        help_ = AttentionItem(1, Kind.HELP, bytes(32), "Alex is asking for help now", 0.0,
                              RANK[Kind.HELP], True)
        trigger = AttentionItem(2, Kind.TRIGGER, bytes([1]) * 32, "Bo is finding this hard", 1.0,
                                RANK[Kind.TRIGGER], True)
        panel.show([help_, trigger, hand(3)])
        await pilot.pause()
        panel.blur()  # the highlight's own colours aside: these are the items' own
        panel.marked = False
        styles = [next(seg.style for seg in panel.render_line(y) if seg.text.strip()) for y in range(3)]
        assert styles[0].bold and styles[0].color.name == "red"
        assert styles[1].bold and styles[1].color.name == "yellow"
        assert not styles[2].bold
        # Under the highlight, the highlight's colours: red on blue cannot be read.
        panel.marked = True
        await pilot.pause()
        cursor = panel.get_component_rich_style("line-list--cursor")
        first = next(seg.style for seg in panel.render_line(0) if seg.text.strip())
        assert first.color == cursor.color and first.bgcolor == cursor.bgcolor and first.bold


def fragments(panel: AttentionPanel) -> list[str]:
    """Rows that continue an entry whose line before is not drawn just above:
    an item's end on its own, which reads as an item."""
    where = {}
    for index in range(len(panel.items)):
        for k, text in enumerate(panel._lines_of(index)):
            where[text.plain.rstrip()] = (index, k)
    rows = [line.rstrip() for line in drawn(panel)]
    lone = []
    for y, row in enumerate(rows):
        index, k = where.get(row, (None, 0))
        if k and (y == 0 or where.get(rows[y - 1]) != (index, k - 1)):
            lone.append(row)
    return lone


async def test_at_80x24_no_item_is_cut_to_a_fragment_that_reads_as_an_item() -> None:
    """Seen in QA at 80x24: pinned calls for help cut at 3 lines, and lone ends
    of items ("me", "the group agreement") between them and the rest."""
    long = [
        AttentionItem(1, Kind.HELP, bytes([1]) * 32, "Alex is asking for help now — talk about "
                      "hospitals is hard for me", 0.0, RANK[Kind.HELP], True),
        AttentionItem(2, Kind.SUPPORT, bytes([2]) * 32, "Sam asked for support now — ask them to "
                      "read it to you", 1.0, RANK[Kind.SUPPORT], True),
        AttentionItem(3, Kind.KNOCK, bytes([3]) * 32, "Pat is waiting to join — safety code 0373 9143 "
                      "1986 — has accepted the group agreement", 2.0, RANK[Kind.KNOCK], False),
        *[AttentionItem(n, Kind.HAND, bytes([n]) * 32, f"Member {n} raised a hand — waiting {n} min",
                        float(n), RANK[Kind.HAND], False) for n in range(4, 10)],  # each line its own
    ]
    for height in (9, 11):  # the panel's size in the console at 80x24, and a row or two more
        await no_fragments_while_moving(long, (40, height))


async def no_fragments_while_moving(items: list[AttentionItem], size: tuple[int, int]) -> None:
    app = Needs()
    async with app.run_test(size=size) as pilot:
        panel = app.query_one(AttentionPanel)
        panel.show(items)
        panel.focus()
        await pilot.pause()
        assert max(len(panel._lines_of(i)) for i in range(3)) >= 3  # items of several lines
        await pilot.press("end")
        for _ in range(len(items)):
            await pilot.pause()
            shown = drawn(panel)
            assert fragments(panel) == [], (size, shown)
            pinned = panel._pinned()  # what is pinned on top is whole items
            assert not pinned or panel._end(panel._owners[pinned - 1]) == pinned, (size, shown)
            assert any(line.startswith("!!Alex") for line in shown), shown  # pinned, whole
            current = AttentionPanel.line(panel.current).plain
            assert current.split(" — ")[0] in flat(shown), (current, shown)
            await pilot.press("up")
