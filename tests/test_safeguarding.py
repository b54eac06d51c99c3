"""Risk cues and the safeguarding log, without a screen or a network.

The corpus (tests/data/risk_corpus.toml) measures the shipped lexicon; its
precision and recall are printed at the end of every test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from holdspace.console.config import ConfigError, ConsoleConfig
from holdspace.console.safeguarding import DEFAULT_STEPS, SITUATIONS, RiskScanner, SafeguardingLog
from tests.conftest import ManualClock

CORPUS = Path(__file__).parent / "data" / "risk_corpus.toml"
REPO = Path(__file__).resolve().parent.parent


def score(scanner: RiskScanner, corpus: dict) -> dict[str, float]:
    """Per (sentence, category) pair: a cue raised is right if the sentence wants it."""
    right = wrong = missed = 0
    for sentence in corpus["positive"]:
        found = {cue.category for cue in scanner.scan(sentence["text"])}
        wanted = set(sentence["categories"])
        right += len(found & wanted)
        wrong += len(found - wanted)
        missed += len(wanted - found)
    for sentence in corpus["negative"]:
        wrong += len(scanner.scan(sentence["text"]))
    return {"precision": right / (right + wrong), "recall": right / (right + missed),
            "right": right, "wrong": wrong, "missed": missed}


def test_the_lexicon_finds_risk_in_the_corpus_with_precision_and_recall_of_at_least_0_9(
        record_property):
    corpus = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    assert len(corpus["positive"]) >= 60 and len(corpus["negative"]) >= 60
    categories = {c for s in corpus["positive"] for c in s["categories"]}
    assert categories == {"risk_to_self", "risk_to_others", "child_at_risk", "medical_emergency"}

    result = score(RiskScanner.from_config(), corpus)

    record_property("summary:risk lexicon on tests/data/risk_corpus.toml", (
        f"precision {result['precision']:.3f}, recall {result['recall']:.3f} "
        f"({len(corpus['positive'])} risk sentences, {len(corpus['negative'])} everyday ones; "
        f"{result['right']} cues right, {result['wrong']} wrong, {result['missed']} missed)"))
    assert result["precision"] >= 0.9, result
    assert result["recall"] >= 0.9, result


@pytest.mark.parametrize("text", [
    "I killed it at work today", "my pill organiser broke", "this traffic is killing me",
    "I could die of embarrassment", "suicide squad was a bad film", "I cut myself a slice of cake",
    "I'm going to kill time", "he'll kill himself laughing at this",
])
def test_everyday_sayings_do_not_ring(text):
    assert RiskScanner.from_config().scan(text) == []


def test_whole_words_any_case_and_any_apostrophe():
    scanner = RiskScanner.from_config()
    for text in ("I CAN'T GO ON", "i cant go on", "I can’t go on", "I can‘t go on"):
        assert [(c.category, c.severity) for c in scanner.scan(text)] == [("risk_to_self", "high")]
    assert scanner.scan("self-harm") and scanner.scan("self harm")
    assert scanner.scan("kill him") and not scanner.scan("skill himalaya")


def test_the_strongest_cue_per_category_and_several_categories_at_once():
    cues = RiskScanner.from_config().scan("I hurt myself and I want to die, then took all my pills")
    assert {(c.category, c.severity) for c in cues} == {
        ("risk_to_self", "high"), ("medical_emergency", "high")}


def test_the_facilitator_extends_the_lexicon_in_console_toml():
    extra = {"lexicon": {"risk_to_self": {"medium": ["feel like a burden", "overdo*"]},
                         "domestic_abuse": {"high": ["he locks me in"]},
                         "everyday": {"phrases": ["want to die of laughter"]}}}
    scanner = RiskScanner.from_config(extra)
    assert [c.term for c in scanner.scan("I feel like a burden to everyone")] == ["feel like a burden"]
    assert scanner.scan("I keep overdoing it")[0].term == "overdo*"
    assert scanner.scan("He locks me in the flat")[0].label == "domestic abuse"
    assert scanner.scan("I want to die of laughter") == []
    assert scanner.scan("I want to die") != []  # the shipped lexicon is still there


@pytest.mark.parametrize("extra, words", [
    ({"lexicon": {"risk_to_self": {"urgent": ["x"]}}}, "use the keys high, medium"),
    ({"lexicon": {"risk_to_self": {"high": "not a list"}}}, "list of phrases"),
    ({"lexicon": {"everyday": {"high": ["x"]}}}, "use the keys phrases"),
    ({"lexicon": ["x"]}, "table of categories"),
])
def test_a_lexicon_the_console_cannot_use_is_explained(extra, words):
    with pytest.raises(ConfigError, match=words):
        RiskScanner.from_config(extra)


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
    code = ("from holdspace.console.safeguarding import RiskScanner; "
            "print(len(RiskScanner.from_config({}).scan('I want to kill myself')))")
    result = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 1
