"""The facilitator's view of a live session, without a screen.

``SessionModel`` folds the typed events of the client core (client/events.py)
and what the facilitator did (``note_*``) into what the console shows: who is
here and how they are, the raised-hand queue, share of voice, and one attention
panel ordered by urgency, not by arrival (DESIGN.md, "The facilitator's
attention"). Time is always passed in, never read from a clock, so the model is
deterministic and its tests use plain numbers.

Everything here lives in memory only. ``Statistics`` identifies nobody; the
rest (names, notes, quotes) is confidential to the group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from holdspace.client.events import (
    Connected,
    ConnectionLost,
    DirectMessage,
    Event,
    GroupMessage,
    Knock,
    Presence,
    RosterChanged,
    SessionEnded,
)


class Kind(StrEnum):
    """What an attention item is about."""

    HELP = "help"
    SUPPORT = "support"  # a check-in answered "I need support"
    TRIGGER = "trigger"
    RISK = "risk"  # risk language spotted on this machine
    CONSENT = "consent"  # a member answered a safeguarding consent request
    CHECK_IN_DUE = "check_in_due"  # a step-out past the check-in time
    LEFT_WITHOUT_WORD = "left_without_word"
    OFFLINE = "offline"  # connection dropped a moment ago; may come back
    PRIVATE = "private"
    KNOCK = "knock"
    HAND = "hand"
    CHECK_IN_REPLY = "check_in_reply"  # "I'm okay" / "back soon"
    STEP_OUT = "step_out"  # within the check-in time: a running timer


# Most urgent first. Kinds sharing a tier are ordered by age, oldest first.
# Safeguarding (a call for help, a check-in answered "support", an answer to a
# consent request) is the top tier.
URGENCY: tuple[tuple[Kind, ...], ...] = (
    (Kind.HELP, Kind.SUPPORT, Kind.CONSENT),
    (Kind.TRIGGER,),
    (Kind.RISK,),
    (Kind.CHECK_IN_DUE,),
    (Kind.LEFT_WITHOUT_WORD,),
    (Kind.OFFLINE,),
    (Kind.PRIVATE,),
    (Kind.KNOCK,),
    (Kind.HAND,),
    (Kind.CHECK_IN_REPLY,),
    (Kind.STEP_OUT,),
)
RANK: dict[Kind, int] = {kind: tier for tier, kinds in enumerate(URGENCY) for kind in kinds}

# Worth a terminal bell: someone may not be safe.
URGENT = frozenset(
    {Kind.HELP, Kind.SUPPORT, Kind.CONSENT, Kind.TRIGGER, Kind.RISK, Kind.CHECK_IN_DUE, Kind.LEFT_WITHOUT_WORD}
)

# A situation left waiting becomes more urgent: a step-out past the check-in
# time, a dropped connection that does not come back.
ESCALATES_TO = {Kind.STEP_OUT: Kind.CHECK_IN_DUE, Kind.OFFLINE: Kind.LEFT_WITHOUT_WORD}

# Share of voice: flags only once this many members have spoken, so the first
# voice of the evening is not called dominant.
MIN_SPEAKERS_FOR_FLAGS = 3
DOMINANT_FACTOR = 2.0  # more than twice the fair share
QUIET_FACTOR = 0.5  # less than half the fair share


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
    """A member (never the facilitator) and what the console knows of them."""

    vk: bytes
    name: str = ""
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
class AttentionItem:
    """One line of the attention panel, as it reads at a given moment."""

    id: int
    kind: Kind
    vk: bytes
    summary: str
    created: float
    rank: int
    urgent: bool


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


@dataclass(frozen=True)
class Voice:
    messages: int
    words: int
    share: float  # of all member words, 0..1
    flag: str  # "quiet" | "dominant" | ""


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


@dataclass
class _Item:
    """An attention item as stored; ``AttentionItem`` is how it reads at ``now``."""

    id: int
    kind: Kind
    vk: bytes
    created: float
    details: dict[str, str]
    escalate_at: float | None = None
    acknowledged_at: float | None = None
    resolved: bool = False
    announced: bool = False

    def kind_at(self, now: float) -> Kind:
        if self.escalate_at is not None and now >= self.escalate_at:
            return ESCALATES_TO[self.kind]
        return self.kind

    def is_open(self, now: float) -> bool:
        if self.resolved:
            return False
        if self.acknowledged_at is None:
            return True
        # Acknowledging a running timer must not hide it becoming overdue.
        return self.escalate_at is not None and self.acknowledged_at < self.escalate_at <= now


Handler = Callable[[Participant, dict[str, Any], float], None]


class SessionModel:
    """Everything the facilitator console renders, fed by ``apply`` and ``note_*``."""

    def __init__(self, check_in_minutes: float = 5, offline_grace_seconds: float = 60) -> None:
        self.check_in_seconds = check_in_minutes * 60
        # A dropped connection often comes back within seconds; only one that
        # stays down this long counts as leaving without a word (and rings).
        self.offline_grace_seconds = offline_grace_seconds
        self.participants: dict[bytes, Participant] = {}
        self.stats = Statistics()
        self.link = "connecting"  # connecting | connected | reconnecting | ended
        self.retry_in = 0.0
        self.end_reason = ""
        self.epoch: int | None = None  # the group key in use; None until the first roster
        self.started_at: float | None = None
        self._items: dict[int, _Item] = {}
        # The items not yet resolved, which is all the panel ever looks at: a
        # long session raises thousands of items (every hand), nearly all done.
        self._unresolved: dict[int, _Item] = {}
        self._group_handlers: dict[str, Handler] = {
            "chat": self._on_chat,
            "hand": self._on_hand,
            "bye": self._on_bye,
        }
        self._direct_handlers: dict[str, Handler] = {
            "trigger": self._on_trigger,
            "step_out": self._on_step_out,
            "back": self._on_back,
            "check_in_reply": self._on_check_in_reply,
            "help": self._on_help,
            "private": self._on_private,
            "introduce": self._on_introduce,
            "agree": self._on_agree,
        }

    # --- events from the client core ---------------------------------------

    def apply(self, event: Event, now: float) -> None:
        """Take in one event. Events the panel has no use for are ignored."""
        match event:
            case Connected():
                self.link = "connected"
                if self.started_at is None:
                    self.started_at = now
            case ConnectionLost(retry_in=retry_in):
                self.link, self.retry_in = "reconnecting", retry_in
            case SessionEnded(reason=reason):
                self.link, self.end_reason = "ended", reason
            case Knock():
                self._on_knock(event, now)
            case Presence(member=vk, state=state):
                self._on_presence(vk, state, now)
            case RosterChanged(epoch=epoch):
                # Who is seated we learn from admissions and presence, which
                # cannot lag behind a departure as a roster in flight can.
                self.epoch = epoch
            case GroupMessage(sender=vk, kind=kind, body=body):
                self._on_message(self._group_handlers, vk, kind, body, now)
            case DirectMessage(sender=vk, kind=kind, body=body):
                self._on_message(self._direct_handlers, vk, kind, body, now)

    def _on_message(self, handlers: dict[str, Handler], vk: bytes, kind: str,
                    body: dict[str, Any], now: float) -> None:
        p = self.participants.get(vk)
        handler = handlers.get(kind)
        # No participant: our own message, echoed back by the relay. No handler:
        # nothing for the panel (our own roster, floor and notices).
        if p is None or handler is None:
            return
        p.last_seen = now
        handler(p, body, now)

    def _on_knock(self, event: Knock, now: float) -> None:
        # Someone new has, until now, been nowhere.
        p = self.participants.setdefault(event.member, Participant(event.member, place=Place.GONE))
        p.name = event.name or p.name
        p.safety_code = event.safety_code
        if p.place is not Place.GONE:
            return  # the relay repeats knocks for everyone waiting after we reconnect
        # New, or back after leaving: they are safe, and must accept the agreement again.
        self._end_step_out(p)
        self._resolve(p.vk, Kind.OFFLINE)
        p.place, p.online, p.agreed, p.said_goodbye = Place.WAITING, True, event.returning, False
        p.knocked_at = p.last_seen = now
        self._raise(Kind.KNOCK, p.vk, now)

    def _on_presence(self, vk: bytes, state: str, now: float) -> None:
        if state == "gone":
            p = self.participants.get(vk)
            if p is not None:
                self._on_gone(p, now)
            return
        # online/offline are only reported for seated members (after a console
        # restart, before they introduce themselves, we may not know them yet).
        p = self._seat(vk, now)
        p.last_seen = now
        if state == "online":
            p.online, p.said_goodbye = True, False
            self._resolve(vk, Kind.OFFLINE)
        elif p.online:
            p.online = False
            if self._left_without_word(p):
                self._raise(Kind.OFFLINE, vk, now, escalate_at=now + self.offline_grace_seconds)

    def _on_gone(self, p: Participant, now: float) -> None:
        if p.place is Place.SEATED and self._left_without_word(p):
            dropped = next(self._open_items(p.vk, Kind.OFFLINE), None)
            if dropped is None:
                self._raise(Kind.OFFLINE, p.vk, now, escalate_at=now)
            elif dropped.escalate_at is not None and dropped.escalate_at > now:
                dropped.escalate_at = now  # the seat is given up: no need to wait
        p.online = False
        self._move_out(p, Place.GONE)

    @staticmethod
    def _left_without_word(p: Participant) -> bool:
        # A member who stepped out told us; their step-out timer watches over them.
        return not p.said_goodbye and p.stepped_out_since is None

    def _on_chat(self, p: Participant, body: dict[str, Any], now: float) -> None:
        p.messages += 1
        p.words += len(body["text"].split())

    def _on_hand(self, p: Participant, body: dict[str, Any], now: float) -> None:
        if not body["up"]:
            self._lower_hand(p)
        elif p.hand_since is None and p.place is Place.SEATED:
            p.hand_since = now
            self.stats.hands_raised += 1
            self._raise(Kind.HAND, p.vk, now)

    def _on_bye(self, p: Participant, body: dict[str, Any], now: float) -> None:
        p.said_goodbye = True
        self._lower_hand(p)
        self._end_step_out(p)

    def _on_trigger(self, p: Participant, body: dict[str, Any], now: float) -> None:
        self.stats.triggers += 1
        self._raise(Kind.TRIGGER, p.vk, now, note=body.get("note") or "")

    def _on_help(self, p: Participant, body: dict[str, Any], now: float) -> None:
        self.stats.help_requests += 1
        self._raise(Kind.HELP, p.vk, now)

    def _on_step_out(self, p: Participant, body: dict[str, Any], now: float) -> None:
        p.step_out_note = body.get("note") or ""
        if p.stepped_out_since is None:
            p.stepped_out_since = now
            self.stats.step_outs += 1
            self._start_step_out_timer(p, now)

    def _on_back(self, p: Participant, body: dict[str, Any], now: float) -> None:
        self._end_step_out(p)

    def _on_check_in_reply(self, p: Participant, body: dict[str, Any], now: float) -> None:
        status = body["status"]
        self.stats.check_in_replies[status] += 1
        kind = Kind.SUPPORT if status == "support" else Kind.CHECK_IN_REPLY
        self._raise(kind, p.vk, now, status=status, text=body.get("text") or "")
        self._restart_step_out_timer(p, now)

    def _on_private(self, p: Participant, body: dict[str, Any], now: float) -> None:
        self._raise(Kind.PRIVATE, p.vk, now, text=body["text"])

    def _on_introduce(self, p: Participant, body: dict[str, Any], now: float) -> None:
        p.name = body["name"]

    def _on_agree(self, p: Participant, body: dict[str, Any], now: float) -> None:
        if p.place not in (Place.WAITING, Place.HELD):
            return
        p.agreed = True
        # They can be admitted now: bring an acknowledged knock back to the panel.
        for item in self._open_items(p.vk, Kind.KNOCK):
            item.acknowledged_at = None

    # --- what the facilitator did -------------------------------------------

    def note_admitted(self, vk: bytes, now: float) -> None:
        self._seat(vk, now)

    def note_denied(self, vk: bytes, now: float) -> None:
        if p := self.participants.get(vk):
            self._move_out(p, Place.GONE)

    def note_held(self, vk: bytes, now: float) -> None:
        if p := self.participants.get(vk):
            self._end_step_out(p)
            self._move_out(p, Place.HELD, Kind.OFFLINE)

    def note_removed(self, vk: bytes, reason: str, now: float) -> None:
        if p := self.participants.get(vk):
            self.stats.removals[reason] += 1
            self._end_step_out(p)
            self._move_out(p, Place.GONE, Kind.OFFLINE)

    def note_floor_given(self, vk: bytes, now: float) -> None:
        if p := self.participants.get(vk):
            self._lower_hand(p)

    def note_check_in_sent(self, vk: bytes, now: float) -> None:
        if p := self.participants.get(vk):
            self.stats.check_ins_sent += 1
            p.last_check_in = now
            # Checked in: wait another check-in period for an answer.
            self._restart_step_out_timer(p, now)

    def note_private_sent(self, vk: bytes, now: float) -> None:
        """The facilitator answered privately: their private messages are handled."""
        self._resolve(vk, Kind.PRIVATE)

    def add_risk_cue(self, vk: bytes, category: str, severity: str, quote: str, now: float) -> None:
        """Risk language spotted in what a member wrote (found on this machine only)."""
        if vk in self.participants:
            self.stats.risk_cues[category] += 1
            self._raise(Kind.RISK, vk, now, category=category, severity=severity, quote=quote)

    def note_consent_answer(self, vk: bytes, answer: str, now: float) -> None:
        """A member answered the consent request the facilitator sent them."""
        if vk in self.participants:
            self._raise(Kind.CONSENT, vk, now, answer=answer)

    # --- the attention panel --------------------------------------------------

    def attention(self, now: float) -> list[AttentionItem]:
        """What still needs doing: by urgency, then oldest first."""
        items = [self._view(item, now) for item in self._unresolved.values() if item.is_open(now)]
        return sorted(items, key=lambda i: (i.rank, i.created, i.id))

    def acknowledge(self, item_id: int, now: float) -> bool:
        """Take an item off the panel. False if there is no such open item."""
        item = self._items.get(item_id)
        if item is None or not item.is_open(now):
            return False
        item.acknowledged_at = now
        return True

    def take_new_urgent(self, now: float) -> list[AttentionItem]:
        """Urgent items not announced yet, each returned once (ring the bell)."""
        new = [i for i in self.attention(now) if i.urgent and not self._items[i.id].announced]
        for item in new:
            self._items[item.id].announced = True
        return new

    def _raise(self, kind: Kind, vk: bytes, now: float, *,
               escalate_at: float | None = None, **details: str) -> _Item:
        for item in self._unresolved.values():
            # The same thing again while it is still on the panel: nothing new to show.
            if (item.kind, item.vk, item.details) == (kind, vk, details) \
                    and item.acknowledged_at is None:
                return item
        item = _Item(len(self._items) + 1, kind, vk, now, details, escalate_at)
        self._items[item.id] = self._unresolved[item.id] = item
        return item

    def _open_items(self, vk: bytes, *kinds: Kind) -> Iterator[_Item]:
        return (i for i in self._unresolved.values() if i.vk == vk and i.kind in kinds)

    def _resolve(self, vk: bytes, *kinds: Kind) -> None:
        """The situation ended (hand lowered, member back...): the items go."""
        for item in list(self._open_items(vk, *kinds)):
            item.resolved = True
            del self._unresolved[item.id]

    def _view(self, item: _Item, now: float) -> AttentionItem:
        kind = item.kind_at(now)
        summary = _summary(kind, item, self.participants[item.vk], now)
        return AttentionItem(item.id, kind, item.vk, summary, item.created, RANK[kind], kind in URGENT)

    # --- transitions shared by events and actions ---------------------------

    def _seat(self, vk: bytes, now: float) -> Participant:
        p = self.participants.get(vk)
        if p is None:
            p = self.participants[vk] = Participant(vk)
        if p.place is not Place.SEATED:
            # Only members who accepted the group agreement are ever admitted.
            p.place, p.online, p.agreed, p.said_goodbye = Place.SEATED, True, True, False
            p.joined_at = now
            self._resolve(vk, Kind.KNOCK)
            self.stats.peak_attendance = max(self.stats.peak_attendance, self.counts().seated)
        return p

    def _move_out(self, p: Participant, place: Place, *also_resolve: Kind) -> None:
        p.place = place
        self._lower_hand(p)
        self._resolve(p.vk, Kind.KNOCK, *also_resolve)

    def _lower_hand(self, p: Participant) -> None:
        p.hand_since = None
        self._resolve(p.vk, Kind.HAND)

    def _start_step_out_timer(self, p: Participant, now: float) -> None:
        self._raise(Kind.STEP_OUT, p.vk, now, escalate_at=now + self.check_in_seconds)

    def _restart_step_out_timer(self, p: Participant, now: float) -> None:
        if p.stepped_out_since is not None:
            self._resolve(p.vk, Kind.STEP_OUT)
            self._start_step_out_timer(p, now)

    def _end_step_out(self, p: Participant) -> None:
        p.stepped_out_since, p.step_out_note = None, ""
        self._resolve(p.vk, Kind.STEP_OUT)

    # --- queries for the screen -----------------------------------------------

    def hand_queue(self, now: float) -> list[HandWait]:
        """Raised hands, oldest first, with how long each has waited."""
        return [HandWait(p.vk, p.label, p.hand_since, now - p.hand_since)
                for p in self._raised_hands()]

    def oldest_hand(self) -> bytes | None:
        """Who ``n`` gives the floor to."""
        raised = self._raised_hands()
        return raised[0].vk if raised else None

    def _raised_hands(self) -> list[Participant]:
        raised = [p for p in self.participants.values() if p.hand_since is not None]
        return sorted(raised, key=lambda p: p.hand_since)

    def next_knock(self) -> bytes | None:
        """Who ``a`` admits when no knock is selected: the longest-waiting member
        who accepted the group agreement, else the longest-waiting one (so the
        console can say why it cannot admit them)."""
        waiting = [p for p in self.participants.values() if p.place is Place.WAITING]
        if not waiting:
            return None
        return min(waiting, key=lambda p: (not p.agreed, p.knocked_at)).vk

    def can_admit(self, vk: bytes) -> tuple[bool, str]:
        p = self.participants.get(vk)
        if p is None or p.place not in (Place.WAITING, Place.HELD):
            who = p.label if p else "That person"
            return False, f"{who} is not in the waiting room"
        if not p.agreed:
            return False, f"{p.label} has not accepted the group agreement yet"
        return True, ""

    def counts(self) -> Counts:
        by_state = Counter(p.state for p in self.participants.values())
        return Counts(
            present=by_state[State.PRESENT],
            stepped_out=by_state[State.STEPPED_OUT],
            offline=by_state[State.OFFLINE],
            waiting=by_state[State.WAITING],
            held=by_state[State.HELD],
        )

    def duration(self, now: float) -> float:
        """Seconds since the session started (0 before we first connected)."""
        return 0.0 if self.started_at is None else now - self.started_at

    def share_of_voice(self) -> dict[bytes, Voice]:
        """Messages, words and share of all member words for each participant.

        Seated members are flagged "quiet" or "dominant" against a fair share
        among those who have spoken, once enough have spoken to compare.
        """
        total = sum(p.words for p in self.participants.values())
        speakers = sum(1 for p in self.participants.values() if p.words)
        fair = 1 / speakers if speakers else 0.0
        voices = {}
        for p in self.participants.values():
            share = p.words / total if total else 0.0
            flag = ""
            if speakers >= MIN_SPEAKERS_FOR_FLAGS and p.place is Place.SEATED:
                if share > DOMINANT_FACTOR * fair:
                    flag = "dominant"
                elif share < QUIET_FACTOR * fair:
                    flag = "quiet"
            voices[p.vk] = Voice(p.messages, p.words, share, flag)
        return voices


# --- plain, kind words for a volunteer under stress -----------------------------

_REPLIES = {
    "ok": "answered your check-in: doing okay",
    "soon": "answered your check-in: back soon",
    "support": "asked for support now",
}


def _ago(seconds: float) -> str:
    return "just now" if seconds < 60 else f"{int(seconds // 60)} min ago"


def _span(seconds: float) -> str:
    return "under a minute" if seconds < 60 else f"{int(seconds // 60)} min"


def _with_note(text: str, note: str | None) -> str:
    return f"{text}: {note}" if note else text


def _step_out_text(p: Participant, item: _Item, now: float) -> str:
    since = p.stepped_out_since if p.stepped_out_since is not None else item.created
    text = _with_note(f"{p.label} stepped out {_ago(now - since)}", p.step_out_note)
    if p.last_check_in is not None and p.last_check_in >= since:
        text += f" — you checked in {_ago(now - p.last_check_in)}"
    return text


def _summary(kind: Kind, item: _Item, p: Participant, now: float) -> str:
    who, d = p.label, item.details
    match kind:
        case Kind.HELP:
            return f"{who} is asking for help now"
        case Kind.SUPPORT | Kind.CHECK_IN_REPLY:
            return _with_note(f"{who} {_REPLIES[d['status']]}", d["text"])
        case Kind.TRIGGER:
            return _with_note(f"{who} is finding this hard", d["note"])
        case Kind.RISK:
            return (f"{who} wrote something that may need a safeguarding check "
                    f"({d['category'].replace('_', ' ')}, {d['severity']}): \"{d['quote']}\"")
        case Kind.CONSENT:
            said = ("agreed to share their details — Enter to see them" if d["answer"] == "yes"
                    else "said no to sharing their details")
            return f"{who} {said}"
        case Kind.CHECK_IN_DUE:
            return _step_out_text(p, item, now) + " — check in now"
        case Kind.STEP_OUT:
            return _step_out_text(p, item, now)
        case Kind.LEFT_WITHOUT_WORD:
            went = "left" if p.place is Place.GONE else "went offline"
            return f"{who} {went} without saying goodbye"
        case Kind.OFFLINE:
            return f"{who} went offline {_ago(now - item.created)} — they may be reconnecting"
        case Kind.PRIVATE:
            return f"{who} sent you a private message: {d['text']}"
        case Kind.KNOCK:
            agreed = ("has accepted the group agreement" if p.agreed
                      else "has not accepted the group agreement yet")
            return f"{who} is waiting to join — safety code {p.safety_code} — {agreed}"
        case Kind.HAND:
            return f"{who} raised a hand — waiting {_span(now - item.created)}"
