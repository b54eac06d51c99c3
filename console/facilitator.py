"""The facilitator's view of a live session, without a screen.

``SessionModel`` folds the typed events of the client core (client/events.py)
and what the facilitator did (``note_*``) into what the console shows: who is
here and how they are (people.py), the raised-hand queue, share of voice, and
the attention queue (attention_queue.py). Time is always passed in, never read
from a clock, so the model is deterministic and its tests use plain numbers.

Everything here lives in memory only. ``Statistics`` identifies nobody; the
rest (names, notes, quotes) is confidential to the group.
"""

from __future__ import annotations

from collections.abc import Callable
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
from holdspace.console.attention_queue import AttentionItem, AttentionQueue, Kind
from holdspace.console.people import (MEMBER, Counts, HandWait, Participant, Place, State, Statistics, Voice,
                                      count, share_of_voice)

__all__ = ["AttentionItem", "Counts", "HandWait", "Kind", "Participant", "Place", "SessionModel",
           "State", "Statistics", "Voice"]


# What someone in the waiting room, never let in, sends that the panel takes as
# such; anything else stays in their knock item.
FROM_THE_WAITING_ROOM = frozenset({"agree", "introduce"})
WAITING_WORDS = {"help": "asked for help", "trigger": "is finding this hard",
                 "step_out": "stepped out", "back": "is back", "check_in_reply": "answered a check-in"}

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
        self.queue = AttentionQueue(self.participants)
        self._group_handlers: dict[str, Handler] = {
            "chat": self._on_chat,
            "hand": self._on_hand,
            "bye": self._on_bye,
            "floor": self._on_floor,
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
                for p in self.participants.values():  # nobody is here any more, as far as we can know
                    p.online = False
                    self._move_out(p, Place.GONE)
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
        # nothing for the panel (rosters and notices).
        if p is None or handler is None:
            return
        p.last_seen = now
        if p.joined_at is None and kind not in FROM_THE_WAITING_ROOM and not self._asks_help(p, kind):
            self._said_while_waiting(p, WAITING_WORDS.get(kind, "wrote"),
                                     body.get("text") or body.get("note") or "")
            return
        handler(p, body, now)

    @staticmethod
    def _asks_help(p: Participant, kind: str) -> bool:
        """A call for help from someone who accepted the agreement (or was in the
        group before a restart) is a help item at once, let in or not: they were
        told the facilitator has been asked. A stranger's stays in their knock."""
        return kind == "help" and p.agreed and p.place is not Place.GONE

    def _said_while_waiting(self, p: Participant, what: str, text: str) -> None:
        """Someone never let in stays in their one knock item, whatever they send:
        a waiting-room flood fills no urgent tier and rings no bell."""
        p.waiting_said = f"{what}: {text}" if text else what
        for item in self.queue.open_items(p.vk, Kind.KNOCK):
            item.acknowledged_at = None

    def _on_knock(self, event: Knock, now: float) -> None:
        # Someone new has, until now, been nowhere.
        p = self.participants.setdefault(event.member, Participant(event.member, place=Place.GONE))
        p.name = event.name or p.name
        p.safety_code = event.safety_code
        if p.place is not Place.GONE:
            return  # the relay repeats knocks for everyone waiting after we reconnect
        # New, or back after leaving: they are safe, and must accept the agreement again.
        self._end_step_out(p)
        self.queue.resolve(p.vk, Kind.OFFLINE)
        p.place, p.online, p.agreed, p.said_goodbye = Place.WAITING, True, event.returning, False
        p.removed = False
        p.waiting_said = ""
        p.knocked_at = p.last_seen = now
        # Returning: seated before our restart (the relay's word, so still let in by hand).
        self.queue.raise_(Kind.KNOCK, p.vk, now, **({"returning": "yes"} if event.returning else {}))

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
            self.queue.resolve(vk, Kind.OFFLINE)
        elif p.online:
            p.online = False
            if self._left_without_word(p):
                self.queue.raise_(Kind.OFFLINE, vk, now, escalate_at=now + self.offline_grace_seconds)

    def _on_gone(self, p: Participant, now: float) -> None:
        if p.place is Place.SEATED and self._left_without_word(p):
            dropped = next(self.queue.open_items(p.vk, Kind.OFFLINE), None)
            if dropped is None:
                self.queue.raise_(Kind.OFFLINE, p.vk, now, escalate_at=now)
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
            self.queue.raise_(Kind.HAND, p.vk, now)

    def _on_bye(self, p: Participant, body: dict[str, Any], now: float) -> None:
        p.said_goodbye = True
        self._lower_hand(p)
        self._end_step_out(p)

    def _on_floor(self, p: Participant, body: dict[str, Any], now: float) -> None:
        # Another facilitator gave someone the floor: their hand is down on every console.
        if p.role != MEMBER and (to := self.participants.get(body["to"])) is not None:
            self._lower_hand(to)

    def _on_trigger(self, p: Participant, body: dict[str, Any], now: float) -> None:
        self.stats.triggers += 1
        self.queue.raise_(Kind.TRIGGER, p.vk, now, note=body.get("note") or "")

    def _on_help(self, p: Participant, body: dict[str, Any], now: float) -> None:
        self.stats.help_requests += 1
        self.queue.raise_(Kind.HELP, p.vk, now)

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
        self.queue.raise_(kind, p.vk, now, status=status, text=body.get("text") or "")
        self._restart_step_out_timer(p, now)

    def _on_private(self, p: Participant, body: dict[str, Any], now: float) -> None:
        self.queue.raise_(Kind.PRIVATE, p.vk, now, text=body["text"])

    def _on_introduce(self, p: Participant, body: dict[str, Any], now: float) -> None:
        p.name = body["name"]

    def _on_agree(self, p: Participant, body: dict[str, Any], now: float) -> None:
        if p.place not in (Place.WAITING, Place.HELD):
            return
        p.agreed = True
        # They can be admitted now: bring an acknowledged knock back to the panel.
        for item in self.queue.open_items(p.vk, Kind.KNOCK):
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

    def note_knock_context(self, vk: bytes, link: str, flag: str, co: bool = False) -> None:
        """What the waiting-room item adds: the link they used, a warning when
        they match someone removed (console/links.py), a co-facilitator's link."""
        for item in self.queue.open_items(vk, Kind.KNOCK):
            item.details.update(link=link, flag=flag, co="1" if co else "")

    def note_removed(self, vk: bytes, reason: str, now: float) -> None:
        if p := self.participants.get(vk):
            self.stats.removals[reason] += 1
            p.removed = True
            self._end_step_out(p)
            # Nothing is left to answer; what concerned their safety stays, marked.
            self._move_out(p, Place.GONE, Kind.OFFLINE, Kind.PRIVATE, Kind.CHECK_IN_REPLY)

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
        self.queue.resolve(vk, Kind.PRIVATE)

    def add_risk_cue(self, vk: bytes, category: str, severity: str, quote: str, now: float,
                     label: str = "", term: str = "") -> None:
        """Risk language spotted in what a member wrote (found on this machine only);
        ``term`` is the words that matched, shown so the facilitator can judge the cue."""
        p = self.participants.get(vk)
        if p is not None and p.joined_at is None:
            self._said_while_waiting(p, "wrote", quote)
        elif p is not None:
            self.stats.risk_cues[category] += 1
            self.queue.raise_(Kind.RISK, vk, now, category=category, severity=severity, quote=quote,
                              label=label or category.replace("_", " "), term=term)

    def note_consent_answer(self, vk: bytes, answer: str, now: float) -> None:
        """A member answered the consent request the facilitator sent them."""
        if vk in self.participants:
            self.queue.raise_(Kind.CONSENT, vk, now, answer=answer)

    # --- the attention panel --------------------------------------------------

    def attention(self, now: float) -> list[AttentionItem]:
        """What still needs doing: by urgency, then oldest first."""
        return self.queue.items(now)

    def acknowledge(self, item_id: int, now: float) -> bool:
        """Take an item off the panel. False if there is no such open item."""
        return self.queue.acknowledge(item_id, now)

    def take_new_urgent(self, now: float) -> list[AttentionItem]:
        """Urgent items not announced yet, each returned once (ring the bell)."""
        return self.queue.take_new_urgent(now)

    def forget_everyone(self) -> None:
        """Nobody of this session is ours to see any more (a co-facilitator removed)."""
        self.participants.clear()  # in place: others hold this dict
        self.stats, self.queue = Statistics(), AttentionQueue(self.participants)

    # --- transitions shared by events and actions ---------------------------

    def _seat(self, vk: bytes, now: float) -> Participant:
        p = self.participants.get(vk)
        if p is None:
            p = self.participants[vk] = Participant(vk)
        if p.place is not Place.SEATED:
            # Only members who accepted the group agreement are ever admitted.
            p.place, p.online, p.agreed, p.said_goodbye = Place.SEATED, True, True, False
            p.joined_at = now
            self.queue.resolve(vk, Kind.KNOCK)
            self.stats.peak_attendance = max(self.stats.peak_attendance, self.counts().seated)
        return p

    def _move_out(self, p: Participant, place: Place, *also_resolve: Kind) -> None:
        p.place = place
        self._lower_hand(p)
        self.queue.resolve(p.vk, Kind.KNOCK, *also_resolve)

    def _lower_hand(self, p: Participant) -> None:
        p.hand_since = None
        self.queue.resolve(p.vk, Kind.HAND)

    def _start_step_out_timer(self, p: Participant, now: float) -> None:
        self.queue.raise_(Kind.STEP_OUT, p.vk, now, escalate_at=now + self.check_in_seconds)

    def _restart_step_out_timer(self, p: Participant, now: float) -> None:
        if p.stepped_out_since is not None:
            self.queue.resolve(p.vk, Kind.STEP_OUT)
            self._start_step_out_timer(p, now)

    def _end_step_out(self, p: Participant) -> None:
        p.stepped_out_since, p.step_out_note = None, ""
        self.queue.resolve(p.vk, Kind.STEP_OUT)

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

    def can_admit(self, vk: bytes) -> tuple[bool, str]:
        p = self.participants.get(vk)
        if p is None or p.place not in (Place.WAITING, Place.HELD):
            who = p.label if p else "That person"
            return False, f"{who} is not in the waiting room"
        if not p.agreed:
            return False, f"{p.label} has not accepted the group agreement yet"
        return True, ""

    def counts(self) -> Counts:
        return count(list(self.participants.values()))

    def duration(self, now: float) -> float:
        """Seconds since the session started (0 before we first connected)."""
        return 0.0 if self.started_at is None else now - self.started_at

    def share_of_voice(self) -> dict[bytes, Voice]:
        """Messages, words and share of all member words; seated members are
        flagged "quiet" or "dominant" once enough have spoken (people.py)."""
        return share_of_voice(list(self.participants.values()))
