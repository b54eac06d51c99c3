"""The member page's rules for co-facilitators (docs/PROTOCOL.md, "Co-facilitators"),
run in its own bundle under node: only the lead's signature makes a co-facilitator;
one is trusted from its roster entry, its direct's delegation or the agreement,
and a roster signed by the lead that leaves it out revokes it for good."""

from __future__ import annotations

from typing import Any

from nacl.signing import SigningKey

from holdspace.client.crypto import seal_direct, seal_group
from holdspace.client.identity import Identity, make_box
from holdspace.client import trust
from holdspace.client.errors import CryptoError
from tests.test_web_interop import EPOCH, FAC, KEY, LOW_ORDER, MEMBER, OTHER, ROOM, direct_body, group_body, run

CONTEXT = b"holdspace/v1/cofacilitator"
CO = Identity.from_seed(b"c" * 32)
CO2 = Identity.from_seed(b"d" * 32)


def delegation(co_vk: bytes, signer: Identity = FAC, room: bytes = ROOM) -> bytes:
    """What the lead's console signs to make co_vk a co-facilitator of room."""
    return SigningKey(signer.seed).sign(CONTEXT + room + co_vk).signature


GOOD = delegation(CO.vk)
FORGED = delegation(CO.vk, signer=OTHER)  # a relay (or anyone) signing in the lead's place


def entry(who: Identity, role: str = "member", sig: bytes | None = None) -> dict[str, Any]:
    fields = {"vk": who.vk, "name": "Jo", "role": role}
    return fields if sig is None else {**fields, "delegation": sig}


def ask(op: str, **fields: Any) -> dict[str, Any]:
    return run([{"op": op, "room": ROOM, "facilitator_vk": FAC.vk, **fields}])[0]


def test_only_the_leads_signature_for_this_room_and_key_is_a_delegation() -> None:
    cases = [(CO.vk, GOOD, True), (CO.vk, FORGED, False), (CO2.vk, GOOD, False),
             (CO.vk, delegation(CO.vk, room=bytes(16)), False), (CO.vk, bytes(64), False),
             (FAC.vk, delegation(FAC.vk), False),  # the lead needs none
             (LOW_ORDER[2], delegation(LOW_ORDER[2]), False)]  # a key nobody could write to safely
    answers = run([{"op": "delegation_valid", "facilitator_vk": FAC.vk, "room": ROOM, "co_vk": vk, "sig": sig}
                   for vk, sig, _ in cases])
    assert [a["valid"] for a in answers] == [valid for *_, valid in cases]


def key_from(sender: Identity, sig: bytes | None) -> bytes:
    fields = {"epoch": EPOCH, "key": KEY} | ({} if sig is None else {"delegation": sig})
    return seal_direct(make_box(sender, MEMBER.vk), direct_body("key", fields, MEMBER.vk))


def test_a_co_facilitators_key_is_taken_only_with_the_leads_delegation() -> None:
    answers = run([{"op": "open_direct", "seed": MEMBER.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                    "sender": CO.vk, "ct": key_from(CO, sig)} for sig in (GOOD, FORGED, None)])
    assert answers[0]["body"]["key"] == KEY
    # As client/crypto.py: a signature that is not the lead's makes nobody a facilitator.
    assert [a.get("error") for a in answers[1:]] == ["not_from_facilitator", "not_from_facilitator"]


def test_group_messages_from_a_trusted_co_facilitator_and_rosters_with_forged_entries() -> None:
    trusted = [{"vk": CO.vk, "delegation": GOOD}]
    notice = seal_group(CO, KEY, group_body("notice", {"text": "Break"}))
    good_roster = seal_group(CO, KEY, group_body("roster", {"members": [
        entry(FAC, "facilitator"), entry(CO, "cofacilitator", GOOD), entry(MEMBER)]}))
    forged = seal_group(FAC, KEY, group_body("roster", {"members": [
        entry(FAC, "facilitator"), entry(CO2, "cofacilitator", delegation(CO2.vk, signer=OTHER)), entry(MEMBER)]}))
    bare = seal_group(FAC, KEY, group_body("roster", {"members": [entry(CO, "cofacilitator")]}))
    three = [Identity.from_seed(bytes([i]) * 32) for i in range(3)]
    too_many = seal_group(FAC, KEY, group_body("roster", {"members": [
        entry(co, "cofacilitator", delegation(co.vk)) for co in three]}))
    cases = [(CO.vk, notice, trusted), (CO.vk, notice, []), (CO.vk, good_roster, trusted),
             (FAC.vk, forged, []), (FAC.vk, bare, []), (FAC.vk, too_many, [])]
    answers = run([{"op": "open_group", "seed": MEMBER.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                    "epoch": EPOCH, "key": KEY, "roster": [FAC.vk, MEMBER.vk], "sender": sender,
                    "ct": ct, "trusted": t} for sender, ct, t in cases])
    assert answers[0]["body"]["text"] == "Break"
    assert answers[1]["error"] == "not_in_roster"  # an untrusted key is nobody
    assert answers[2]["body"]["members"][1]["delegation"] == GOOD
    assert answers[3]["error"] == "bad_delegation"  # refused whole
    assert answers[4]["error"] == "malformed"  # a co-facilitator entry needs its delegation
    assert answers[5]["error"] == "bad_delegation"  # a room has at most 2


