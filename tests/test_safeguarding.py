"""The safeguarding log and its steps, without a screen or a network
(risk cues: tests/test_risk_cues.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from holdspace.console.config import ConfigError, ConsoleConfig
from holdspace.console.safeguarding import DEFAULT_STEPS, SITUATIONS, SafeguardingLog
from tests.conftest import ManualClock

REPO = Path(__file__).resolve().parent.parent


def test_steps_come_from_the_policies_and_console_toml_replaces_them():
    assert set(DEFAULT_STEPS) == set(SITUATIONS)
    assert "Call the emergency number now" in DEFAULT_STEPS["emergency"]
    assert any("consent" in step for step in DEFAULT_STEPS["risk_to_self"])
    assert any("passed on" in step for step in DEFAULT_STEPS["child_at_risk"])
    log = SafeguardingLog(ConsoleConfig(safeguarding={"steps": {"other": ["Call our lead"]}}))
    assert log.steps["other"] == ["Call our lead"]
    assert log.steps["risk_to_self"] == DEFAULT_STEPS["risk_to_self"]
    assert log.steps["emergency"] == [step.replace("the emergency number", "the emergency number (999)")
                                      for step in DEFAULT_STEPS["emergency"]]
    with pytest.raises(ConfigError, match="not a situation I know"):
        SafeguardingLog(ConsoleConfig(safeguarding={"steps": {"fire": ["Run"]}}))
    with pytest.raises(ConfigError, match="list of steps"):
        SafeguardingLog(ConsoleConfig(safeguarding={"steps": {"other": []}}))


def test_the_log_stamps_steps_and_records_consent_answers_only_when_asked():
    clock = ManualClock(100.0)
    log = SafeguardingLog(ConsoleConfig(), clock=clock)
    vk = bytes(32)
    assert log.consent_answered(vk, "yes", {"where": "home"}) is None  # nobody asked
    record = log.open(vk, "Sam", "risk_to_self")
    clock.advance(5)
    log.tick(record, 2)
    assert record.steps[2].done_at == 105.0
    log.tick(record, 2, done=False)
    assert record.steps[2].done_at is None

    log.ask_consent(record, "a crisis line", "I'm worried")
    clock.advance(5)
    assert log.consent_answered(vk, "no", {"where": "home"}) is record
    assert (record.consent.answer, record.consent.answered_at, record.consent.details) == ("no", 110.0, {})
    assert log.consent_answered(vk, "yes", {"where": "home"}) is None  # answered already
    log.ask_consent(record, "their GP", "again")
    log.consent_answered(vk, "yes", {"where": "home"})
    assert record.consent.details == {"where": "home"}
    assert log.consent_counts() == {"asked": 2, "yes": 1, "no": 1, "unanswered": 0}
    assert log.counts_by_situation() == {"risk_to_self": 1}
    with pytest.raises(ValueError):
        log.open(vk, "Sam", "unknown")


def test_cues_records_and_exports_load_no_network_and_no_screen():
    # Nothing about cues can leave the console: the modules that hold them cannot send.
    code = ("import json, sys; import holdspace.console.safeguarding, holdspace.console.records; "
            "import holdspace.console.risk.scanner; "
            "print(json.dumps(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            check=True, timeout=30)
    loaded = set(json.loads(result.stdout))
    for banned in ("websockets", "textual", "holdspace.client.session", "asyncio"):
        assert banned not in loaded, banned


def test_the_default_steps_name_the_emergency_number_set_in_console_toml():
    from holdspace.console.config import ConsoleConfig

    log = SafeguardingLog(ConsoleConfig(emergency_number="112"))
    steps = [step.text for step in log.open(b"\x01" * 32, "Sam", "emergency").steps]
    assert steps[0] == "Call the emergency number (112) now"
    child = [step.text for step in log.open(b"\x01" * 32, "Sam", "child_at_risk").steps]
    assert any("emergency number (112)" in text for text in child)


def test_the_lexicon_loads_outside_the_repository():
    """The console's risk lexicon is package data: found by its import name from
    any folder, not only from a checkout (where `console/` happens to be importable)."""
    code = ("from holdspace.console.risk.scanner import RiskScanner; "
            "print(len(RiskScanner.from_config({}).scan('I want to kill myself')))")
    result = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 1
