"""Which phrases a message could match, from the words it holds.

Each phrase names the words it must contain in one place (Phrase.anchors); a
message whose words include none of them cannot match, so its regular
expression is never run. Most messages hold no anchor at all: that costs a few
dictionary look-ups per word.
"""

from __future__ import annotations

from collections.abc import Sequence

from holdspace.console.risk.phrases import Phrase


class AnchorIndex:
    def __init__(self, phrases: Sequence[Phrase]) -> None:
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._number: list[int] = []
        for i, phrase in enumerate(phrases):
            for anchor in phrase.anchors:
                if anchor == "#":
                    self._number.append(i)
                elif anchor.endswith("*"):
                    self._prefix.setdefault(anchor[:-1], []).append(i)
                else:
                    self._exact.setdefault(anchor, []).append(i)
        self._lengths = sorted({len(prefix) for prefix in self._prefix})

    def candidates(self, words: Sequence[str]) -> list[int]:
        """The phrases (by index, in list order) that ``words`` could match."""
        found: set[int] = set()
        for word in set(words):
            if hit := self._exact.get(word):
                found.update(hit)
            for end in self._lengths:
                if end > len(word):
                    break
                if hit := self._prefix.get(word[:end]):
                    found.update(hit)
            if word.isdigit():
                found.update(self._number)
        return sorted(found)