def test_trust_comes_from_rosters_and_only_the_lead_revokes() -> None:
    with_co = [entry(FAC, "facilitator"), entry(CO, "cofacilitator", GOOD), entry(MEMBER)]
    without = [entry(FAC, "facilitator"), entry(MEMBER)]
    steps = ask("trust_after", rosters=[
        [FAC.vk, with_co],        # trusted from the lead's roster
        [CO2.vk, without],        # (a roster a co-facilitator signed does not revoke)
        [FAC.vk, without],        # the lead's roster leaves it out: revoked
        [CO2.vk, with_co],        # ... and nobody else's word brings it back
        [FAC.vk, with_co],        # only the lead's roster listing it again (QA2 #12)
        [FAC.vk, [entry(CO2, "cofacilitator", delegation(CO2.vk, signer=CO))]],
    ])["steps"]
    assert steps[:5] == [{"cos": [CO.vk]}, {"cos": [CO.vk]}, {"cos": []}, {"cos": []}, {"cos": [CO.vk]}]
    assert steps[5] == {"error": "bad_delegation"}  # a co-facilitator cannot delegate


def test_the_agreement_names_the_co_facilitators_a_waiting_member_may_write_to() -> None:
    def agreement(cos: list[dict[str, Any]]) -> bytes:
        body = direct_body("agreement", {"text": "t", "resources": "r", "cofacilitators": cos}, MEMBER.vk)
        return seal_direct(make_box(FAC, MEMBER.vk), body)

    answers = run([{"op": "open_direct", "seed": MEMBER.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                    "sender": FAC.vk, "ct": agreement(cos)}
                   for cos in ([{"vk": CO.vk, "delegation": GOOD}], [{"vk": CO.vk, "delegation": FORGED}])])
    assert answers[0]["body"]["cofacilitators"] == [{"vk": CO.vk, "delegation": GOOD}]
    # The lead's own agreement is taken; a co-facilitator in it without a valid
    # delegation is simply not trusted (the session accepts each one: trust.js).
    assert answers[1]["body"]["cofacilitators"] == [{"vk": CO.vk, "delegation": FORGED}]


def test_the_page_and_the_terminal_client_trust_the_same_keys() -> None:
    """Side by side with client/trust.py: the same delegations valid, the same
    rosters refused, the same co-facilitators trusted after each roster."""
    cases = [(vk, sig) for vk in (CO.vk, CO2.vk, FAC.vk)
             for sig in (delegation(vk), delegation(vk, signer=OTHER), delegation(vk, signer=CO),
                         delegation(vk, room=bytes(16)), GOOD, bytes(64))]
    answers = run([{"op": "delegation_valid", "facilitator_vk": FAC.vk, "room": ROOM, "co_vk": vk, "sig": sig}
                   for vk, sig in cases])
    assert [a["valid"] for a in answers] == [trust.delegation_valid(FAC.vk, ROOM, vk, sig) for vk, sig in cases]
    assert sum(a["valid"] for a in answers) == 3  # the lead's signatures for CO (twice: GOOD) and CO2

    with_co = [entry(FAC, "facilitator"), entry(CO, "cofacilitator", GOOD), entry(MEMBER)]
    both = [*with_co, entry(CO2, "cofacilitator", delegation(CO2.vk))]
    without = [entry(FAC, "facilitator"), entry(MEMBER)]
    three = [*both, {"vk": OTHER.vk, "name": "Kim", "role": "cofacilitator", "delegation": delegation(OTHER.vk)}]
    rosters = [[CO.vk, both], [FAC.vk, with_co], [FAC.vk, three], [CO.vk, without], [FAC.vk, without],
               [FAC.vk, both], [FAC.vk, [entry(CO2, "cofacilitator", FORGED)]]]
    python = trust.Trust(ROOM, FAC.vk)
    expected = []
    for sender, members in rosters:
        try:
            python.check_roster(members)
        except CryptoError as exc:
            expected.append({"error": exc.reason})
            continue
        python.apply_roster(sender, members)
        expected.append({"cos": list(python.cofacilitators)})
    assert ask("trust_after", rosters=rosters)["steps"] == expected
