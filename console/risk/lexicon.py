"""The shipped cue lists (console/risk/cues/*.toml) and the group's additions.

Each file holds tables keyed by category, with ``high`` and ``medium`` lists of
phrases; ``[words]`` holds the word lists phrases name with @, and
``[everyday]`` the sayings that are blanked out before matching. A group adds
its own in console.toml under ``[safeguarding.lexicon.<category>]``.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from holdspace.console.config import ConfigError

SEVERITIES = ("high", "medium")
EVERYDAY, WORDS = "everyday", "words"


def load_lexicon() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    folder = resources.files("holdspace.console.risk").joinpath("cues")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        for category, table in tomllib.loads(entry.read_text(encoding="utf-8")).items():
            into = merged.setdefault(category, {})
            for key, value in table.items():
                if isinstance(value, list):
                    into.setdefault(key, []).extend(value)
                else:
                    into[key] = value
    return merged


def checked_additions(extra: Any) -> dict[str, dict[str, list[str]]]:
    """console.toml's [safeguarding.lexicon.*], or a plain-words ConfigError."""
    where = "console.toml [safeguarding.lexicon]"
    if not isinstance(extra, dict):
        raise ConfigError(f"{where} should be a table of categories.")
    for category, levels in extra.items():
        allowed = ("phrases",) if category == EVERYDAY else SEVERITIES
        if category == WORDS or not isinstance(levels, dict) or not set(levels) <= set(allowed):
            raise ConfigError(f"{where}.{category}: use the keys {', '.join(allowed)}.")
        for key, terms in levels.items():
            if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
                raise ConfigError(f"{where}.{category}.{key} should be a list of phrases in quotes.")
    return extra
