"""Safeguarding on the facilitator's machine: risk cues, policy steps, records.

Nothing here touches the network or the screen. Risk cues are spotted in
messages the console has already decrypted and never leave it. Records are kept
in memory; they reach a file only when the facilitator exports them.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

CATEGORIES = {
    "risk_to_self": "risk to self",
    "risk_to_others": "risk to others",
    "child_at_risk": "child at risk",
    "medical_emergency": "medical emergency",
}
SEVERITIES = ("high", "medium")


@dataclass(frozen=True)
class Cue:
    category: str
    severity: str
    term: str


class RiskScanner:
    """Matches a transparent lexicon on word boundaries, case-insensitively."""

    def __init__(self, lexicon: dict[str, dict[str, list[str]]]) -> None:
        self._patterns: list[tuple[re.Pattern[str], Cue]] = []
        for category, levels in lexicon.items():
            for severity, terms in levels.items():
                for term in terms:
                    self._patterns.append((_pattern(term), Cue(category, severity, term)))

    @classmethod
    def from_config(cls, safeguarding: dict[str, Any] | None = None) -> RiskScanner:
        lexicon = load_lexicon()
        extra = (safeguarding or {}).get("lexicon", {})
        for category, levels in extra.items():
            for severity, terms in levels.items():
                lexicon.setdefault(category, {}).setdefault(severity, []).extend(terms)
        return cls(lexicon)

    def scan(self, text: str) -> list[Cue]:
        """The strongest cue per category found in ``text``."""
        found: dict[str, Cue] = {}
        normalised = text.replace("\u2019", "'")
        for pattern, cue in self._patterns:
            if pattern.search(normalised):
                best = found.get(cue.category)
                if best is None or SEVERITIES.index(cue.severity) < SEVERITIES.index(best.severity):
                    found[cue.category] = cue
        return list(found.values())


def _pattern(term: str) -> re.Pattern[str]:
    words = term.strip().lower().split()
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def load_lexicon() -> dict[str, dict[str, list[str]]]:
    text = resources.files("console").joinpath("lexicon.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


# --- the workflow ------------------------------------------------------------------

SITUATIONS = {
    "emergency": "Immediate emergency",
    "risk_to_self": "Serious risk to themselves",
    "risk_to_others": "Serious risk to someone else",
    "child_at_risk": "A child in danger",
    "other": "Another concern",
}

DEFAULT_STEPS: dict[str, list[str]] = {
    "emergency": [
        "Call the emergency number now",
        "Stay in contact with the person privately",
        "Share what you know with the emergency services: where they are, what is happening",
        "Tell the group, without details, that you are supporting someone",
    ],
    "risk_to_self": [
        "Move to a private conversation (send them to the waiting room for a 1-to-1)",
        "Explain your concern and listen",
        "Ask their consent to contact someone: emergency services, their GP, a crisis line",
        "Send them the crisis resources",
        "Agree what happens next and when you will check in",
    ],
    "risk_to_others": [
        "Move to a private conversation (send them to the waiting room for a 1-to-1)",
        "Explain your concern and listen",
        "Ask their consent to contact someone who can help",
        "If someone is in immediate danger, call the emergency number",
        "Tell your supervisor or safeguarding lead after the session",
    ],
    "child_at_risk": [
        "If the child is in immediate danger, call the emergency number",
        "Talk with the person privately and explain that this must be passed on",
        "Pass it on to the relevant services (children's social care)",
        "Tell your safeguarding lead after the session",
    ],
    "other": [
        "Talk with the person privately",
        "Offer the crisis resources",
        "Note what you did and tell your supervisor after the session",
    ],
}


@dataclass
class Step:
    text: str
    done_at: float | None = None


@dataclass
class Record:
    """One safeguarding response: who (by pseudonym), what, and each step with its time."""

    id: int
    vk: bytes
    pseudonym: str
    situation: str
    opened_at: float
    steps: list[Step]
    note: str = ""
    consent: str = ""  # "", "asked", "yes", "no"
    actions: list[tuple[float, str]] = field(default_factory=list)


class SafeguardingLog:
    """Every safeguarding record of this session, in memory only."""

    def __init__(self, config: Any, clock: Callable[[], float] = time.time) -> None:
        configured = (getattr(config, "safeguarding", {}) or {}).get("steps", {})
        self.steps = {k: list(configured.get(k, v)) for k, v in DEFAULT_STEPS.items()}
        self.clock = clock
        self.records: list[Record] = []

    def open(self, vk: bytes, pseudonym: str, situation: str) -> Record:
        if situation not in SITUATIONS:
            raise ValueError(f"unknown situation {situation!r}")
        record = Record(len(self.records) + 1, vk, pseudonym, situation, self.clock(),
                        [Step(text) for text in self.steps[situation]])
        self.records.append(record)
        return record

    def for_person(self, vk: bytes) -> list[Record]:
        return [r for r in self.records if r.vk == vk]

    def tick(self, record: Record, index: int, done: bool = True) -> None:
        record.steps[index].done_at = self.clock() if done else None

    def note_action(self, record: Record, what: str) -> None:
        record.actions.append((self.clock(), what))

    def counts_by_situation(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.records:
            counts[record.situation] = counts.get(record.situation, 0) + 1
        return counts
