"""Text from the network, made safe to show: the rules every client follows.

Anything a member (or a relay) sends is untrusted. Before it reaches a
terminal, a screen or an export:

- control characters (C0, C1, ESC, BEL, DEL) never pass as such: each shows as
  U+FFFD; bidi overrides, zero-width and other format characters are dropped;
- a message of several lines stays one message: its continuation lines are
  indented under its first, so no line of it can read as another speaker's;
- names are NFKC-normalised, one line, with visible characters, at most
  ``NAME_CELLS`` terminal cells, unique in the room, and can never read as the
  facilitator's. The facilitator's lines carry ``FACILITATOR_MARK`` in a
  gutter that nothing a member sends can reach.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

NAME_CELLS = 64
FACILITATOR_MARK = "◆"
GUTTER = 2  # cells before every chat line: the mark, or blanks
CONTINUATION = "    "  # further lines of one message, under its first
REPLACEMENT = "\ufffd"
UNNAMED = "Unnamed member"

# Words a member's name may not be (or, for "facilitator", contain): the
# facilitator is named by the mark and these, never by a member.
RESERVED = frozenset({"you", "host", "leader", "moderator", "admin", "holdspace", "facilitator",
                      "cofacilitator", "thefacilitator", "system"})
# Variation selectors: terminals and Rich disagree on the width they give ("❤️"),
# which pushes a table's borders out of line.
_NO_VARIATION = dict.fromkeys(range(0xFE00, 0xFE10))
# The mark and the diamonds that could pass for it, in anyone else's text.
_NOT_THE_MARK = str.maketrans(dict.fromkeys("◆♦⬥⬧◈❖⯁⟐", "◇"))
# Letters that look like Latin ones, folded before comparing names.
_LOOKALIKE = str.maketrans({
    "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "|": "l", "!": "i",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ӏ": "l", "α": "a", "ο": "o", "ι": "i", "ν": "v", "τ": "t", "κ": "k",
    "ɑ": "a", "ı": "i",
})


def _safe_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if ch == "\t":
        return " "
    if category in ("Cc", "Cs"):
        return REPLACEMENT
    if category == "Cf":
        return ""  # bidi overrides and isolates, zero-width characters, BOM...
    if category in ("Zl", "Zp"):
        return " "
    return ch


def clean(text: str) -> str:
    """One line: no control or format characters, no line breaks."""
    if text.isprintable():
        # The common case, quickly: every character _safe_char changes (control,
        # format, surrogate, line and paragraph separators, tab) is unprintable.
        return text
    return "".join(_safe_char(ch) for ch in " ".join(text.splitlines()))


def clean_lines(text: str) -> list[str]:
    """Each line of ``text`` made safe; at least one line."""
    return [clean(line) for line in text.splitlines()] or [""]


def clean_block(text: str) -> str:
    """Several lines made safe, kept as lines (an agreement, crisis resources)."""
    return "\n".join(clean_lines(text))


def cells(text: str) -> int:
    """Terminal cells a clean line takes."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` cells."""
    out, width = [], 0
    for ch in text:
        w = cells(ch)
        if width + w > limit:
            break
        out.append(ch)
        width += w
    return "".join(out)


# --- names ---------------------------------------------------------------------------


def skeleton(name: str) -> str:
    """What a name reads as, to compare names: case, spaces, marks and lookalikes gone."""
    folded = unicodedata.normalize("NFKD", name.casefold()).translate(_LOOKALIKE)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def normal_name(raw: str) -> str:
    """NFKC, one line, single spaces, at most NAME_CELLS cells."""
    text = clean(unicodedata.normalize("NFKC", raw)).replace(REPLACEMENT, "").translate(_NO_VARIATION)
    return fit(" ".join(text.split()), NAME_CELLS).strip()


def name_problem(raw: str) -> str:
    """Why a member cannot use this name, in one plain sentence ("" if they can)."""
    name = normal_name(raw)
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in name):
        return "Please choose a name with some letters or numbers in it."
    if cells(" ".join(clean(unicodedata.normalize("NFKC", raw)).split())) > NAME_CELLS:
        return f"Please choose a shorter name (at most {NAME_CELLS} characters)."
    shape = skeleton(name)
    if shape in RESERVED or "facilitator" in shape or FACILITATOR_MARK in name:
        return "That name is kept for the facilitator; please choose another."
    return ""


def unique_name(raw: str, others: Iterable[str]) -> str:
    """The name to show for a member: theirs made normal, or UNNAMED if it cannot
    be used, and told apart ("Sam (2)") from the names already in the room."""
    name = normal_name(raw)
    if name_problem(name):
        name = UNNAMED
    taken = {skeleton(other) for other in others}
    if skeleton(name) not in taken:
        return name
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = fit(name, NAME_CELLS - len(suffix)).rstrip() + suffix
        if skeleton(candidate) not in taken:
            return candidate
        n += 1


# --- chat lines ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One message as shown: its first line, then continuation lines, all clean.
    ``mark`` is True only for what the facilitator said."""

    lines: tuple[str, ...]
    mark: bool = False

    @classmethod
    def of(cls, text: str, *, mark: bool = False) -> Line:
        if not mark:
            text = text.translate(_NOT_THE_MARK)  # only the facilitator's lines show it
        return cls(tuple(clean_lines(text)), mark)

    @property
    def gutter(self) -> str:
        return (FACILITATOR_MARK if self.mark else "").ljust(GUTTER)

    @property
    def body(self) -> str:
        """The message without its gutter, continuation lines indented."""
        first, *rest = self.lines
        return "\n".join([first, *(CONTINUATION + line for line in rest)])

    def __str__(self) -> str:
        return "\n".join(f"{self.gutter if i == 0 else ' ' * GUTTER}{line}"
                         for i, line in enumerate(self.body.split("\n")))

    def wrapped(self, width: int) -> list[str]:
        """Terminal lines of at most ``width`` cells, each after the gutter; a
        long line wraps under its own text, never into the gutter."""
        room = max(width - GUTTER, 10)
        out: list[str] = []
        for i, line in enumerate(self.body.split("\n")):
            indent = " " * (len(line) - len(line.lstrip(" "))) if i else ""
            for piece in _wrap(line, room, indent):
                out.append((self.gutter if not out else " " * GUTTER) + piece)
        return out


def wrap_words(line: str, width: int) -> list[str]:
    """A clean line cut at spaces into pieces of at most ``width`` cells (a word
    longer than that is cut)."""
    return _wrap(line, max(width, 10), "")


def _wrap(line: str, room: int, indent: str) -> list[str]:
    pieces: list[str] = []
    while cells(line) > room:
        head = fit(line, room)
        cut = head.rfind(" ")
        if cut > len(indent):
            head = head[:cut]
        elif len(head) <= len(indent):
            head = line[:len(indent) + 1]  # always move on, even by one wide character
        pieces.append(head)
        line = indent + line[len(head):].lstrip(" ")
    return [*pieces, line]
