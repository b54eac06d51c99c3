"""A list with a cursor, drawn line by line, for panels that change all the time.

Textual's OptionList and DataTable rebuild, re-measure and redraw whole when
their content changes, and in a live session the attention panel and the
people table change several times a second (timers, hands, share of voice):
each redraw took tens of milliseconds while the facilitator's keys waited.
Here each entry is wrapped and drawn once and kept until its own text, its
place, the cursor or the width changes; a changed entry repaints only its
own lines.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from holdspace.ui.sized_by_css import SizedByCss
from holdspace.ui.style_per_frame import StylePerFrame

UNDERLINE = Style(underline=True)


def signature(text: Text) -> tuple:
    """What decides how ``text`` is drawn (Text's own == ignores its style)."""
    return (text.plain, str(text.style), tuple(text.spans), text.no_wrap)


class LineList(ScrollView, SizedByCss, StylePerFrame, can_focus=True):
    """Entries (each a Rich Text, wrapped unless ``no_wrap``) under an optional
    fixed heading line, with a cursor that Up/Down/Page/Home/End and a click move.
    Subclasses call ``set_entries`` and hear of cursor moves in ``cursor_moved``."""

    DEFAULT_CSS = """
    LineList { background: $surface; overflow-x: hidden; }
    LineList:focus { background-tint: $foreground 5%; }
    LineList > .line-list--heading { text-style: bold; background: $panel; color: $foreground; }
    LineList > .line-list--stripe { background: $surface-lighten-1 50%; }
    LineList > .line-list--empty { color: $text-muted; }
    LineList > .line-list--cursor {
        background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    LineList:focus > .line-list--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES = {"line-list--heading", "line-list--stripe", "line-list--empty",
                         "line-list--cursor"}
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]
    STRIPES = False  # alternate rows shaded (a table), or not (a list)
    # The first entries are never out of sight (the attention panel's most
    # urgent items): the view scrolls no further down than the cursor needs, and
    # while it is scrolled down, ``pinned_entries`` are pinned on top (at most
    # half the view; their last line underlined, apart from what scrolls).
    KEEP_TOP = False

    def __init__(self, empty: str = "", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.empty = empty
        self.keys: list[Hashable] = []
        self.texts: list[Text] = []
        self.heading: Text | None = None
        self.cursor_row = 0
        self._marked = True
        self._tops: list[int] = []  # per entry, its first line (below the heading)
        self._owners: list[int] = []  # per line (below the heading), its entry
        # Per entry key: (what it was drawn from, its lines). Wrapping and drawing
        # are the costly part, done again only when that changes.
        self._wrapped: dict[Hashable, tuple[tuple, list[Text]]] = {}
        self._drawn: dict[Hashable, tuple[tuple, list[Strip]]] = {}

    @property
    def marked(self) -> bool:
        """Whether the cursor is drawn: the app draws one, on the list it acts from."""
        return self._marked

    @marked.setter
    def marked(self, value: bool) -> None:
        if value != self._marked:
            self._marked = value
            self.refresh()

    # --- content -----------------------------------------------------------------------
    @property
    def current_key(self) -> Hashable | None:
        return self.keys[self.cursor_row] if self.cursor_row < len(self.keys) else None

    def set_entries(self, keys: Sequence[Hashable], texts: Sequence[Text],
                    heading: Text | None = None) -> None:
        """Show these entries. The cursor stays on the same key while it is
        listed (else it goes to ``row_after_gone``, and ``cursor_moved`` says so)."""
        keys, texts = list(keys), list(texts)
        if keys == self.keys and heading == self.heading and (self._tops or not keys):
            changed = [i for i, (new, old) in enumerate(zip(texts, self.texts))
                       if new is not old and signature(new) != signature(old)]
            self.texts = texts
            if all(len(self._lines_of(i)) == self._height(i) for i in changed):
                for i in changed:
                    self._refresh_entry(i)
                return
            self._lay_out()
            return
        before, row = self.current_key, self.cursor_row
        self.keys, self.texts, self.heading = keys, texts, heading
        live = set(keys)
        for cache in (self._wrapped, self._drawn):
            for key in [k for k in cache if k not in live]:
                del cache[key]
        self.cursor_row = keys.index(before) if before in live else self.row_after_gone(row)
        self._lay_out()
        if self.current_key != before:
            self.cursor_moved()

    def row_after_gone(self, row: int) -> int:
        """Where the cursor goes when the entry at ``row`` is gone: the first
        (the attention panel's most urgent); a subclass may choose otherwise."""
        return 0

    def cursor_moved(self) -> None:
        """The cursor is on another entry (or none): subclasses tell the app."""

    def tell_app(self, message: Message) -> None:
        """Post ``message`` to the app itself. Bubbling up through each container
        costs a turn of the event loop per container, and in a busy session each
        turn waits behind other work: the selection must follow the highlight
        in the same frame."""
        self.app.post_message(message)

    def move_cursor(self, row: int) -> None:
        row = max(0, min(row, len(self.keys) - 1))
        if row == self.cursor_row or not self.keys:
            return
        old, self.cursor_row = self.cursor_row, row
        self._refresh_entry(old)
        self._refresh_entry(row)
        self._scroll_to_cursor()
        self.cursor_moved()

    # --- keys and mouse ----------------------------------------------------------------
    # Up at the top stays on the first entry: the attention panel is ordered by
    # urgency, and wrapping round would jump to the least urgent item.
    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page(self, direction: int) -> None:
        lines = max(1, self._visible_lines() - 1)
        target = self._tops[self.cursor_row] + direction * lines if self._tops else 0
        target = max(0, min(target, len(self._owners) - 1))
        self.move_cursor(self._owners[target] if self._owners else 0)

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self.keys) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = offset.y - self._heading_lines()
        if 0 <= row < self._pinned():
            self.move_cursor(self._owners[row])
            return
        line = int(self.scroll_offset.y) + offset.y - self._heading_lines()
        if 0 <= line < len(self._owners):
            self.move_cursor(self._owners[line])

    def on_focus(self) -> None:
        # Coming back to a list (Tab, Escape) selects what its cursor is on.
        self.refresh()  # the cursor's colours follow focus
        self.cursor_moved()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._lay_out()

    # --- layout ------------------------------------------------------------------------
    def _heading_lines(self) -> int:
        return 1 if self.heading is not None else 0

    def _visible_lines(self) -> int:
        return max(1, self.scrollable_content_region.height - self._heading_lines())

    def out_of_sight_above(self) -> list[int]:
        """The entries scrolled away above the view (and not pinned)."""
        scroll = int(self.scroll_offset.y)
        pinned = self._pinned(scroll)
        return [i for i, top in enumerate(self._tops) if pinned <= top < scroll + pinned]

    def pinned_entries(self) -> int:
        """How many of the first entries stay in sight (with KEEP_TOP)."""
        return 1

    def _pinned(self, scroll: int | None = None) -> int:
        """How many lines of the first entries are drawn on top of the view:
        whole entries only (one cut short left a fragment that read as an
        item), as many as leave room for the highlighted entry below them."""
        scroll = int(self.scroll_offset.y) if scroll is None else scroll
        if not (self.KEEP_TOP and self._tops and scroll > 0):
            return 0
        visible = self._visible_lines()
        cursor = self._height(self.cursor_row) if self.cursor_row < len(self._tops) else 1
        room = max(visible // 2, visible - cursor)
        entries = min(self.pinned_entries(), len(self._tops))
        whole = [self._end(i) for i in range(entries) if self._end(i) <= room]
        return whole[-1] if whole else min(self._end(0), max(1, visible - 1))

    def _end(self, index: int) -> int:
        """The line after entry ``index``."""
        return self._tops[index + 1] if index + 1 < len(self._tops) else len(self._owners)

    def _height(self, index: int) -> int:
        return self._end(index) - self._tops[index]

    def _lines_of(self, index: int) -> list[Text]:
        """Entry ``index`` wrapped to the width (cached)."""
        text, width = self.texts[index], self.scrollable_content_region.width
        key = (signature(text), width)
        cached = self._wrapped.get(self.keys[index])
        if cached is not None and cached[0] == key:
            return cached[1]
        lines = list(text.wrap(self.app.console, max(1, width), overflow="fold"))
        lines = lines or [Text()]
        self._wrapped[self.keys[index]] = (key, lines)
        return lines

    def _lay_out(self) -> None:
        self._tops, self._owners = [], []
        if self.is_mounted:  # wrapping needs the app's console
            for index in range(len(self.keys)):
                self._tops.append(len(self._owners))
                self._owners += [index] * len(self._lines_of(index))
        height = max(len(self._owners), 1) + self._heading_lines()
        if self.KEEP_TOP and height > self.scrollable_content_region.height:
            # When it scrolls, room to scroll to the top of any entry.
            height += max(self._height(i) for i in range(len(self._tops))) - 1
        self.virtual_size = Size(self.scrollable_content_region.width, height)
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        if not self._tops or self.cursor_row >= len(self._tops):
            return
        top, height = self._tops[self.cursor_row], self._height(self.cursor_row)
        scroll, visible = int(self.scroll_offset.y), self._visible_lines()
        if self.KEEP_TOP:
            # As near the top as the cursor allows, its entry not under the pinned one.
            target = max(0, top + height - visible)
            pinned = self.cursor_row < self.pinned_entries()
            target = 0 if pinned else min(target, max(0, top - self._pinned(target)))
            target = self._entry_first(target)
            if target != scroll:
                self.scroll_to(y=target, animate=False)
            return
        if top < scroll:
            self.scroll_to(y=top, animate=False)
        elif top + height > scroll + visible:
            self.scroll_to(y=max(0, top + height - visible), animate=False)

    def _entry_first(self, scroll: int) -> int:
        """``scroll``, or a little further, so that the first line under what is
        pinned starts an entry: the end of one above never shows on its own."""
        first = scroll + self._pinned(scroll)
        if scroll <= 0 or first >= len(self._owners):
            return scroll
        entry = self._owners[first]
        return scroll if self._tops[entry] == first else scroll + self._end(entry) - first

    def _refresh_entry(self, index: int) -> None:
        if index >= len(self._tops):
            return
        y = self._tops[index] - int(self.scroll_offset.y) + self._heading_lines()
        width = self.scrollable_content_region.width
        self.refresh(Region(0, y, width, self._height(index)))
        if index < self.pinned_entries() and self._pinned():
            self.refresh(Region(0, self._heading_lines(), width, self._pinned()))

    # --- drawing -----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self.heading is not None and y == 0:
            return self._strip(self.heading, self.get_component_rich_style("line-list--heading"), width)
        line = int(self.scroll_offset.y) + y - self._heading_lines()
        if not self.keys and line == 0 and self.empty:
            return self._strip(Text(self.empty), self.get_component_rich_style("line-list--empty"),
                               width)
        if not 0 <= line < len(self._owners):
            return Strip.blank(width, self.rich_style)
        row, pinned = y - self._heading_lines(), self._pinned()
        if row < pinned:  # the first entries' lines, in order
            strip = self._entry_strips(self._owners[row], width)[row - self._tops[self._owners[row]]]
            return strip.apply_style(UNDERLINE) if row == pinned - 1 else strip
        index = self._owners[line]
        if pinned and self._tops[index] < int(self.scroll_offset.y) + pinned:
            return Strip.blank(width, self.rich_style)  # the end of an entry scrolled away (a wheel)
        strips = self._entry_strips(index, width)
        offset = line - self._tops[index]
        return strips[offset] if offset < len(strips) else Strip.blank(width, self.rich_style)

    def _entry_strips(self, index: int, width: int) -> list[Strip]:
        """Entry ``index`` drawn, a strip a line (cached)."""
        cursor = index == self.cursor_row and self.marked
        stripe = self.STRIPES and index % 2 == 1
        key = (signature(self.texts[index]), width, cursor, stripe, self.has_focus)
        drawn = self._drawn.get(self.keys[index])
        if drawn is None or drawn[0] != key:
            if cursor:
                style = self.get_component_rich_style("line-list--cursor")
            elif stripe:
                style = self.get_component_rich_style("line-list--stripe")
            else:
                style = self.rich_style
            strips = [self._strip(text, style, width, on_top=cursor) for text in self._lines_of(index)]
            drawn = self._drawn[self.keys[index]] = (key, strips)
        return drawn[1]

    def _strip(self, text: Text, style: Style, width: int, on_top: bool = False) -> Strip:
        """``text`` drawn over ``style`` (or, ``on_top``: under it, so that the
        cursor's colours stay readable over an alert's red)."""
        # Text.render leaves out the text's own style when it has no spans
        # (Rich adds it in __rich_console__): an alert's red went missing.
        own = self.app.console.get_style(text.style) if text.style else Style.null()
        segments = []
        for part, part_style, _ in text.render(self.app.console, end=""):
            inner = own + part_style if part_style else own
            segments.append(Segment(part, inner + style if on_top else style + inner))
        return Strip(segments).adjust_cell_length(width, style)
