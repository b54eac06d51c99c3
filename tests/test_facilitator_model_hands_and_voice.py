"""The facilitator model's raised-hand queue and share of voice."""

from __future__ import annotations

from holdspace.console.facilitator import SessionModel
from tests.model_helpers import FACILITATOR, group, say, seat


# --- raised hands --------------------------------------------------------------


def test_hand_queue_is_oldest_first_with_wait_seconds():
    m = SessionModel()
    lee, mo, ana = seat(m, "Lee"), seat(m, "Mo"), seat(m, "Ana")
    group(m, mo, "hand", 10, up=True)
    group(m, ana, "hand", 20, up=True)
    group(m, lee, "hand", 5, up=True)
    group(m, mo, "hand", 30, up=True)  # raising again keeps the place in the queue

    assert [(h.name, h.waited) for h in m.hand_queue(100)] == [("Lee", 95), ("Mo", 90), ("Ana", 80)]
    assert m.oldest_hand() == lee
    assert [i.vk for i in m.attention(100)] == [lee, mo, ana]

    group(m, mo, "hand", 110, up=False)
    assert [h.name for h in m.hand_queue(120)] == ["Lee", "Ana"]
    assert m.stats.hands_raised == 3


def test_giving_the_floor_lowers_the_oldest_hand_and_clears_its_item():
    m = SessionModel()
    lee, mo = seat(m, "Lee"), seat(m, "Mo")
    group(m, lee, "hand", 5, up=True)
    group(m, mo, "hand", 10, up=True)

    m.note_floor_given(m.oldest_hand(), 20)

    assert m.oldest_hand() == mo
    assert [i.vk for i in m.attention(20)] == [mo]
    assert m.participants[lee].hand_since is None


# --- share of voice ----------------------------------------------------------------


def test_share_of_voice_counts_member_words_only():
    m = SessionModel()
    ana, lee = seat(m, "Ana"), seat(m, "Lee")
    say(m, ana, 30)
    say(m, ana, 30)
    say(m, lee, 20)
    say(m, FACILITATOR, 500)  # our own message, echoed back

    voices = m.share_of_voice()

    assert (voices[ana].messages, voices[ana].words, voices[ana].share) == (2, 60, 0.75)
    assert (voices[lee].messages, voices[lee].words, voices[lee].share) == (1, 20, 0.25)
    assert FACILITATOR not in voices
    # Two speakers are too few to call anyone dominant or quiet.
    assert {v.flag for v in voices.values()} == {""}


def test_quiet_and_dominant_voices_are_flagged_against_the_fair_share():
    m = SessionModel()
    ana, lee, mo, sam = seat(m, "Ana"), seat(m, "Lee"), seat(m, "Mo"), seat(m, "Sam")
    say(m, ana, 60)
    say(m, lee, 20)
    say(m, mo, 20)
    assert {m.share_of_voice()[vk].flag for vk in (ana, lee, mo)} == {""}

    say(m, ana, 40)  # 100 of 140 words: more than twice a third

    voices = m.share_of_voice()
    assert voices[ana].flag == "dominant"
    assert voices[lee].flag == voices[mo].flag == "quiet"  # 1/7: under half a third
    assert voices[sam].flag == "quiet"  # has said nothing
