"""The risk-cue corpus (tests/data/risk_cues/) and its fixed split.

A line is held out when the first byte of its BLAKE2b hash is below 86 (about
one line in three). The split depends only on the text, so it never changes when
lines are added, and the rules are tuned on the other part only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).parent / "data" / "risk_cues"
CATEGORY = {"self": "risk_to_self", "others": "risk_to_others", "child": "child_at_risk",
            "medical": "medical_emergency", "abuse": "domestic_abuse"}
EVERYDAY, PAST = "everyday", "past"
# A line may rightly raise a second, related category: an overdose is a risk to
# the member and a medical emergency; a child hurt at home is often domestic abuse
# too; a parent afraid of hurting their child is a risk to others and to the child.
ALSO = {"risk_to_self": {"medical_emergency"}, "medical_emergency": {"risk_to_self"},
        "child_at_risk": {"domestic_abuse", "risk_to_others"},
        "domestic_abuse": {"child_at_risk", "risk_to_others"},
        "risk_to_others": {"child_at_risk", "domestic_abuse"}}


@dataclass(frozen=True)
class Line:
    text: str
    label: str  # a category, EVERYDAY or PAST

    @property
    def held_out(self) -> bool:
        return hashlib.blake2b(self.text.encode()).digest()[0] < 86


def load() -> list[Line]:
    lines = []
    for label in [*CATEGORY, EVERYDAY, PAST]:
        for raw in (FOLDER / f"{label}.txt").read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#"):
                lines.append(Line(raw.strip(), CATEGORY.get(label, label)))
    return lines


def load_later() -> list[Line]:
    """later.txt: lines written after the first rules (label|text), used to widen them."""
    lines = []
    for raw in (FOLDER / "later.txt").read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            label, text = raw.split("|", 1)
            lines.append(Line(text.strip(), label))
    return lines


def split(lines: list[Line], held_out: bool) -> list[Line]:
    return [line for line in lines if line.held_out == held_out]


@dataclass
class Score:
    """Per (line, category) pair: a cue is right if the line's label, or a category
    ALSO allows for it; recall counts lines whose own category was raised."""

    right: dict[str, int]
    wrong: dict[str, int]
    found: dict[str, int]
    lines: dict[str, int]
    past_rang: int = 0
    past_lines: int = 0

    def precision(self, category: str | None = None) -> float:
        keys = [category] if category else list(self.right)
        right = sum(self.right[k] for k in keys)
        return right / (right + sum(self.wrong[k] for k in keys) or 1)

    def recall(self, category: str | None = None) -> float:
        keys = [category] if category else list(self.lines)
        return sum(self.found[k] for k in keys) / (sum(self.lines[k] for k in keys) or 1)


def score(scan, lines: list[Line], misses: list | None = None) -> Score:
    cats = list(CATEGORY.values())
    result = Score({c: 0 for c in cats}, {c: 0 for c in cats}, {c: 0 for c in cats},
                   {c: 0 for c in cats})
    for line in lines:
        raised = {cue.category for cue in scan(line.text)}
        if line.label == PAST:
            result.past_lines += 1
            result.past_rang += bool(raised)
            continue
        for category in raised:
            ok = category == line.label or category in ALSO.get(line.label, ())
            bucket = result.right if ok else result.wrong
            bucket[category] = bucket.get(category, 0) + 1
            if not ok and misses is not None:
                misses.append(("false alarm " + category, line))
        if line.label in result.lines:
            result.lines[line.label] += 1
            result.found[line.label] += line.label in raised
            if line.label not in raised and misses is not None:
                misses.append(("missed", line))
    return result
