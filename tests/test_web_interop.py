"""The page's bundle (run with node) and the Python client agree, both ways, on
every body kind, on key conversion, safety codes, invite links and the wire's
whole-number rule: a member in a browser and one in a terminal are the same
member to everyone else."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import msgpack
import pytest
from nacl.signing import SigningKey

from holdspace.client import bodies as payloads
from holdspace.client.crypto import Verifier, open_knock, seal_direct, seal_group, seal_knock
from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, box_public_key, invite_hash, make_box, safety_code
from holdspace.client.invites import InviteLink
from tests.web_tools import BUNDLE, ROOT, node

ROOM = bytes(range(16))
EPOCH = 1_764_400_000_000  # a facilitator's first epoch: the clock in ms
N = 1_764_400_000_000_001  # a counter: the clock in microseconds
KEY = bytes(range(100, 132))
FAC = Identity.from_seed(b"f" * 32)
MEMBER = Identity.from_seed(b"m" * 32)
OTHER = Identity.from_seed(b"o" * 32)
CO = Identity.from_seed(b"c" * 32)
# The lead's delegation of CO (docs/PROTOCOL.md "Co-facilitators"): a real one, as
# the page refuses a roster naming a co-facilitator without it.
DELEGATION = SigningKey(FAC.seed).sign(b"holdspace/v1/cofacilitator" + ROOM + CO.vk).signature


def run(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send requests to the bundle under node; bytes travel as {"$b": hex}."""
    out = subprocess.run([node(), str(ROOT / "tests/web/interop.mjs"), str(BUNDLE)],
                         input=json.dumps(_to_json(requests)), capture_output=True, text=True,
                         timeout=60, check=True)
    return _from_json(json.loads(out.stdout))


def _to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b": value.hex()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$b"}:
            return bytes.fromhex(value["$b"])
        return {k: _from_json(v) for k, v in value.items()}
    return value


# One full body (every optional field present) and one bare body per kind.
GROUP_FIELDS = {
    "chat": ({"text": "hello, wörld 👋", "cw": "loss"}, {"text": ""}),
    "hand": ({"up": True}, {"up": False}),
    "bye": ({}, {}),
    "roster": ({"members": [{"vk": FAC.vk, "name": "Sam", "role": "facilitator"},
                            {"vk": MEMBER.vk, "name": "Alex", "role": "member"},
                            {"vk": CO.vk, "name": "Jo", "role": "cofacilitator", "delegation": DELEGATION}]},
               {"members": []}),
    "floor": ({"to": MEMBER.vk}, {"to": MEMBER.vk}),
    "notice": ({"text": "Break for five minutes"}, {"text": "x" * 8000}),
}
DIRECT_FIELDS = {
    "key": ({"epoch": EPOCH, "key": KEY, "intro": True, "since": N}, {"epoch": 0, "key": KEY}),
    "key_ok": ({"epoch": EPOCH}, {"epoch": 0}),
    "key_current": ({"epoch": EPOCH, "asked": N}, {"epoch": 0, "asked": 0}),
    "private": ({"text": "can we talk?", "delegation": DELEGATION}, {"text": ""}),  # a co-facilitator's carry it
    "trigger": ({"note": "the last story"}, {}),
    "step_out": ({"note": "getting water"}, {}),
    "back": ({}, {}),
    "check_in": ({"text": "How are you doing?"}, {"text": ""}),
    "check_in_reply": ({"status": "support", "text": "not great"}, {"status": "ok"}),
    "help": ({}, {}),
    "introduce": ({"name": "Alex", "epoch": EPOCH}, {"name": "", "epoch": 0}),
    "agreement": ({"text": "What is said here stays here.", "resources": "Call 116 123",
                   "cofacilitators": [{"vk": CO.vk, "delegation": DELEGATION}]},
                  {"text": "", "resources": ""}),
    "agree": ({}, {}),
    "resources": ({"text": "Samaritans: 116 123"}, {"text": ""}),
    "consent_request": ({"reason": "I am worried", "contact": "a crisis line"}, {"reason": ""}),
    "consent_reply": ({"answer": "yes", "details": {"where": "home", "contact": "Jo 0123"}},
                      {"answer": "no"}),
    # Co-facilitators: a member greets one; facilitators tell each other (the page
    # reads these, and acts on none).
    "hello": ({"name": "Alex"}, {"name": ""}),
    "handling": ({"member": MEMBER.vk, "item": "trigger", "state": "taking"},
                 {"member": MEMBER.vk, "item": "help", "state": "ack"}),
    "did": ({"action": "remove", "member": MEMBER.vk, "name": "Alex"}, {"action": "admit", "member": MEMBER.vk}),
    "handover": ({"epoch": EPOCH, "key": KEY, "members": [{"vk": MEMBER.vk, "name": "Alex", "role": "member"}]},
                 {"epoch": 0, "key": KEY, "members": []}),
    "leaving": ({}, {}),
    "briefing": ({"waiting": [{"vk": MEMBER.vk, "name": "Alex", "agreed": True}],
                  "open": [{"member": MEMBER.vk, "item": "hand", "ago": 95}]},
                 {"waiting": [], "open": []}),
}


