"""Risk cues (holdspace.console.risk) on the corpus and on what a facilitator relies on.

The corpus (tests/data/risk_cues/) was split by a hash of each line before the
cue lists were tuned; the figures asserted here are the held-out part's, and
`make test` prints them.
"""

from __future__ import annotations

import pytest

from holdspace.console.config import ConfigError
from holdspace.console.risk.scanner import CATEGORIES, RiskScanner
from holdspace.console.risk.words import normalised
from tests import risk_corpus


@pytest.fixture(scope="module")
def scanner() -> RiskScanner:
    return RiskScanner.from_config()


def _table(result: risk_corpus.Score) -> str:
    rows = [f"    {CATEGORIES[c]:<26} precision {result.precision(c):.3f}  recall {result.recall(c):.3f}"
            f"  ({result.found[c]}/{result.lines[c]} lines)" for c in result.lines]
    return "\n".join(rows)


def test_the_held_out_corpus_is_caught_with_precision_and_recall_of_at_least_0_85(
        scanner, record_property):
    lines = risk_corpus.load()
    held, tune = risk_corpus.split(lines, True), risk_corpus.split(lines, False)
    risk = [line for line in lines if line.label in risk_corpus.CATEGORY.values()]
    assert len(risk) >= 600 and sum(line.label == risk_corpus.EVERYDAY for line in lines) >= 600
    assert 0.25 < len(held) / len(lines) < 0.42 and not {l.text for l in held} & {l.text for l in tune}

    result = risk_corpus.score(scanner.scan, held)
    tuned = risk_corpus.score(scanner.scan, tune)
    later = risk_corpus.score(scanner.scan, risk_corpus.load_later())

    everyday = sum(line.label == risk_corpus.EVERYDAY for line in held)
    record_property("summary:risk cues on the held-out corpus", (
        f"precision {result.precision():.3f}, recall {result.recall():.3f} on "
        f"{sum(result.lines.values())} risk lines and {everyday} everyday lines "
        f"(tuning part: {tuned.precision():.3f} / {tuned.recall():.3f})\n{_table(result)}\n"
        f"    clearly past, told as history: {result.past_rang} of {result.past_lines} raised a cue "
        f"(tuning part {tuned.past_rang} of {tuned.past_lines})\n"
        f"    lines written later, each round measured once then used to widen the lists: "
        f"precision {later.precision():.3f}, recall {later.recall():.3f} "
        f"({sum(later.lines.values())} risk lines); before each round was used: recall 0.54-0.77"))
    assert result.precision() >= 0.85 and result.recall() >= 0.85, _table(result)
    for category in result.lines:
        assert result.precision(category) >= 0.75, (category, _table(result))
        assert result.recall(category) >= 0.75, (category, _table(result))
    assert result.past_rang <= result.past_lines // 4
    assert later.recall() >= 0.9 and later.precision() >= 0.9  # a regression guard, not a measure


@pytest.mark.parametrize("text, category", [
    ("thinking about ending it", "risk_to_self"),
    ("planning my suicide", "risk_to_self"),
    ("bought rope", "risk_to_self"),
    ("kms", "risk_to_self"),
    ("i want to kil my self", "risk_to_self"),
    ("sooo suicdal rn", "risk_to_self"),
    ("i want to unalive myself", "risk_to_self"),
    ("sh again last night", "risk_to_self"),
    ("i wouldn't mind if I didn't wake up", "risk_to_self"),
    ("pills lined up", "risk_to_self"),
    ("i feel like such a burden", "risk_to_self"),
    ("cut for the first time in 8 months", "risk_to_self"),
    ("i od'd", "medical_emergency"),
    ("took 30 paracetamol", "medical_emergency"),
    ("she’s gone blue", "medical_emergency"),
    ("pain in my chest and my left arm", "medical_emergency"),
    ("his face is drooping on one side", "medical_emergency"),
    ("he said if I ever leave he'll kill me", "domestic_abuse"),
    ("ive got a knife in my bag for him", "risk_to_others"),
    ("a man online keeps asking my 12 year old for pics", "child_at_risk"),
    ("the kids haven't eaten in days", "child_at_risk"),
    # history first, then now: the history does not quiet what follows
    ("i used to love life but now i want to die", "risk_to_self"),
    ("i used to be ok. i want to die", "risk_to_self"),
    ("i used to cut and got help, but now i want to die", "risk_to_self"),
    ("years ago my ex hit me, now my husband hits me", "domestic_abuse"),
    # "you" or a "not" elsewhere in the message does not quiet what is about me
    ("thank you for listening i want to die", "risk_to_self"),
    ("i told you i want to kill myself", "risk_to_self"),
    ("sorry to bother you i took 30 paracetamol", "medical_emergency"),
    ("i cant sleep i want to die", "risk_to_self"),
])
def test_how_people_really_say_it_rings_in_its_category(scanner, text, category):
    assert category in {cue.category for cue in scanner.scan(text)}, scanner.explain(text)


