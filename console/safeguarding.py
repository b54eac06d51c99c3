"""Safeguarding on the facilitator's machine: policy steps and records.

Nothing here touches the network or the screen. Risk cues are spotted by
console/risk/ in messages the console has already decrypted, and never leave
it. Records are kept in memory; they reach a file only when the facilitator
exports them (console/records.py).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from holdspace.client.display import clean
from holdspace.client.bodies import describe
from holdspace.console.config import ConfigError

SITUATIONS = {
    "emergency": "Immediate emergency",
    "risk_to_self": "Serious risk to themselves",
    "risk_to_others": "Serious risk to someone else",
    "child_at_risk": "A child in danger",
    "other": "Another concern",
}

# From the groups' policies (DESIGN.md): an emergency → the emergency number; a
# serious risk → talk privately, explain, ask consent to contact someone, keep
# them involved; a child in danger → it must be passed on; support ends when
# the member leaves, so offer resources before they go.
DEFAULT_STEPS: dict[str, list[str]] = {
    "emergency": [
        "Call the emergency number now",
        "Stay in contact with the person privately",
        "Ask their consent to share where they are; if they cannot answer, share what you know "
        "with the emergency services",
        "Send them the crisis resources",
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
        "Send them the crisis resources",
        "Note what you did and tell your supervisor after the session",
    ],
}


# The words of a policy step that an action in the console does by itself.
STEP_WORDS = {"resources": "resources", "hold": "waiting room", "consent": "consent"}


@dataclass
class Step:
    text: str
    done_at: float | None = None


@dataclass
class Consent:
    """A consent request and the member's answer ("" while we wait)."""

    asked_at: float
    contact: str
    reason: str
    answer: str = ""  # "" | "yes" | "no"
    answered_at: float | None = None
    details: dict[str, str] = field(default_factory=dict)  # only ever filled on "yes"


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
    consents: list[Consent] = field(default_factory=list)
    actions: list[tuple[float, str]] = field(default_factory=list)

    @property
    def consent(self) -> Consent | None:
        """The latest consent request, if any."""
        return self.consents[-1] if self.consents else None


class SafeguardingLog:
    """Every safeguarding record of this session, in memory only."""

    def __init__(self, config: Any, clock: Callable[[], float] = time.time) -> None:
        configured = (getattr(config, "safeguarding", {}) or {}).get("steps", {})
        # The default steps name the number set in console.toml, so nobody has
        # to look it up in an emergency.
        number = getattr(config, "emergency_number", "")
        named = f"the emergency number ({number})" if number else "the emergency number"
        self.steps = {k: [step.replace("the emergency number", named) for step in v]
                      for k, v in DEFAULT_STEPS.items()}
        self.steps.update(_checked_steps(configured))
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

    def latest(self, vk: bytes) -> Record | None:
        mine = self.for_person(vk)
        return mine[-1] if mine else None

    def tick(self, record: Record, index: int, done: bool = True) -> None:
        record.steps[index].done_at = self.clock() if done else None

    def note_action(self, record: Record, what: str) -> None:
        record.actions.append((self.clock(), what))

    def did(self, record: Record, action: str, what: str) -> None:
        """Note an action and tick the first open policy step it does, so the
        record never says "(not done)" above the time it was done."""
        self.note_action(record, what)
        words = STEP_WORDS[action]
        for index, step in enumerate(record.steps):
            if step.done_at is None and words in step.text.lower():
                self.tick(record, index)
                return

    def did_for(self, vk: bytes, action: str, what: str) -> None:
        """The same, done from the main screen: it counts for the person's latest record."""
        record = self.latest(vk)
        if record is not None:
            self.did(record, action, what)

    def ask_consent(self, record: Record, contact: str, reason: str) -> Consent:
        consent = Consent(self.clock(), contact, reason)
        record.consents.append(consent)
        self.did(record, "consent", f"asked consent to contact {contact or 'someone who can help'}")
        return consent

    def consent_answered(self, vk: bytes, answer: str,
                         details: dict[str, str] | None) -> Record | None:
        """Record a member's answer to the open consent request to them. An
        answer nobody asked for is ignored (None); details count only with a yes."""
        for record in reversed(self.for_person(vk)):
            consent = record.consent
            if consent is not None and not consent.answer:
                consent.answer, consent.answered_at = answer, self.clock()
                consent.details = dict(details or {}) if answer == "yes" else {}
                self.note_action(record, f"consent answered: {answer}")
                return record
        return None

    def counts_by_situation(self) -> dict[str, int]:
        return dict(Counter(record.situation for record in self.records))

    def consent_counts(self) -> dict[str, int]:
        """Requests and answers, for the de-identified summary."""
        asked = [c for r in self.records for c in r.consents]
        counts = Counter(c.answer or "unanswered" for c in asked)
        return {"asked": len(asked), "yes": counts["yes"], "no": counts["no"],
                "unanswered": counts["unanswered"]}


def _checked_steps(configured: Any) -> dict[str, list[str]]:
    where = "console.toml [safeguarding.steps]"
    if not isinstance(configured, dict):
        raise ConfigError(f"{where} should be a table: situation = [\"step\", ...].")
    for situation, steps in configured.items():
        if situation not in SITUATIONS:
            raise ConfigError(f"{where}: '{situation}' is not a situation I know. "
                              f"Use one of: {', '.join(SITUATIONS)}.")
        if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
            raise ConfigError(f"{where}.{situation} should be a list of steps in quotes.")
    return {k: list(v) for k, v in configured.items()}


def shown_details(details: dict[str, str]) -> str:
    """A member's emergency details, one line each, as the console and the
    exported records show them: what they typed can add no line of its own."""
    return describe({key: clean(value) for key, value in details.items()})
