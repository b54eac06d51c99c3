"""The default group agreement is shown in every client: the way it gives to
say "this is hard" must be true in each (QA3 #19: the web page was told to use
/trigger, which its message box would have sent to the whole group)."""

from __future__ import annotations

import re
from pathlib import Path

from holdspace.console.config import DEFAULT_AGREEMENT
from holdspace.member.app import MemberApp

WEB_PAGE = Path(__file__).resolve().parents[1] / "web" / "static" / "join.html"


def test_the_default_agreement_names_the_web_button_the_terminal_key_and_the_command() -> None:
    line = next(line for line in DEFAULT_AGREEMENT.replace("\\\n", "").splitlines()
                if "hard to hear" in line)
    button = re.search(r'<button id="hard"[^>]*>([^<]+)</button>', WEB_PAGE.read_text()).group(1)
    assert f'"{button}" button' in line, line
    key = next(b.key for b in MemberApp.BINDINGS if b.action == "command('/trigger')")
    assert f"{key.upper()} in the terminal app" in line, line
    assert "/trigger" in line
