"""The phrase language of the cue lists, compiled to regular expressions.

A phrase is words separated by spaces, matched on whole words in the normalised
text (console/risk/words.py), so "can't", "cant" and "cannot" are one word:

    kill* myself          a word ending in * matches any word that starts with it
    end|ending my life    words joined by | are alternatives for one place
    going_to|will hurt    _ joins words into one alternative
    really? want to die   a place ending in ? may be empty
    i ... want to die     ... lets up to four other words stand there
    @me                   a word list from [words] ("@child" = son|daughter|...)
    took # pills          # is any number
    gonna jump $          $ is the end of a sentence

The words of a phrase are normalised like a message ("wanna" -> "want to"), so a
phrase is written the way people type it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from holdspace.console.risk.words import BREAKS, tokens

WORD = r"[a-z0-9']+"
GAP = r"(?:" + WORD + r" ){0,4}"
END = r"(?= [" + re.escape(BREAKS) + r"]|$)"
NUMBER = r"[0-9]+"


class PhraseError(ValueError):
    """A phrase the console cannot use; the message says why in plain words."""

    def __init__(self, message: str, phrase: str = "") -> None:
        super().__init__(message)
        self.phrase = phrase


# Words so common that a message holding one says nothing about a phrase.
COMMON = frozenset(
    "i to the a an my is am and of in on it me you he she they be not do did will would have had going "
    "want so at for that this with was were are just all no if his her them him been can could get got "
    "like up out what when your our their we us one by as or but from now then there here".split())


@dataclass(frozen=True)
class Phrase:
    text: str  # as written in the list: what the console shows
    regex: str
    literals: frozenset[str]  # the words the phrase names itself (for negation)
    # A message can match only if one of its words is one of these (a word
    # ending in * stands for every word it starts); "#" stands for any number.
    anchors: frozenset[str] = frozenset()


def compile_phrase(text: str, words: dict[str, str]) -> Phrase:
    try:
        return _compiled(text, words)
    except PhraseError as error:
        raise PhraseError(str(error), text) from None


def _compiled(text: str, words: dict[str, str]) -> Phrase:
    places = text.split()
    if not places:
        raise PhraseError("a phrase is empty")
    if places[0] in ("...", "$") or places[-1] == "..." or places[-1].endswith("?"):
        raise PhraseError(f"'{text}' should start and end with a word")
    parts: list[str] = []
    literals: set[str] = set()
    anchors: list[set[str]] = []
    for i, place in enumerate(places):
        if place not in ("...", "$") and not place.endswith("?"):
            anchors.append(_first_words(place, words))
        if place == "...":
            parts.append(GAP)
        elif place == "$":
            if i != len(places) - 1:
                raise PhraseError(f"'{text}': $ (end of sentence) can only come last")
            parts[-1] = parts[-1][:-1] + END + " "
        elif place.endswith("?"):
            parts.append(f"(?:{_place(place[:-1], words, literals, text)} )?")
        else:
            parts.append(_place(place, words, literals, text) + " ")
    rarest = min(anchors, key=lambda a: (bool(a & COMMON), len(a)))
    return Phrase(text, r"(?<![^ ])" + "".join(parts)[:-1] + r"(?![^ ])", frozenset(literals),
                  frozenset(rarest))


def _first_words(place: str, words: dict[str, str]) -> set[str]:
    """The words one place can start with ("kill*" stays "kill*")."""
    first: set[str] = set()
    for option in place.split("|"):
        piece = next((p for p in option.split("_") if p), "")
        if piece.startswith("@") and piece[1:] in words:
            first |= _first_words(words[piece[1:]], words)
        elif piece == "#":
            first.add("#")
        elif spelled := tokens(piece.rstrip("*")):
            wild = piece.endswith("*") and len(spelled) == 1
            first.add(spelled[0] + ("*" if wild else ""))
    return first


def _place(place: str, words: dict[str, str], literals: set[str], text: str) -> str:
    options: list[str] = []
    for option in place.split("|"):
        pieces = [_piece(piece, words, literals, text) for piece in option.split("_") if piece]
        if not pieces:
            raise PhraseError(f"'{text}': '{place}' has an empty word")
        options.append(" ".join(pieces))
    return "(?:" + "|".join(options) + ")"


# A word list is spelled out once, not once per phrase that names it (a few
# hundred phrases name the same dozen lists): (list, its words) -> regex, literals.
_LISTS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}


def _piece(piece: str, words: dict[str, str], literals: set[str], text: str) -> str:
    if piece.startswith("@"):
        name = piece[1:]
        if name not in words:
            raise PhraseError(f"'{text}': there is no word list called {piece}")
        key = (name, words[name])
        if key not in _LISTS:
            found: set[str] = set()
            _LISTS[key] = (_place(words[name], words, found, text), frozenset(found))
        regex, named = _LISTS[key]
        literals.update(named)
        return regex
    if piece == "#":
        return NUMBER
    wild = piece.endswith("*")
    spelled = tokens(piece.rstrip("*"))
    if not spelled:
        raise PhraseError(f"'{text}': '{piece}' is not a word")
    literals.update(spelled)
    return " ".join(re.escape(t) for t in spelled) + (r"[a-z0-9']*" if wild else "")