def test_every_body_kind_is_covered() -> None:
    assert set(GROUP_FIELDS) == set(payloads.GROUP_KINDS)
    assert set(DIRECT_FIELDS) == set(payloads.DIRECT_KINDS)


def group_body(kind: str, fields: dict[str, Any], n: int = N) -> dict[str, Any]:
    return {"k": kind, "room": ROOM, "epoch": EPOCH, "n": n, "ts": 1_764_400_000, **fields}


def direct_body(kind: str, fields: dict[str, Any], to: bytes, n: int = N) -> dict[str, Any]:
    return {"k": kind, "room": ROOM, "to": to, "n": n, "ts": 1_764_400_000, **fields}


def group_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(kind, group_body(kind, f)) for kind, pair in GROUP_FIELDS.items() for f in pair]


def test_group_bodies_python_to_browser_and_back() -> None:
    cases = group_cases()
    # The facilitator signs, so facilitator-only kinds are allowed too.
    sealed = [seal_group(FAC, KEY, body) for _, body in cases]
    opened = run([{"op": "open_group", "seed": MEMBER.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                   "epoch": EPOCH, "key": KEY, "roster": [FAC.vk, MEMBER.vk], "sender": FAC.vk,
                   "ct": ct} for ct in sealed])
    assert [o.get("body") for o in opened] == [body for _, body in cases]

    from_browser = run([{"op": "seal_group", "seed": FAC.seed, "key": KEY, "body": body}
                        for _, body in cases])
    for (_, body), answer in zip(cases, from_browser, strict=True):
        verifier = Verifier(MEMBER, ROOM, FAC.vk)
        verifier.keys.install(EPOCH, KEY, 0.0)
        assert verifier.open_group(FAC.vk, EPOCH, answer["ct"], 0.0).body == body


def test_direct_bodies_python_to_browser_and_back() -> None:
    # Facilitator -> member (what a browser member receives)...
    to_member = [direct_body(k, f, MEMBER.vk) for k, pair in DIRECT_FIELDS.items() for f in pair]
    box = make_box(FAC, MEMBER.vk)
    opened = run([{"op": "open_direct", "seed": MEMBER.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                   "sender": FAC.vk, "ct": seal_direct(box, body)} for body in to_member])
    assert [o.get("body") for o in opened] == to_member
    # ... and member -> facilitator (what a console receives from a browser).
    to_fac = [direct_body(k, f, FAC.vk) for k, pair in DIRECT_FIELDS.items() for f in pair
              if k not in payloads.FACILITATOR_ONLY_DIRECT and k not in payloads.BETWEEN_FACILITATORS]
    sealed = run([{"op": "seal_direct", "seed": MEMBER.seed, "to": FAC.vk, "body": body}
                  for body in to_fac])
    got = [Verifier(FAC, ROOM, FAC.vk).open_direct(MEMBER.vk, s["ct"], only_facilitator=False).body
           for s in sealed]
    assert got == to_fac


def test_knock_both_ways() -> None:
    knock = seal_knock(MEMBER, FAC.vk, "Alex 🌱", "holdspace/0.1")
    browser_knock, opened = run([
        {"op": "seal_knock", "seed": MEMBER.seed, "facilitator_vk": FAC.vk, "name": "Alex 🌱",
         "client": "holdspace-web/0.1"},
        {"op": "open_knock", "seed": FAC.seed, "member_vk": MEMBER.vk, "ct": knock},
    ])
    assert opened["knock"] == {"name": "Alex 🌱", "client": "holdspace/0.1"}
    assert open_knock(FAC, MEMBER.vk, browser_knock["ct"]) == {"name": "Alex 🌱",
                                                              "client": "holdspace-web/0.1"}


