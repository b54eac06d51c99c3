"""Co-facilitator trust without a relay: the lead's delegation, whom a member
takes facilitator kinds from, and revocation (docs/PROTOCOL.md "Co-facilitators").

Pure: no network, the clock passed in.
"""

from __future__ import annotations

import pytest

from holdspace.client import bodies
from holdspace.client.crypto import (Sealer, Verifier, delegation_valid, open_knock, seal_knock,
                                     sign_delegation)
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, new_epoch_key
from holdspace.client.trust import Trust

ROOM = bytes(range(16))
T0 = 1_000.0


class Party:
    def __init__(self, lead_vk: bytes | None = None) -> None:
        self.identity = Identity.generate()
        self.vk = self.identity.vk
        self.verifier = Verifier(self.identity, ROOM, lead_vk or self.vk)
        self.sealer = Sealer(self.identity, ROOM, self.verifier)


@pytest.fixture
def room():
    lead = Party()
    co, sam, relay = (Party(lead.vk) for _ in range(3))
    co.sealer.delegation = sign_delegation(lead.identity, ROOM, co.vk)
    key = new_epoch_key()
    for p in (lead, co, sam):
        p.verifier.keys.install(1, key, T0)
        p.verifier.set_roster(1, {lead.vk, co.vk, sam.vk})
    return lead, co, sam, relay, key


def roster_entries(lead, co, *, delegation=None):
    return [{"vk": lead.vk, "name": "Alex", "role": "facilitator"},
            {"vk": co.vk, "name": "Bo", "role": "cofacilitator",
             "delegation": co.sealer.delegation if delegation is None else delegation}]


def refused(reason, fn, *args, **kw):
    with pytest.raises(CryptoError) as info:
        fn(*args, **kw)
    assert info.value.reason == reason, info.value


def test_a_delegation_names_one_key_in_one_room_signed_by_the_lead():
    lead, co, other = Identity.generate(), Identity.generate(), Identity.generate()
    d = sign_delegation(lead, ROOM, co.vk)
    assert len(d) == 64 and delegation_valid(lead.vk, ROOM, co.vk, d)
    assert not delegation_valid(lead.vk, bytes(16), co.vk, d)        # another room
    assert not delegation_valid(lead.vk, ROOM, other.vk, d)          # another key
    assert not delegation_valid(other.vk, ROOM, co.vk, d)            # not the lead's word
    assert not delegation_valid(lead.vk, ROOM, co.vk, sign_delegation(other, ROOM, co.vk))
    assert not delegation_valid(lead.vk, ROOM, lead.vk, sign_delegation(lead, ROOM, lead.vk))
    assert not delegation_valid(lead.vk, ROOM, co.vk, d[:63])
    assert not delegation_valid(lead.vk, ROOM, co.vk, None)


def test_a_member_takes_a_key_from_a_delegated_co_facilitator(room):
    lead, co, sam, _, key = room
    ct = co.sealer.direct(sam.vk, "key", epoch=2, key=key)
    opened = sam.verifier.open_direct(co.vk, ct, only_facilitator=True)
    assert opened.body.kind == "key" and co.vk in sam.verifier.trust
    # now its group notices count as a facilitator's
    ct = co.sealer.group("notice", 1, key, text="Five minutes left.")
    assert sam.verifier.open_group(co.vk, 1, ct, T0).body["text"] == "Five minutes left."


def test_a_key_with_no_delegation_or_a_forged_one_is_nobody(room):
    lead, co, sam, relay, key = room
    refused("not_from_facilitator", sam.verifier.open_direct, relay.vk,
            relay.sealer.direct(sam.vk, "key", epoch=2, key=key), only_facilitator=True)
    relay.sealer.delegation = sign_delegation(relay.identity, ROOM, relay.vk)  # signed by itself
    refused("not_from_facilitator", sam.verifier.open_direct, relay.vk,
            relay.sealer.direct(sam.vk, "check_in", text="hi"), only_facilitator=True)
    relay.sealer.delegation = co.sealer.delegation  # the co's delegation, replayed for another key
    refused("not_from_facilitator", sam.verifier.open_direct, relay.vk,
            relay.sealer.direct(sam.vk, "key", epoch=2, key=key), only_facilitator=True)
    assert sam.verifier.trust.facilitators == (lead.vk,)


def test_an_untrusted_party_cannot_send_facilitator_notices(room):
    lead, co, sam, _, key = room
    refused("facilitator_only", sam.verifier.open_group, co.vk, 1,
            co.sealer.group("notice", 1, key, text="x"), T0)