@pytest.mark.parametrize("text", [
    "lol i nearly killed myself laughing", "i need to cut myself some slack",
    "are you having thoughts of suicide? it's ok to say", "the film about suicide was well done",
    "signs of a stroke: face drooping, arm weakness, speech problems",
    "i'm not suicidal, just really tired", "my mum's gonna kill me when she sees the carpet",
    "i used to self harm as a teenager, 10 years free now", "this heat is killing me",
    "suicide prevention training is next tuesday", "i bought some rope for the washing line",
    "do you ever want to die?", "if you feel suicidal call 116 123",
])
def test_idioms_topics_replies_denials_and_history_stay_quiet(scanner, text):
    assert scanner.scan(text) == [], scanner.explain(text)


def test_a_cue_names_its_category_and_the_phrase_that_matched(scanner):
    [cue] = scanner.scan("honestly im so suicdal rn")
    assert (cue.label, cue.severity) == ("risk to self", "high")
    assert "suicidal" in cue.term and cue.words.endswith("suicidal")
    quiet = {c.why_quiet for text in ("i would never hurt my kids",
                                      "are you thinking about killing yourself? do you want to die?",
                                      "when i was 15 i tried to overdose, i'm 34 now")
             for c in scanner.explain(text)}
    assert {"negated", "said to or about someone else", "told as past"} <= quiet


def test_chat_spelling_is_read_as_words():
    assert normalised("I CAN’T go on, kms") == "i can not go on , kill myself"
    assert normalised("ill be gone soon") == "i will be gone soon"
    assert normalised("the kids are ill") == "the kids are ill"
    assert normalised("my 13yo… self-harm ngl") == "my 13 year old self harm"


def test_the_group_extends_the_lists_in_console_toml():
    extra = {"lexicon": {"risk_to_self": {"medium": ["feel* like a weight on|around everyone"]},
                         "domestic_abuse": {"high": ["he locks me in"]},
                         "neighbourhood": {"high": ["they ... petrol through my door"]},
                         "everyday": {"phrases": ["want to die of laughter"]}}}
    scanner = RiskScanner.from_config(extra)
    assert [c.term for c in scanner.scan("i feel like a weight on everyone")] == [
        "feel* like a weight on|around everyone"]
    assert scanner.scan("He locks me in the flat")[0].label == "abuse or threats to them"
    assert scanner.scan("they put petrol through my door")[0].label == "neighbourhood"
    assert scanner.scan("I want to die of laughter") == []
    assert scanner.scan("I want to die") != []  # the shipped lists are still there


@pytest.mark.parametrize("extra, words", [
    ({"lexicon": {"risk_to_self": {"urgent": ["x"]}}}, "use the keys high, medium"),
    ({"lexicon": {"risk_to_self": {"high": "not a list"}}}, "list of phrases"),
    ({"lexicon": {"everyday": {"high": ["x"]}}}, "use the keys phrases"),
    ({"lexicon": ["x"]}, "table of categories"),
    ({"lexicon": {"risk_to_self": {"high": ["@nolist here"]}}}, "no word list called @nolist"),
    ({"lexicon": {"risk_to_self": {"high": ["ends with ..."]}}}, "start and end with a word"),
])
def test_a_list_the_console_cannot_use_is_explained(extra, words):
    with pytest.raises(ConfigError, match=words):
        RiskScanner.from_config(extra)