def test_both_refuse_the_same_frames_for_the_same_reasons() -> None:
    """Every acceptance rule gives the same verdict in the browser as in Python."""
    good = seal_group(MEMBER, KEY, group_body("chat", {"text": "hi"}))
    tampered = bytearray(good)
    tampered[40] ^= 1
    cases = [
        ("undecryptable", OTHER.vk, bytes(tampered), [OTHER.vk]),
        ("not_in_roster", MEMBER.vk, good, [FAC.vk]),
        ("bad_signature", OTHER.vk, good, [OTHER.vk, MEMBER.vk]),
        ("facilitator_only", MEMBER.vk, seal_group(MEMBER, KEY, group_body("notice", {"text": "x"})),
         [MEMBER.vk]),
        ("wrong_room", MEMBER.vk, seal_group(MEMBER, KEY, {**group_body("chat", {"text": "x"}),
                                                            "room": bytes(16)}), [MEMBER.vk]),
        ("malformed", MEMBER.vk, seal_group(MEMBER, KEY, group_body("chat", {"text": 5})),
         [MEMBER.vk]),
    ]
    answers = run([{"op": "open_group", "seed": FAC.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                    "epoch": EPOCH, "key": KEY, "roster": roster, "sender": sender, "ct": ct}
                   for _, sender, ct, roster in cases])
    for (reason, sender, ct, roster), answer in zip(cases, answers, strict=True):
        verifier = Verifier(FAC, ROOM, FAC.vk)
        verifier.keys.install(EPOCH, KEY, 0.0)
        verifier.set_roster(EPOCH, set(roster))
        with pytest.raises(CryptoError) as python:
            verifier.open_group(sender, EPOCH, ct, 0.0)
        assert (python.value.reason, answer.get("error")) == (reason, reason)

    # Directs: only the pinned facilitator, only to us.
    wrong_to = seal_direct(make_box(FAC, MEMBER.vk), direct_body("private", {"text": "x"}, OTHER.vk))
    from_other = seal_direct(make_box(OTHER, MEMBER.vk), direct_body("private", {"text": "x"}, MEMBER.vk))
    answers = run([{"op": "open_direct", "seed": MEMBER.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                    "sender": sender, "ct": ct} for sender, ct in ((FAC.vk, wrong_to), (OTHER.vk, from_other))])
    assert [a.get("error") for a in answers] == ["wrong_recipient", "not_from_facilitator"]


def test_both_drop_a_frame_they_already_have_as_a_duplicate() -> None:
    """A frame resent after a reconnection (PROTOCOL.md, Resending) is a
    ``duplicate``, which neither client reports; an older counter never
    opened is still ``replayed``."""
    first, skipped, second = (seal_group(MEMBER, KEY, group_body("chat", {"text": str(n)}, N + n))
                              for n in range(3))
    cts = [first, first, second, skipped, second]
    answer, = run([{"op": "open_groups", "seed": FAC.seed, "room": ROOM, "facilitator_vk": FAC.vk,
                    "epoch": EPOCH, "key": KEY, "roster": [MEMBER.vk], "sender": MEMBER.vk, "cts": cts}])
    verifier = Verifier(FAC, ROOM, FAC.vk)
    verifier.keys.install(EPOCH, KEY, 0.0)
    verifier.set_roster(EPOCH, {MEMBER.vk})
    python = []
    for ct in cts:
        try:
            verifier.open_group(MEMBER.vk, EPOCH, ct, 0.0)
            python.append("ok")
        except CryptoError as exc:
            python.append(exc.reason)
    assert python == answer["verdicts"] == ["ok", "duplicate", "ok", "replayed", "duplicate"]


