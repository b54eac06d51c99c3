"""The facilitator's own files: console.toml (settings) and the long-term key.

These are the only files the console writes besides exports the facilitator
asks for; both are the user's own and written with mode 0600.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from holdspace.client.identity import Identity
from holdspace.client.invites import InviteError, InviteLink, parse_invite
from holdspace.client.files import config_dir, write_private

DEFAULT_AGREEMENT = """\
Our group agreement:
- What is shared here stays here. Please do not record, screenshot or repeat what others say.
- Feelings are okay. You never have to talk; listening is welcome too.
- We offer support, not advice. We talk with each other, not over each other.
- First names or made-up names are fine. Please keep the link to this group to yourself.
- If something is hard to hear, tell the facilitator privately: the "I'm finding \
this hard" button on the web page, F4 in the terminal app, or /trigger.
- If you step out or leave, let the facilitator know, so they know you are safe.
- The facilitator may ask someone to leave, for a while or for good: for example for \
abusive or discriminatory language, talking over others again and again, or promoting \
unproven or illegal "treatments".
- Confidentiality is broken only to keep someone safe: an emergency, a serious risk to \
you or someone else, or a child in danger. The facilitator will talk with you first \
whenever they can."""

DEFAULT_RESOURCES = """\
If you are in danger right now, call your emergency number: 999 (UK), 112 (EU), 911 (US).
Samaritans (UK and Ireland): call 116 123, free, any time.
988 Suicide & Crisis Lifeline (US): call or text 988.
Your GP or doctor can help too."""

DEFAULT_NOTICES = [
    "Welcome, everyone. Let's take a moment to settle in.",
    "A gentle reminder: one person at a time, and support rather than advice.",
    "Let's take a five-minute break. Please let me know if you step out.",
    "We have about ten minutes left.",
    "Thank you all for coming. Take care of yourselves until next time.",
]

DEFAULT_REMOVAL_REASONS = [
    "Abusive or discriminatory language",
    "Repeatedly talking over others",
    "Distressing topic that needs a 1-to-1 talk",
    "A risk to others in the group",
    "Promoting unproven or illegal treatments",
    "Other",
]


@dataclass
class ConsoleConfig:
    group_name: str = "Peer support group"
    facilitator_name: str = "Facilitator"
    agreement: str = DEFAULT_AGREEMENT
    emergency_number: str = "999"
    resources: str = DEFAULT_RESOURCES
    check_in_minutes: int = 5
    bell: bool = True
    notices: list[str] = field(default_factory=lambda: list(DEFAULT_NOTICES))
    removal_reasons: list[str] = field(default_factory=lambda: list(DEFAULT_REMOVAL_REASONS))
    relay_token: str = ""
    # Extra section read by console/safeguarding.py (lexicon additions, policy steps).
    safeguarding: dict[str, Any] = field(default_factory=dict)


COMMENTS = {
    "group_name": "The name shown at the top of the console.",
    "facilitator_name": "How you appear to members.",
    "agreement": "The group agreement every member reads and accepts before joining.",
    "emergency_number": "The emergency number where your group meets.",
    "resources": "Crisis resources members see while waiting and whenever they ask for help.",
    "check_in_minutes": "Minutes after someone steps out before the console says 'check in now'.",
    "bell": "Ring the terminal bell for urgent alerts (true or false).",
    "notices": "Quick notices you can send to the whole group.",
    "removal_reasons": "Reasons offered when you ask someone to leave.",
    "relay_token": "The room-creation token of the relay you use with --relay, if it has one\n"
                   "# ('holdspace relay init' prints it). Keep this file private.",
}


class ConfigError(ValueError):
    """console.toml cannot be used; the message says how to fix it."""


def default_config_path() -> Path:
    return config_dir() / "console.toml"


def render_default() -> str:
    """console.toml with every setting, its default and a comment."""
    defaults = ConsoleConfig()
    lines = ["# holdspace console settings. Edit freely; delete a line to use the default.", ""]
    for f in fields(ConsoleConfig):
        if f.name == "safeguarding":
            continue
        lines.append(f"# {COMMENTS[f.name]}")
        lines.append(tomli_w.dumps({f.name: getattr(defaults, f.name)}, multiline_strings=True).rstrip())
        lines.append("")
    lines += [
        "# Safeguarding: extra words to watch for, and your own steps for each situation.",
        "# See docs/SAFEGUARDING.md. Example:",
        "# [safeguarding.lexicon.risk_to_self]",
        '# high = ["my own phrase"]',
        "",
    ]
    return "\n".join(lines)


def write_default(path: Path) -> None:
    if path.exists():
        raise ConfigError(f"{path} already exists; I left it as it is.")
    write_private(path, render_default().encode())


def load(path: Path | None = None) -> ConsoleConfig:
    path = path or default_config_path()
    if not path.exists():
        return ConsoleConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} could not be read: {exc}. Fix it, or move it away to use the defaults.") from exc
    config = ConsoleConfig()
    known = {f.name: f for f in fields(ConsoleConfig)}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{path}: '{key}' is not a setting I know. Check the spelling.")
        expected = type(getattr(config, key))
        if expected is int and isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(f"{path}: '{key}' should be a {expected.__name__}.")
        setattr(config, key, value)
    if config.check_in_minutes < 1:
        raise ConfigError(f"{path}: 'check_in_minutes' should be at least 1.")
    return config


def load_identity(path: Path | None = None) -> Identity:
    """The facilitator's long-term key, created (0600) on first use."""
    path = path or config_dir() / "facilitator.key"
    if path.exists():
        seed = path.read_bytes()
        if len(seed) != 32:
            raise ConfigError(f"{path} is not a holdspace key. Move it away to make a new one.")
        return Identity.from_seed(seed)
    identity = Identity.generate()
    write_private(path, identity.seed)
    return identity


# --- the open session, so a restarted console can reclaim its room -------------------


def session_state_path() -> Path:
    return config_dir() / "open-session.toml"


def save_open_session(relay: str, link: InviteLink) -> None:
    """Remember the room and its invite (the facilitator's own secrets, nothing
    about members) so a console restart reclaims the room with the same link."""
    state = {"relay": relay, "link": link.link}
    write_private(session_state_path(), tomli_w.dumps(state).encode())


def load_open_session(relay: str) -> InviteLink | None:
    path = session_state_path()
    try:
        state = tomllib.loads(path.read_text(encoding="utf-8"))
        if state.get("relay") != relay:
            return None
        return parse_invite(state["link"])
    except (OSError, KeyError, tomllib.TOMLDecodeError, InviteError):
        return None


def forget_open_session() -> None:
    session_state_path().unlink(missing_ok=True)
