"""Who is in the session and how they are, as the console knows them.

Plain data, no screen and no clock: the session model (facilitator.py) moves
people between places; these types say what the panels show of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

# Share of voice: flags only once this many members have spoken, so the first
# voice of the evening is not called dominant.
MIN_SPEAKERS_FOR_FLAGS = 3
DOMINANT_FACTOR = 2.0  # more than twice the fair share
QUIET_FACTOR = 0.5  # less than half the fair share
MEMBER = "member"  # a Participant's role, unless they facilitate beside us


class Place(StrEnum):
    """Where a member is, as far as the relay and the facilitator decided."""

    WAITING = "waiting"  # in the waiting room, not admitted yet
    SEATED = "seated"
    HELD = "held"  # sent back to the waiting room by the facilitator
    GONE = "gone"


class State(StrEnum):
    """What the participants panel shows for a member."""

    WAITING = "waiting"
    PRESENT = "present"
    STEPPED_OUT = "stepped_out"
    OFFLINE = "offline"
    HELD = "held"
    GONE = "gone"


@dataclass
class Participant:
    """A member, or a facilitator beside us (``role``: console/cofacilitation.py),
    and what the console knows of them; never this console's own facilitator."""

    vk: bytes
    name: str = ""
    role: str = MEMBER  # or facilitator | cofacilitator (console/cofacilitation.py)
    co_knock: bool = False  # knocked with a co-facilitator link (a member until let in as one)
    safety_code: str = ""
    place: Place = Place.WAITING
    online: bool = True
    agreed: bool = False  # accepted the group agreement
    knocked_at: float | None = None
    joined_at: float | None = None
    last_seen: float | None = None
    hand_since: float | None = None
    stepped_out_since: float | None = None
    step_out_note: str = ""
    last_check_in: float | None = None
    said_goodbye: bool = False
    removed: bool = False  # by the facilitator (until they are let in again)
    waiting_said: str = ""  # the latest thing they sent while never let in
    messages: int = 0
    words: int = 0

    @property
    def label(self) -> str:
        # Before a console restart's introductions arrive we may have no name.
        return self.name or "Unnamed member"

    @property
    def state(self) -> State:
        if self.place is not Place.SEATED:
            return State(self.place.value)
        if not self.online:
            return State.OFFLINE
        return State.STEPPED_OUT if self.stepped_out_since is not None else State.PRESENT


@dataclass(frozen=True)
class HandWait:
    vk: bytes
    name: str
    since: float
    waited: float  # seconds


@dataclass(frozen=True)
class Counts:
    present: int = 0
    stepped_out: int = 0
    offline: int = 0
    waiting: int = 0
    held: int = 0

    @property
    def seated(self) -> int:
        return self.present + self.stepped_out + self.offline


def count(people: list[Participant]) -> Counts:
    """Members only: a co-facilitator is not one of the group's numbers."""
    by_state = Counter(p.state for p in people if p.role == MEMBER)
    return Counts(
        present=by_state[State.PRESENT],
        stepped_out=by_state[State.STEPPED_OUT],
        offline=by_state[State.OFFLINE],
        waiting=by_state[State.WAITING],
        held=by_state[State.HELD],
    )


@dataclass(frozen=True)
class Voice:
    messages: int
    words: int
    share: float  # of all member words, 0..1
    flag: str  # "quiet" | "dominant" | ""


def share_of_voice(people: list[Participant]) -> dict[bytes, Voice]:
    """Messages, words and share of all member words for each participant.

    Seated members are flagged "quiet" or "dominant" against a fair share
    among those who have spoken, once enough have spoken to compare.
    """
    people = [p for p in people if p.role == MEMBER]  # facilitators speak as such
    total = sum(p.words for p in people)
    speakers = sum(1 for p in people if p.words)
    fair = 1 / speakers if speakers else 0.0
    voices = {}
    for p in people:
        share = p.words / total if total else 0.0
        flag = ""
        if speakers >= MIN_SPEAKERS_FOR_FLAGS and p.place is Place.SEATED:
            if share > DOMINANT_FACTOR * fair:
                flag = "dominant"
            elif share < QUIET_FACTOR * fair:
                flag = "quiet"
        voices[p.vk] = Voice(p.messages, p.words, share, flag)
    return voices


@dataclass
class Statistics:
    """Counts that identify nobody, for the de-identified session summary."""

    hands_raised: int = 0
    step_outs: int = 0
    check_ins_sent: int = 0
    check_in_replies: Counter[str] = field(default_factory=Counter)  # by status
    triggers: int = 0
    help_requests: int = 0
    risk_cues: Counter[str] = field(default_factory=Counter)  # by category
    removals: Counter[str] = field(default_factory=Counter)  # by reason
    peak_attendance: int = 0