def test_key_conversion_and_safety_codes_agree_on_many_keys() -> None:
    identities = [Identity.from_seed(bytes([i % 256, i // 256]) * 16) for i in range(400)]
    answers = run([{"op": "identity", "seed": ident.seed} for ident in identities])
    for ident, answer in zip(identities, answers, strict=True):
        assert answer["vk"] == ident.vk
        assert answer["curve_pk"] == bytes(box_public_key(ident.vk))
        assert answer["curve_sk"] == bytes(ident.box_secret)
        assert answer["safety_code"] == safety_code(ident.vk)


# Ed25519 encodings of small-order points, and byte strings that are no point at all.
LOW_ORDER = [bytes(32), (1).to_bytes(32, "little"),
             bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
             bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
             bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]


def test_both_refuse_the_same_keys() -> None:
    candidates = LOW_ORDER + [bytes([i]) * 32 for i in range(2, 40)] + [b"short"]
    answers = run([{"op": "check_vk", "vk": vk} for vk in candidates])
    for vk, answer in zip(candidates, answers, strict=True):
        try:
            expected = bytes(box_public_key(vk))
        except CryptoError:
            assert answer.get("error") == "bad_key", vk.hex()
        else:
            assert answer.get("curve_pk") == expected, vk.hex()


def test_invite_links_in_both_forms() -> None:
    link = InviteLink("ws://127.0.0.1:8765", ROOM, FAC.vk, b"s" * 16)
    web = "http://127.0.0.1:8765/join#" + link.link.split("/")[-1].replace("#", ".")
    answers = run([{"op": "parse_invite", "link": link.link}, {"op": "parse_invite", "link": web},
                   {"op": "parse_invite", "link": web.replace("http:", "https:")},
                   {"op": "parse_invite", "link": web[:-3]},
                   {"op": "invite_hash", "secret": b"s" * 16}])
    expected = {"relay_url": "ws://127.0.0.1:8765", "room": ROOM, "facilitator_vk": FAC.vk,
                "secret": b"s" * 16}
    assert answers[0] == expected
    assert answers[1] == expected
    assert answers[2] == {**expected, "relay_url": "wss://127.0.0.1:8765"}
    assert answers[3]["error"] == "bad_link"
    assert answers[4]["hash"] == invite_hash(b"s" * 16)


def test_whole_numbers_only() -> None:
    """Integers above 2^53 cannot be held exactly in JavaScript: refused, not rounded;
    floats are refused as Python's checks refuse them."""
    largest = 2**53 - 1
    answers = run([{"op": "unpack", "data": msgpack.packb({"n": largest})},
                   {"op": "unpack", "data": msgpack.packb({"n": largest + 2})},
                   {"op": "unpack", "data": msgpack.packb({"n": 2**64 - 1})},
                   {"op": "pack", "value": {"n": 1.5}},
                   {"op": "unpack", "data": msgpack.packb({"n": 5.0})},
                   {"op": "pack", "value": {"n": largest}}])
    assert answers[0] == {"value": {"n": largest}}
    assert answers[1]["error"] == "bad_frame"
    assert answers[2]["error"] == "bad_frame"
    assert answers[3]["error"] == "bad_frame"
    assert answers[4]["error"] == "bad_frame"  # a float, even a whole one, is not an integer
    assert msgpack.unpackb(answers[5]["data"]) == {"n": largest}


def test_signing_keys_match_pynacl() -> None:
    seed = bytes(range(32))
    assert run([{"op": "identity", "seed": seed}])[0]["vk"] == bytes(SigningKey(seed).verify_key)


# Names the terminal client refuses, and ones it takes: the page must agree, or a
# browser member would knock under a name every screen shows as "Unnamed member".
NAMES = ["Sam", "Ana María", "李雷", "Facilitator", "Facilit\u200bator", "FACILITATOR", "the facilitator",
         "Faci1itator", "Fаcilitator", "Leader", "you", "Admin", "Host", "Co-facilitator", "◆ Sam",
         "\u200b\u200b", "\x1b[2J", "   ", "Bob\nFacilitator: hi", "Jo\u202e", "x" * 65, "x" * 64,
         "Hostess", "Sam the facilitator's friend", "!!!", "🙂"]


def test_the_page_refuses_the_names_the_terminal_client_refuses() -> None:
    from holdspace.client.display import name_problem

    answers = run([{"op": "name_problem", "name": name} for name in NAMES])
    assert [a["problem"] for a in answers] == [name_problem(name) for name in NAMES]

