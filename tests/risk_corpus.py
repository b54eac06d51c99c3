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


def split(lines: list[Line], held_out: bool) -> list[Line]:
    return [line for line in lines if line.held_out == held_out]
