"""The risk-cue scanner: which category, and which phrase matched.

Cue lists (console/risk/cues/*.toml, plus the group's own in console.toml) are
read once. A message is normalised (console/risk/words.py); its words pick the
few phrases it could match (console/risk/anchors.py), so most messages cost a
few look-ups; everyday sayings are blanked out, each candidate phrase is tried,
and each match is read with the guards (console/risk/guards.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from holdspace.console.config import ConfigError
from holdspace.console.risk.anchors import AnchorIndex
from holdspace.console.risk.guards import addressed, joking, negated, past
from holdspace.console.risk.lexicon import EVERYDAY, SEVERITIES, WORDS, checked_additions, load_lexicon
from holdspace.console.risk.phrases import Phrase, PhraseError, compile_phrase
from holdspace.console.risk.words import tokens

CATEGORIES = {
    "risk_to_self": "risk to self",
    "risk_to_others": "risk to others",
    "child_at_risk": "child at risk",
    "medical_emergency": "medical emergency",
    "domestic_abuse": "abuse or threats to them",
}
# Hyperbole is everyday speech for these: a laugh in the message quiets them.
JOKED_ABOUT = frozenset({"risk_to_others", "medical_emergency"})

Lexicon = dict[str, Any]


@dataclass(frozen=True)
class Cue:
    category: str
    severity: str
    term: str  # the phrase from the list that matched
    words: str = ""  # the words of the message it matched, normalised
    why_quiet: str = ""  # "" for a cue that rings; else why it does not

    @property
    def label(self) -> str:
        return CATEGORIES.get(self.category, self.category.replace("_", " "))


@dataclass
class _Rule:
    phrase: Phrase
    category: str
    severity: str
    _pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        # Compiled on first use: most phrases are never tried in a session.
        if self._pattern is None:
            self._pattern = re.compile(self.phrase.regex)
        return self._pattern


class RiskScanner:
    def __init__(self, lexicon: Lexicon) -> None:
        words = {k: str(v) for k, v in lexicon.get(WORDS, {}).items()}
        self._rules: list[_Rule] = []
        for category, levels in lexicon.items():
            if category in (WORDS, EVERYDAY):
                continue
            for severity in SEVERITIES:  # strongest first, so the first match that rings wins
                self._rules += [_Rule(compile_phrase(text, words), category, severity)
                                for text in levels.get(severity, [])]
        self._index = AnchorIndex([rule.phrase for rule in self._rules])
        self._sayings = [_Rule(compile_phrase(text, words), EVERYDAY, "")
                         for text in lexicon.get(EVERYDAY, {}).get("phrases", [])]
        self._saying_index = AnchorIndex([rule.phrase for rule in self._sayings])

    @classmethod
    def from_config(cls, safeguarding: dict[str, Any] | None = None) -> RiskScanner:
        """The shipped cue lists plus the group's additions from holdspace.console.toml."""
        lexicon = load_lexicon()
        additions = checked_additions((safeguarding or {}).get("lexicon", {}))
        for category, levels in additions.items():
            for key, phrases in levels.items():
                lexicon.setdefault(category, {}).setdefault(key, []).extend(phrases)
        try:
            return cls(lexicon)
        except PhraseError as error:
            ours = not any(error.phrase in phrases for levels in additions.values()
                           for phrases in levels.values())
            where = "the lists that come with holdspace" if ours else "console.toml [safeguarding.lexicon]"
            raise ConfigError(f"A risk-cue phrase in {where} cannot be used: {error}.") from None

    def scan(self, text: str) -> list[Cue]:
        """The strongest cue per category that rings in ``text``."""
        return [cue for cue in self.explain(text) if not cue.why_quiet]

    def explain(self, text: str) -> list[Cue]:
        """Per category: the strongest cue that rings or, if none does, the
        first match with the reason it stays quiet."""
        words = tokens(text)
        candidates = self._index.candidates(words)
        if not candidates:
            return []
        norm = " ".join(words)
        for i in self._saying_index.candidates(words):
            norm = self._sayings[i].pattern.sub(lambda m: re.sub(r"\S", "~", m.group()), norm)
        rang: dict[str, Cue] = {}
        quiet: dict[str, Cue] = {}
        for i in candidates:
            rule = self._rules[i]
            if rule.category in rang:
                continue
            for match in rule.pattern.finditer(norm):
                why = _why_quiet(norm, match, rule)
                cue = Cue(rule.category, rule.severity, rule.phrase.text, match.group(), why)
                if not why:
                    rang[rule.category] = cue
                    break
                quiet.setdefault(rule.category, cue)
        return list(rang.values()) + [c for k, c in quiet.items() if k not in rang]


def _why_quiet(norm: str, match: re.Match[str], rule: _Rule) -> str:
    before = norm[:match.start()].split()
    if negated(before, match.group().split(), rule.phrase.literals):
        return "negated"
    if addressed(before):
        return "said to or about someone else"
    if rule.category in JOKED_ABOUT and joking(norm):
        return "said as a joke"
    if past(norm, match.start(), match.end()):
        return "told as past"
    return ""

