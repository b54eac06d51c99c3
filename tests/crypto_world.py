"""A small world for the crypto tests: a facilitator, two seated members, someone outside, and a sample of every kind."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

from holdspace.client.crypto import Sealer, Verifier
from holdspace.client.errors import REASONS, CryptoError
from holdspace.client.identity import Identity, new_epoch_key


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

ROOM = bytes(range(16))
OTHER_ROOM = bytes(range(16, 32))
T0 = 1_000.0  # the clock, passed in


@dataclass
class Party:
    identity: Identity
    verifier: Verifier
    sealer: Sealer

    @property
    def vk(self) -> bytes:
        return self.identity.vk


@dataclass
class World:
    fac: Party
    sam: Party
    ana: Party
    eve: Party  # not admitted; given the key only where a test says so
    key: bytes
    epoch: int = 1


def _party(identity: Identity, fac_vk: bytes, room: bytes = ROOM) -> Party:
    verifier = Verifier(identity, room, fac_vk)
    return Party(identity, verifier, Sealer(identity, room, verifier))


def make_world() -> World:
    fac_id = Identity.generate()
    parties = [_party(fac_id, fac_id.vk)] + [_party(Identity.generate(), fac_id.vk) for _ in range(3)]
    key = new_epoch_key()
    fac, sam, ana, eve = parties
    roster = {fac.vk, sam.vk, ana.vk}
    for p in (fac, sam, ana, eve):
        p.verifier.keys.install(1, key, T0)
        p.verifier.set_roster(1, roster)
    return World(fac, sam, ana, eve, key)


@pytest.fixture
def world() -> World:
    return make_world()


def refused(reason: str, fn, *args, **kwargs) -> CryptoError:
    """The call is refused with exactly ``reason``, a reason the UI can explain."""
    with pytest.raises(CryptoError) as info:
        fn(*args, **kwargs)
    assert info.value.reason == reason, info.value
    assert reason in REASONS
    assert info.value.plain == REASONS[reason]
    return info.value


GROUP_SAMPLES = {
    "chat": {"text": "I'm glad to be here tonight.", "cw": "loss"},
    "hand": {"up": True},
    "bye": {},
    "roster": {"members": [{"vk": bytes(32), "name": "Alex", "role": "facilitator"}]},
    "floor": {"to": bytes(range(32))},
    "notice": {"text": "Five minutes left."},
}
DIRECT_SAMPLES = {
    "key": {"epoch": 2, "key": bytes(range(32)), "intro": True, "since": 1_700_000_000_000_000},
    "key_ok": {"epoch": 2},
    "key_current": {"epoch": 2, "asked": 1_700_000_000_000_001},
    "private": {"text": "Are you okay?"},
    "trigger": {"note": "the last story"},
    "step_out": {"note": "getting water"},
    "back": {},
    "check_in": {"text": "How are you doing?"},
    "check_in_reply": {"status": "support", "text": "not great"},
    "help": {},
    "introduce": {"name": "Sam", "epoch": 2},
    "agreement": {"text": "What is shared here stays here.", "resources": "Call 999."},
    "agree": {},
    "resources": {"text": "Samaritans: 116 123."},
    "consent_request": {"reason": "I am worried about your safety.", "contact": "a crisis line"},
    "consent_reply": {"answer": "yes", "details": {"where": "home", "contact": "my sister"}},
    "hello": {"name": "Sam"},
    "handling": {"member": bytes(range(32)), "item": "trigger", "state": "taking"},
    "did": {"action": "remove", "member": bytes(range(32)), "name": "Sam"},
    "handover": {"epoch": 3, "key": bytes(range(32)),
                 "members": [{"vk": bytes(range(32)), "name": "Sam", "role": "member"}]},
    "leaving": {},
    "briefing": {"waiting": [{"vk": bytes(range(32)), "name": "Sam", "agreed": True}],
                 "open": [{"member": bytes(range(32)), "item": "help", "ago": 42}]},
}
# (kinds between facilitators go from the lead here: a member's verifier trusts it)
FAC_TO_MEMBER = frozenset({"key", "key_current", "private", "check_in", "agreement", "resources",
                           "consent_request", "handling", "did", "handover", "leaving", "briefing"})


def direct_ends(w: World, kind: str) -> tuple[Party, Party]:
    return (w.fac, w.sam) if kind in FAC_TO_MEMBER else (w.sam, w.fac)
