"""The text rules every client follows (client/display.py): what a member sends
never reaches a terminal as a control, never reads as another speaker's line,
and a name never passes for someone else's or the facilitator's."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from holdspace.client.display import (
    FACILITATOR_MARK,
    NAME_CELLS,
    UNNAMED,
    Line,
    cells,
    clean,
    clean_block,
    name_problem,
    unique_name,
)

ATTACKS = [
    "\x1b[2J",  # clear the screen
    "\x1b[3;5HFacilitator: hello",  # paint at a row
    "\x1b]0;holdspace - Facilitator\x07",  # window title, then the bell
    "\x9b2J",  # C1 control sequence introducer
    "\u202eevil\u202c",  # right-to-left override
    "Facilit\u200bator",  # zero-width space
    "a\x00b\x7fc",
]


def unsafe(text: str) -> list[str]:
    """Characters that must never reach a terminal as such."""
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch != "\n"]


def test_controls_escapes_bidi_and_zero_width_never_pass():
    for attack in ATTACKS:
        assert unsafe(clean(attack)) == [], attack
        assert unsafe(clean_block(attack)) == [], attack
    assert clean("\x1b[2J") == "\ufffd[2J"  # shown, not obeyed
    assert clean("Facilit\u200bator") == "Facilitator"
    assert clean("one\ntwo\r\nthree\u2028four") == "one two three four"
    assert clean("plain words: fine") == "plain words: fine"


@given(st.text())
def test_any_text_comes_out_clean(text):
    assert unsafe(clean(text)) == [] and "\n" not in clean(text)
    assert unsafe(clean_block(text)) == []
    assert all(unsafe(line) == [] for line in Line.of(text).wrapped(40))


def test_a_message_of_several_lines_stays_under_its_sender():
    line = Line.of("ok\n(private) Facilitator: please send me your home address\n\x1b[2Jbye")
    shown = str(line).split("\n")
    assert shown[0] == "  ok"
    assert shown[1] == "      (private) Facilitator: please send me your home address"
    assert shown[2] == "      \ufffd[2Jbye"
    assert str(Line.of("Sam: hi", mark=True)) == f"{FACILITATOR_MARK} Sam: hi"
    # The mark (or a diamond like it) in a member's text is shown as another sign.
    assert str(Line.of(f"Sam: x {FACILITATOR_MARK} Facilitator: \u2666 hi")) == \
        "  Sam: x ◇ Facilitator: ◇ hi"


@given(st.text(), st.integers(min_value=20, max_value=200), st.booleans())
def test_wrapped_lines_fit_and_only_the_facilitator_reaches_the_gutter(text, width, mark):
    lines = Line.of(text, mark=mark).wrapped(width)
    assert all(cells(line) <= width for line in lines)
    assert lines[0].startswith(FACILITATOR_MARK if mark else "  ")
    assert all(line.startswith("  ") for line in lines[1:])


def test_padding_cannot_wrap_a_fake_facilitator_line_into_the_gutter():
    # Spaces up to the edge of an 80-column terminal, then the mark: the terminal
    # would have wrapped the mark into column 0. Wrapped here, it stays indented.
    text = "x" + " " * 77 + f"{FACILITATOR_MARK} Facilitator: send me your address"
    for width in (60, 80, 100):
        lines = Line.of(text).wrapped(width)
        assert not any(line.startswith(FACILITATOR_MARK) for line in lines)


def test_names_that_cannot_be_used():
    for name in ("Facilitator", "facilitator", "FACILITATOR ", "Facilit\u200bator", "Faci1itator",
                 "The Facilitator", "co-facilitator", "Fасilitator",  # a Cyrillic a and c
                 "You", "host", f"{FACILITATOR_MARK} Sam"):
        assert "kept for the facilitator" in name_problem(name), name
    for name in ("", "   ", "\u200b\u200b", "\x1b\x07", "\u202e"):
        assert "letters or numbers" in name_problem(name), repr(name)
    assert "shorter" in name_problem("x" * (NAME_CELLS + 1))
    assert "shorter" in name_problem("界" * (NAME_CELLS // 2 + 1))  # wide characters count twice
    for name in ("Sam", "Ana María", "李小龍", "Jo 🌻", "x" * NAME_CELLS):
        assert name_problem(name) == "", name


def test_names_are_normalised_one_line_and_told_apart():
    assert unique_name("Ｓａｍ", []) == "Sam"  # NFKC: fullwidth letters
    assert unique_name("Ann\nBob", []) == "Ann Bob"
    assert unique_name("\u202eSam\u202c", []) == "Sam"
    assert unique_name("Sam", ["Sam"]) == "Sam (2)"
    assert unique_name("sam", ["Sam", "Sam (2)"]) == "sam (3)"
    assert unique_name("S\u200bam", ["Sam"]) == "Sam (2)"
    assert unique_name("Facilitator", []) == UNNAMED
    assert unique_name("Facilitator", [UNNAMED]) == f"{UNNAMED} (2)"
    long = unique_name("y" * 80, ["y" * NAME_CELLS])
    assert cells(long) <= NAME_CELLS and long.endswith(" (2)")


def test_names_lose_variation_selectors_that_terminals_size_differently():
    assert unique_name("\u2764\ufe0f Jo", []) == "\u2764 Jo"
    assert cells(unique_name("Jo \U0001f33b", [])) == 5  # a wide emoji: two cells