def test_a_roster_with_a_bad_delegation_is_refused_whole(room):
    lead, co, sam, relay, key = room
    for bad in (bytes(64), sign_delegation(relay.identity, ROOM, co.vk)):
        ct = lead.sealer.group("roster", 1, key, members=roster_entries(lead, co, delegation=bad))
        refused("bad_delegation", sam.verifier.open_group, lead.vk, 1, ct, T0)
    missing = [{"vk": co.vk, "name": "Bo", "role": "cofacilitator"}]
    refused("bad_delegation", sam.verifier.open_group, lead.vk, 1,
            lead.sealer.group("roster", 1, key, members=missing), T0)
    assert co.vk not in sam.verifier.trust


def test_a_roster_from_the_lead_trusts_then_revokes(room):
    lead, co, sam, _, key = room
    trust = sam.verifier.trust
    body = sam.verifier.open_group(lead.vk, 1, lead.sealer.group("roster", 1, key,
                                                                 members=roster_entries(lead, co)), T0).body
    assert trust.apply_roster(lead.vk, body.members) == ([co.vk], [])
    # a co-facilitator's roster cannot revoke anyone; the lead's can
    assert trust.apply_roster(co.vk, body.members[:1]) == ([], [])
    assert trust.apply_roster(lead.vk, body.members[:1]) == ([], [co.vk])
    # revoked stays revoked on anyone's word but the lead's: its own roster, its delegation
    assert trust.apply_roster(co.vk, body.members) == ([], [])
    assert not trust.learn(co.vk, sign_delegation(lead.identity, ROOM, co.vk))
    refused("not_from_facilitator", sam.verifier.open_direct, co.vk,
            co.sealer.direct(sam.vk, "check_in", text="hi"), only_facilitator=True)
    # a roster of the lead's that lists it again (QA2 #12: a restarted lead let it back in)
    assert trust.apply_roster(lead.vk, body.members) == ([co.vk], [])


def test_at_most_two_co_facilitators():
    lead = Identity.generate()
    trust = Trust(ROOM, lead.vk)
    cos = [Identity.generate() for _ in range(3)]
    entries = [{"vk": c.vk, "name": "x", "role": "cofacilitator",
                "delegation": sign_delegation(lead, ROOM, c.vk)} for c in cos]
    trust.check_roster(entries[:2])
    refused("bad_delegation", trust.check_roster, entries)


def test_only_facilitators_send_each_other_handling_did_handover(room):
    lead, co, sam, _, key = room
    for kind, fields in (("handling", {"member": sam.vk, "item": "help", "state": "ack"}),
                         ("did", {"action": "admit", "member": sam.vk}),
                         ("handover", {"epoch": 2, "key": key, "members": []})):
        refused("facilitator_only", lead.verifier.open_direct, sam.vk,
                sam.sealer.direct(lead.vk, kind, **fields), only_facilitator=False)
        lead.verifier.trust.learn(co.vk, co.sealer.delegation)
        assert lead.verifier.open_direct(co.vk, co.sealer.direct(lead.vk, kind, **fields),
                                         only_facilitator=False).body.kind == kind


def test_an_agreement_names_co_facilitators_and_a_knock_its_role(room):
    lead, co, sam, _, _ = room
    ct = lead.sealer.direct(sam.vk, "agreement", text="Be kind.", resources="999",
                            cofacilitators=[{"vk": co.vk, "delegation": co.sealer.delegation}])
    body = sam.verifier.open_direct(lead.vk, ct, only_facilitator=True).body
    assert [c.vk for c in body.cofacilitators] == [co.vk]
    knock = open_knock(lead.identity, co.vk, seal_knock(co.identity, lead.vk, "Bo", "x", "cofacilitator"))
    assert knock.role == "cofacilitator"
    assert open_knock(lead.identity, sam.vk, seal_knock(sam.identity, lead.vk, "Sam", "x")).role is None
    with pytest.raises(bodies.BodyError):
        knock = bodies.Knock(name="S", client="x", role="lead")  # type: ignore[arg-type]
        bodies.decode_knock(bodies.encode(knock))


def test_a_member_keeps_nothing_for_senders_it_does_not_trust(room):
    lead, co, sam, relay, key = room
    for _ in range(3):
        stranger = Party(lead.vk)
        refused("not_from_facilitator", sam.verifier.open_direct, stranger.vk,
                stranger.sealer.direct(sam.vk, "private", text="hi"), only_facilitator=True)
    assert sam.verifier._shared == {}
