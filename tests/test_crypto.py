"""client/crypto.py, tested as PyNaCl tests itself: hypothesis round trips,
flip-a-byte tamper tests on every sealed kind, wrong-length and low-order keys,
fixed vectors, and every acceptance rule of protocol v1 one by one.

Pure: no network, no clock (time is passed in), no sleeping.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import msgpack
import nacl.secret
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdspace.client import bodies as payloads
from holdspace.client.crypto import (
    Sealer,
    Verifier,
    open_knock,
    pack,
    seal_direct,
    seal_group,
    seal_knock,
)
from holdspace.client.epochs import OLD_KEY_SECONDS, EpochKeys
from holdspace.client.errors import REASONS, CryptoError
from holdspace.client.identity import (
    Identity,
    b64e,
    box_public_key,
    make_box,
    new_epoch_key,
    safety_code,
    verify_key,
)
from holdspace.client.invites import InviteError, InviteLink, parse_invite

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

ROOM = bytes(range(16))
OTHER_ROOM = bytes(range(16, 32))
T0 = 1_000.0  # the clock, passed in


# --- Ed25519 small-order points, computed here rather than trusted from a list ---
#
# Pure-Python affine Edwards arithmetic (slow, but only used a handful of times).

_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_L = 2**252 + 27742317777372353535851937790883648493
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_IDENTITY = (0, 1)


def _inv(x: int) -> int:
    return pow(x, _P - 2, _P)


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = _D * x1 * x2 * y1 * y2 % _P
    return ((x1 * y2 + y1 * x2) * _inv(1 + t) % _P, (y1 * y2 + x1 * x2) * _inv(1 - t) % _P)


def _mul(k: int, point: tuple[int, int]) -> tuple[int, int]:
    result = _IDENTITY
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def _x_for(y: int, sign: int) -> int | None:
    u = (y * y - 1) * _inv(_D * y * y + 1) % _P
    x = pow(u, (_P + 3) // 8, _P)
    if x * x % _P != u:
        x = x * _SQRT_M1 % _P
    if x * x % _P != u:
        return None
    return x if x & 1 == sign else (-x) % _P


def _encode(point: tuple[int, int]) -> bytes:
    x, y = point
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _order(point: tuple[int, int]) -> int | None:
    q = point
    for n in range(1, 9):
        if q == _IDENTITY:
            return n
        q = _add(q, point)
    return None


def _torsion_points() -> tuple[tuple[int, int], dict[int, list[bytes]]]:
    """The eight points of order dividing 8, by order: L * (any curve point)
    lands in the torsion subgroup; one of order 8 generates it."""
    y = 2
    while True:
        x = _x_for(y, 0)
        if x is not None:
            t8 = _mul(_L, (x, y))
            if _order(t8) == 8:
                break
        y += 1
    by_order: dict[int, list[bytes]] = {}
    for k in range(8):
        point = _mul(k, t8)
        by_order.setdefault(_order(point), []).append(_encode(point))
    return t8, by_order


_T8, TORSION = _torsion_points()
_BASE = (_x_for(4 * _inv(5) % _P, 0), 4 * _inv(5) % _P)
SMALL_ORDER_VKS = [vk for order in sorted(TORSION) for vk in TORSION[order]]
# Encodings of the same small-order points that are not canonical: y = p, y = p + 1,
# and "negative zero" x with the sign bit set.
NON_CANONICAL_VKS = [
    (_P).to_bytes(32, "little"),
    (_P + 1).to_bytes(32, "little"),
    bytes([1] + [0] * 30 + [0x80]),
    (_P - 1 | 1 << 255).to_bytes(32, "little"),
]
# A point of the full curve that is not in the prime-order subgroup
# (base point + an order-8 point): a "mixed-order" key.
MIXED_ORDER_VK = _encode(_add(_BASE, _T8))


def _not_on_curve() -> bytes:
    y = 2
    while _x_for(y, 0) is not None:
        y += 1
    return y.to_bytes(32, "little")


NOT_ON_CURVE_VK = _not_on_curve()


def test_the_torsion_points_are_the_known_ones():
    # Cross-check the arithmetic above against encodings published with libsodium
    # and in the Ed25519 literature.
    assert sorted(TORSION) == [1, 2, 4, 8]
    assert [len(TORSION[o]) for o in (1, 2, 4, 8)] == [1, 1, 2, 4]
    assert TORSION[1] == [bytes([1] + [0] * 31)]
    assert TORSION[2] == [bytes.fromhex("ec" + "ff" * 30 + "7f")]
    assert bytes(32) in TORSION[4]
    assert bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05") in TORSION[8]
    assert bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a") in TORSION[8]
    assert _mul(_L, _BASE) == _IDENTITY
    assert _encode(_BASE) == bytes.fromhex("58" + "66" * 31)


# --- a small world: a facilitator, two seated members, someone outside ------------


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
}
# (kinds between facilitators go from the lead here: a member's verifier trusts it)
FAC_TO_MEMBER = frozenset({"key", "key_current", "private", "check_in", "agreement", "resources",
                           "consent_request", "handling", "did", "handover"})


def test_samples_cover_every_kind():
    # A new kind must get a sample here, so it is tamper-tested too.
    assert set(GROUP_SAMPLES) == set(payloads.GROUP_KINDS)
    assert set(DIRECT_SAMPLES) == set(payloads.DIRECT_KINDS)


def _direct_ends(w: World, kind: str) -> tuple[Party, Party]:
    return (w.fac, w.sam) if kind in FAC_TO_MEMBER else (w.sam, w.fac)


# --- round trips -------------------------------------------------------------------------

TEXT = st.text(max_size=300)


@SETTINGS
@given(text=TEXT, cw=st.none() | st.text(max_size=200))
def test_group_round_trip_for_any_text(text, cw):
    w = make_world()
    ct = w.sam.sealer.group("chat", w.epoch, w.key, text=text, cw=cw)
    for reader in (w.fac, w.ana, w.sam):  # the sender reads its own ack too
        opened = reader.verifier.open_group(w.sam.vk, w.epoch, ct, T0)
        assert opened.sender == w.sam.vk and opened.gap == 0
        assert opened.body["text"] == text and opened.body.get("cw") == cw
        assert opened.body["room"] == ROOM and opened.body["epoch"] == w.epoch


@SETTINGS
@given(text=TEXT)
def test_direct_round_trip_both_ways_for_any_text(text):
    w = make_world()
    to_member = w.fac.sealer.direct(w.sam.vk, "private", text=text)
    opened = w.sam.verifier.open_direct(w.fac.vk, to_member, only_facilitator=True)
    assert (opened.sender, opened.body["text"], opened.body["to"]) == (w.fac.vk, text, w.sam.vk)
    to_fac = w.sam.sealer.direct(w.fac.vk, "private", text=text)
    back = w.fac.verifier.open_direct(w.sam.vk, to_fac, only_facilitator=False)
    assert (back.sender, back.body["text"]) == (w.sam.vk, text)


@SETTINGS
@given(name=st.text(max_size=64), client=st.text(max_size=64))
def test_knock_round_trip(name, client):
    fac, member = Identity.generate(), Identity.generate()
    ct = seal_knock(member, fac.vk, name, client)
    assert open_knock(fac, member.vk, ct) == {"name": name, "client": client}


def _same_fields(body: dict, fields: dict) -> bool:
    if body["k"] == "roster":  # compare entries on the fields the protocol defines
        body = {**body, "members": [{f: m[f] for f in ("vk", "name", "role")} for m in body["members"]]}
    return all(body[f] == v for f, v in fields.items())


def test_every_kind_round_trips(world):
    for kind, fields in GROUP_SAMPLES.items():
        ct = world.fac.sealer.group(kind, world.epoch, world.key, **fields)
        body = world.sam.verifier.open_group(world.fac.vk, world.epoch, ct, T0).body
        assert body["k"] == kind and _same_fields(body, fields)
    for kind, fields in DIRECT_SAMPLES.items():
        sender, reader = _direct_ends(world, kind)
        ct = sender.sealer.direct(reader.vk, kind, **fields)
        body = reader.verifier.open_direct(sender.vk, ct, only_facilitator=reader is world.sam).body
        assert body["k"] == kind and _same_fields(body, fields)


# --- flip a byte: every sealed kind ------------------------------------------------------


def _flips(ct: bytes):
    """Every position, each with a different bit, and one all-bits flip."""
    for i in range(len(ct)):
        yield i, ct[:i] + bytes([ct[i] ^ (1 << (i % 8))]) + ct[i + 1:]
    yield 0, bytes([ct[0] ^ 0xFF]) + ct[1:]


@pytest.mark.parametrize("kind", sorted(payloads.GROUP_KINDS))
def test_flipping_any_byte_of_a_group_frame_is_refused(world, kind):
    ct = world.fac.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    for i, bad in _flips(ct):
        with pytest.raises(CryptoError) as info:
            world.sam.verifier.open_group(world.fac.vk, world.epoch, bad, T0)
        assert info.value.reason == "undecryptable", (i, info.value)
    # The untouched frame still opens: the refusals left no state behind.
    assert world.sam.verifier.open_group(world.fac.vk, world.epoch, ct, T0).body["k"] == kind


@pytest.mark.parametrize("kind", sorted(payloads.GROUP_KINDS))
def test_an_insider_with_the_key_cannot_alter_a_signed_group_message(world, kind):
    """Ana holds the group key: she can re-seal, but any change to what Alex
    signed (signature or message) is caught."""
    ct = world.fac.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    signed = nacl.secret.SecretBox(world.key).decrypt(ct)
    for i, bad in _flips(signed):
        resealed = nacl.secret.SecretBox(world.key).encrypt(bad)
        with pytest.raises(CryptoError) as info:
            world.sam.verifier.open_group(world.fac.vk, world.epoch, resealed, T0)
        assert info.value.reason == "bad_signature", (i, info.value)


@pytest.mark.parametrize("kind", sorted(payloads.DIRECT_KINDS))
def test_flipping_any_byte_of_a_direct_is_refused(world, kind):
    sender, reader = _direct_ends(world, kind)
    ct = sender.sealer.direct(reader.vk, kind, **DIRECT_SAMPLES[kind])
    members_only = reader is world.sam
    for i, bad in _flips(ct):
        with pytest.raises(CryptoError) as info:
            reader.verifier.open_direct(sender.vk, bad, only_facilitator=members_only)
        assert info.value.reason == "undecryptable", (i, info.value)
    assert reader.verifier.open_direct(sender.vk, ct, only_facilitator=members_only).body["k"] == kind


def test_flipping_any_byte_of_a_knock_is_refused():
    fac, member = Identity.generate(), Identity.generate()
    ct = seal_knock(member, fac.vk, "Sam", "holdspace/0.1")
    for i, bad in _flips(ct):
        with pytest.raises(CryptoError) as info:
            open_knock(fac, member.vk, bad)
        assert info.value.reason == "undecryptable", (i, info.value)
    assert open_knock(fac, member.vk, ct)["name"] == "Sam"


@SETTINGS
@given(data=st.data())
def test_any_byte_changed_to_any_value_is_refused(data):
    w = make_world()
    kind = data.draw(st.sampled_from(sorted(payloads.GROUP_KINDS)))
    ct = w.fac.sealer.group(kind, w.epoch, w.key, **GROUP_SAMPLES[kind])
    i = data.draw(st.integers(0, len(ct) - 1))
    mask = data.draw(st.integers(1, 255))
    bad = ct[:i] + bytes([ct[i] ^ mask]) + ct[i + 1:]
    refused("undecryptable", w.sam.verifier.open_group, w.fac.vk, w.epoch, bad, T0)


@SETTINGS
@given(ct=st.binary(max_size=400))
def test_arbitrary_bytes_are_refused_never_crash(ct):
    w = make_world()
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_group(w.fac.vk, w.epoch, ct, T0)
    assert info.value.reason in REASONS
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_direct(w.fac.vk, ct, only_facilitator=True)
    assert info.value.reason in REASONS
    with pytest.raises(CryptoError) as info:
        open_knock(w.fac.identity, w.sam.vk, ct)
    assert info.value.reason in REASONS


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=20)
    | st.binary(max_size=40) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_BODY_KEYS = st.sampled_from(["k", "room", "epoch", "n", "ts", "to", "text", "cw", "up",
                              "members", "key", "name", "status", "note", "resources", "t"])
_BODIES = st.dictionaries(_BODY_KEYS, _VALUES | st.sampled_from(
    sorted(payloads.GROUP_KINDS) + sorted(payloads.DIRECT_KINDS)), max_size=10) | _VALUES


@SETTINGS
@given(body=_BODIES)
def test_a_properly_sealed_but_malformed_body_is_refused_never_crashes(body):
    """An insider (holding the key, correctly signing) sends nonsense: refused
    with a reason, or accepted only if it really is a valid body."""
    w = make_world()
    plain = msgpack.packb(body, use_bin_type=True)
    group_ct = nacl.secret.SecretBox(w.key).encrypt(w.ana.identity.sign(plain))
    direct_ct = bytes(make_box(w.ana.identity, w.fac.vk).encrypt(plain))
    for open_it in (lambda: w.sam.verifier.open_group(w.ana.vk, w.epoch, group_ct, T0),
                    lambda: w.fac.verifier.open_direct(w.ana.vk, direct_ct, only_facilitator=False)):
        try:
            opened = open_it()
        except CryptoError as exc:
            assert exc.reason in REASONS
        else:
            assert opened.body["room"] == ROOM and opened.body["k"] in {
                *payloads.GROUP_KINDS, *payloads.DIRECT_KINDS}


@SETTINGS
@given(inner=st.binary(max_size=120))
def test_sealed_garbage_inside_is_refused(inner):
    w = make_world()
    group_ct = nacl.secret.SecretBox(w.key).encrypt(inner)
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_group(w.ana.vk, w.epoch, group_ct, T0)
    assert info.value.reason in {"bad_signature", "malformed"}
    signed = nacl.secret.SecretBox(w.key).encrypt(w.ana.identity.sign(inner))
    with pytest.raises(CryptoError) as info:
        w.sam.verifier.open_group(w.ana.vk, w.epoch, signed, T0)
    assert info.value.reason == "malformed"


# --- malformed keys: errors, never crashes -------------------------------------------------

WRONG_LENGTHS = [b"", bytes(1), bytes(31), bytes(33), bytes(64)]
BAD_POINTS = SMALL_ORDER_VKS + NON_CANONICAL_VKS + [MIXED_ORDER_VK, NOT_ON_CURVE_VK]


@pytest.mark.parametrize("vk", WRONG_LENGTHS + [bytearray(32), "a" * 32, None, 7],
                         ids=lambda v: f"{type(v).__name__}{len(v) if hasattr(v, '__len__') else ''}")
def test_wrong_length_or_type_vk_is_bad_key(vk):
    me = Identity.generate()
    refused("bad_key", verify_key, vk)
    refused("bad_key", box_public_key, vk)
    refused("bad_key", make_box, me, vk)
    refused("bad_key", seal_knock, me, vk, "Sam", "x")
    refused("bad_key", open_knock, me, vk, bytes(64))


@pytest.mark.parametrize("vk", BAD_POINTS, ids=lambda v: v.hex()[:8] + ".." + v.hex()[-4:])
def test_low_order_and_invalid_points_are_bad_key(vk):
    me = Identity.generate()
    verify_key(vk)  # the right length: only its use as a point is refused
    refused("bad_key", box_public_key, vk)
    refused("bad_key", make_box, me, vk)
    refused("bad_key", seal_knock, me, vk, "Sam", "x")
    refused("bad_key", open_knock, me, vk, bytes(64))
    verifier = Verifier(me, ROOM, vk)
    refused("bad_key", verifier.box_for, vk)
    # A facilitator reading a direct "from" that key; a member whose link pinned it.
    refused("bad_key", Verifier(me, ROOM, Identity.generate().vk).open_direct, vk, bytes(80),
            only_facilitator=False)
    refused("bad_key", verifier.open_direct, vk, bytes(80), only_facilitator=True)


@pytest.mark.parametrize("vk", SMALL_ORDER_VKS, ids=lambda v: v.hex()[:8])
def test_low_order_sender_in_a_roster_still_cannot_get_a_group_frame_accepted(world, vk):
    # Even if a (buggy) roster listed such a key, nothing it "signs" verifies.
    world.sam.verifier.set_roster(world.epoch, {world.fac.vk, vk})
    forged = nacl.secret.SecretBox(world.key).encrypt(bytes(64) + pack(
        {"k": "chat", "room": ROOM, "epoch": 1, "n": 1, "ts": 0, "text": "hi"}))
    refused("bad_signature", world.sam.verifier.open_group, vk, world.epoch, forged, T0)


def test_a_real_key_is_accepted_by_the_same_checks():
    # The positive control for the two tests above.
    me, peer = Identity.generate(), Identity.generate()
    assert bytes(box_public_key(peer.vk)) == bytes(peer.signing_key.verify_key.to_curve25519_public_key())
    make_box(me, peer.vk)


@pytest.mark.parametrize("key", [b"", bytes(16), bytes(31), bytes(33), bytearray(32), "k" * 32, None],
                         ids=repr)
def test_wrong_length_group_key_is_bad_key(key):
    keys = EpochKeys()
    refused("bad_key", keys.install, 1, key, T0)
    assert keys.current is None and keys.epoch == -1


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)], ids=len)
def test_wrong_length_seed_is_bad_key(seed):
    refused("bad_key", Identity.from_seed, seed)


def test_a_key_direct_with_a_wrong_length_key_is_malformed(world):
    body = {"k": "key", "room": ROOM, "to": world.sam.vk, "n": 1, "ts": 0, "epoch": 2, "key": bytes(31)}
    ct = seal_direct(make_box(world.fac.identity, world.sam.vk), body)
    refused("malformed", world.sam.verifier.open_direct, world.fac.vk, ct, only_facilitator=True)


# --- safety codes: fixed vectors --------------------------------------------------------------


def _safety_by_design(vk: bytes) -> str:
    number = int.from_bytes(hashlib.blake2b(b"holdspace-safety-v1" + vk, digest_size=8).digest(), "big")
    digits = f"{number % 10**12:012d}"
    return " ".join((digits[:4], digits[4:8], digits[8:]))


def test_safety_code_fixed_vectors():
    # Computed once with hashlib from the DESIGN formula; they must never change,
    # or codes read aloud at introductions stop matching between versions.
    assert safety_code(bytes(range(32))) == "7203 1533 5144"
    assert safety_code(Identity.from_seed(bytes(32)).vk) == "5188 3273 9328"


@SETTINGS
@given(vk=st.binary(min_size=32, max_size=32))
def test_safety_code_follows_the_design_formula(vk):
    code = safety_code(vk)
    assert code == _safety_by_design(vk)
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", code)


def test_safety_codes_differ_between_keys():
    codes = {safety_code(Identity.generate().vk) for _ in range(50)}
    assert len(codes) == 50


# --- invite links ------------------------------------------------------------------------------

HOSTS = st.sampled_from(["127.0.0.1", "localhost", "relay.example.org", "[::1]", "10.0.0.7"])


@SETTINGS
@given(scheme=st.sampled_from(["ws", "wss"]), host=HOSTS, port=st.integers(1, 65535),
       room=st.binary(min_size=16, max_size=16), seed=st.binary(min_size=32, max_size=32),
       secret=st.binary(min_size=16, max_size=16))
def test_invite_link_round_trip(scheme, host, port, room, seed, secret):
    link = InviteLink(f"{scheme}://{host}:{port}", room, Identity.from_seed(seed).vk, secret)
    text = link.link
    assert "=" not in text and text.count("#") == 1
    assert parse_invite(text) == link
    assert parse_invite(f"  {text}\n") == link  # pasted with whitespace
    # Every proper prefix (a link cut short when copied) is refused.
    for cut in range(len(text)):
        with pytest.raises(InviteError):
            parse_invite(text[:cut])


def _good_link() -> InviteLink:
    return InviteLink("ws://127.0.0.1:8765", bytes(range(16)), Identity.generate().vk, bytes(range(16, 32)))


def _broken_links() -> dict[str, str]:
    link = _good_link()
    room, fac, secret = b64e(link.room), b64e(link.facilitator_vk), b64e(link.secret)
    base = "ws://127.0.0.1:8765"
    return {
        "no fragment": f"{base}/{room}",
        "empty fragment": f"{base}/{room}#",
        "no dot": f"{base}/{room}#{fac}{secret}",
        "http": f"http://127.0.0.1:8765/{room}#{fac}.{secret}",
        "https": f"https://127.0.0.1:8765/{room}#{fac}.{secret}",
        "no scheme": f"127.0.0.1:8765/{room}#{fac}.{secret}",
        "no host": f"ws:///{room}#{fac}.{secret}",
        "room 15": f"{base}/{b64e(link.room[:15])}#{fac}.{secret}",
        "room 17": f"{base}/{b64e(link.room + b'x')}#{fac}.{secret}",
        "no room": f"{base}/#{fac}.{secret}",
        "fac 31": f"{base}/{room}#{b64e(link.facilitator_vk[:31])}.{secret}",
        "fac 33": f"{base}/{room}#{b64e(link.facilitator_vk + b'x')}.{secret}",
        "fac low order": f"{base}/{room}#{b64e(bytes(32))}.{secret}",
        "fac identity": f"{base}/{room}#{b64e(bytes([1] + [0] * 31))}.{secret}",
        "fac not on curve": f"{base}/{room}#{b64e(NOT_ON_CURVE_VK)}.{secret}",
        "secret 15": f"{base}/{room}#{fac}.{b64e(link.secret[:15])}",
        "secret 17": f"{base}/{room}#{fac}.{b64e(link.secret + b'x')}",
        "no secret": f"{base}/{room}#{fac}.",
        "non-ascii": f"{base}/{room}#{fac}.{secret[:-1]}é",
        "bad ipv6": f"ws://[::1/{room}#{fac}.{secret}",
        "garbage": "holdspace please let me in",
        "empty": "",
    }


@pytest.mark.parametrize("name", sorted(_broken_links()))
def test_broken_invite_links_are_refused_plainly(name):
    with pytest.raises(InviteError) as info:
        parse_invite(_broken_links()[name])
    assert "#" in str(info.value)  # tells the member what to check


@SETTINGS
@given(text=st.text(max_size=200))
def test_arbitrary_text_is_never_a_crash(text):
    try:
        link = parse_invite(text)
    except InviteError:
        return
    assert len(link.room) == 16 and len(link.facilitator_vk) == 32 and len(link.secret) == 16


# --- acceptance rules, one by one -----------------------------------------------------------------


def test_wrong_room_is_refused(world):
    elsewhere = Sealer(world.fac.identity, OTHER_ROOM, world.fac.verifier)
    ct = elsewhere.group("notice", world.epoch, world.key, text="meant for another group")
    refused("wrong_room", world.sam.verifier.open_group, world.fac.vk, world.epoch, ct, T0)
    direct = elsewhere.direct(world.sam.vk, "private", text="meant for another group")
    refused("wrong_room", world.sam.verifier.open_direct, world.fac.vk, direct, only_facilitator=True)


def test_wrong_epoch_is_refused(world):
    # Sealed with epoch 1's key but claiming epoch 2 inside: the relay's epoch
    # label and the signed one must agree.
    ct = world.ana.sealer.group("chat", 2, world.key, text="hi")
    refused("wrong_epoch", world.sam.verifier.open_group, world.ana.vk, world.epoch, ct, T0)


def test_a_group_frame_from_someone_not_in_the_roster_is_refused(world):
    # Eve holds the key (say it leaked) and signs properly: still not let in.
    ct = world.eve.sealer.group("chat", world.epoch, world.key, text="hello, I'm new")
    refused("not_in_roster", world.sam.verifier.open_group, world.eve.vk, world.epoch, ct, T0)
    refused("not_in_roster", world.fac.verifier.open_group, world.eve.vk, world.epoch, ct, T0)


def test_no_roster_for_the_epoch_means_only_the_facilitator_is_heard(world):
    keys = world.sam.verifier.keys
    keys.install(2, world.key, T0)  # a key arrives before its roster
    ct = world.ana.sealer.group("chat", 2, world.key, text="hi")
    refused("not_in_roster", world.sam.verifier.open_group, world.ana.vk, 2, ct, T0)
    roster = world.fac.sealer.group("roster", 2, world.key, members=[])
    assert world.sam.verifier.open_group(world.fac.vk, 2, roster, T0).body["k"] == "roster"


def test_a_removed_member_is_refused_in_every_epoch_at_once_but_others_in_flight_frames_count(world):
    """Issue 10: the old key's 30 s window is for frames in flight from people
    still in the group; a removed member's frames (replayed by a relay under the
    old epoch, say) are refused the moment the roster without them arrives."""
    v = world.sam.verifier
    in_flight = world.ana.sealer.group("chat", 1, world.key, text="said just before")
    own = world.sam.sealer.group("chat", 1, world.key, text="also just before")  # Sam's own ack
    new_key = bytes(range(32))
    v.keys.install(2, new_key, T0)
    v.set_roster(2, {world.fac.vk, world.sam.vk})  # Ana removed
    refused("not_in_roster", v.open_group, world.ana.vk, 1, in_flight, T0 + 1)
    assert v.open_group(world.sam.vk, 1, own, T0 + 1).body["text"] == "also just before"
    after = world.ana.sealer.group("chat", 2, new_key, text="still here?")
    refused("not_in_roster", v.open_group, world.ana.vk, 2, after, T0 + 1)


@pytest.mark.parametrize("kind", sorted(payloads.FACILITATOR_ONLY_GROUP))
def test_facilitator_only_group_kinds_from_a_member_are_refused(world, kind):
    ct = world.ana.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    err = refused("facilitator_only", world.sam.verifier.open_group, world.ana.vk, world.epoch, ct, T0)
    assert err.detail == kind
    # The same body from the facilitator is fine.
    ok = world.fac.sealer.group(kind, world.epoch, world.key, **GROUP_SAMPLES[kind])
    assert world.sam.verifier.open_group(world.fac.vk, world.epoch, ok, T0).body["k"] == kind


@pytest.mark.parametrize("kind", sorted(payloads.FACILITATOR_ONLY_DIRECT))
def test_facilitator_only_direct_kinds_from_a_member_are_refused(world, kind):
    ct = world.ana.sealer.direct(world.fac.vk, kind, **DIRECT_SAMPLES[kind])
    refused("facilitator_only", world.fac.verifier.open_direct, world.ana.vk, ct, only_facilitator=False)


def test_a_signature_by_someone_other_than_from_is_refused(world):
    ct = world.ana.sealer.group("chat", world.epoch, world.key, text="this is Ana")
    refused("bad_signature", world.sam.verifier.open_group, world.fac.vk, world.epoch, ct, T0)
    refused("bad_signature", world.fac.verifier.open_group, world.sam.vk, world.epoch, ct, T0)
    # A roster Ana signed, relabelled as the facilitator's.
    roster = world.ana.sealer.group("roster", world.epoch, world.key, members=[])
    refused("bad_signature", world.sam.verifier.open_group, world.fac.vk, world.epoch, roster, T0)


def test_a_group_frame_that_comes_twice_is_refused_as_a_duplicate(world):
    """A sender resends what the relay never echoed (PROTOCOL.md, Resending):
    a frame already opened is refused as ``duplicate``, which clients do not
    report; an older counter never seen is still ``replayed``."""
    v = world.sam.verifier
    first = world.ana.sealer.group("chat", world.epoch, world.key, text="one")
    skipped = world.ana.sealer.group("chat", world.epoch, world.key, text="never came")
    second = world.ana.sealer.group("chat", world.epoch, world.key, text="two")
    assert v.open_group(world.ana.vk, world.epoch, first, T0).body["text"] == "one"
    refused("duplicate", v.open_group, world.ana.vk, world.epoch, first, T0)
    assert v.open_group(world.ana.vk, world.epoch, second, T0).body["text"] == "two"
    refused("duplicate", v.open_group, world.ana.vk, world.epoch, first, T0)  # older
    refused("duplicate", v.open_group, world.ana.vk, world.epoch, second, T0)
    refused("replayed", v.open_group, world.ana.vk, world.epoch, skipped, T0)


def test_a_replayed_direct_is_refused(world):
    v = world.sam.verifier
    ct = world.fac.sealer.direct(world.sam.vk, "private", text="just for you")
    v.open_direct(world.fac.vk, ct, only_facilitator=True)
    refused("replayed", v.open_direct, world.fac.vk, ct, only_facilitator=True)


def test_counters_are_per_sender(world):
    v = world.sam.verifier
    v.open_group(world.ana.vk, world.epoch, world.ana.sealer.group("chat", 1, world.key, text="a"), T0)
    v.open_group(world.fac.vk, world.epoch, world.fac.sealer.group("chat", 1, world.key, text="f"), T0)
    assert v.open_group(world.ana.vk, 1, world.ana.sealer.group("chat", 1, world.key, text="b"), T0).gap == 0


def test_a_gap_is_reported(world):
    v = world.sam.verifier
    frames = [world.ana.sealer.group("chat", world.epoch, world.key, text=str(i)) for i in range(5)]
    assert v.open_group(world.ana.vk, world.epoch, frames[0], T0).gap == 0
    assert v.open_group(world.ana.vk, world.epoch, frames[3], T0).gap == 2
    refused("replayed", v.open_group, world.ana.vk, world.epoch, frames[2], T0)  # late = refused
    assert v.open_group(world.ana.vk, world.epoch, frames[4], T0).gap == 0


def test_a_gap_in_directs_is_reported(world):
    v = world.sam.verifier
    cts = [world.fac.sealer.direct(world.sam.vk, "private", text=str(i)) for i in range(3)]
    assert v.open_direct(world.fac.vk, cts[0], only_facilitator=True).gap == 0
    assert v.open_direct(world.fac.vk, cts[2], only_facilitator=True).gap == 1


def test_a_direct_for_someone_else_is_refused(world):
    """Box(a, b) and Box(b, a) share a key: a relay could reflect Alex's direct to
    Sam back to Alex "from Sam". The signed-in recipient stops it."""
    to_sam = world.fac.sealer.direct(world.sam.vk, "private", text="Are you okay?")
    refused("wrong_recipient", world.fac.verifier.open_direct, world.sam.vk, to_sam, only_facilitator=False)
    # And a box made for Sam but addressed inside to Ana.
    body = {"k": "private", "room": ROOM, "to": world.ana.vk, "n": 1, "ts": 0, "text": "x"}
    ct = seal_direct(make_box(world.fac.identity, world.sam.vk), body)
    refused("wrong_recipient", world.sam.verifier.open_direct, world.fac.vk, ct, only_facilitator=True)


def test_a_direct_opened_by_the_wrong_party_does_not_decrypt(world):
    to_sam = world.fac.sealer.direct(world.sam.vk, "private", text="Are you okay?")
    refused("undecryptable", world.ana.verifier.open_direct, world.fac.vk, to_sam, only_facilitator=True)


def test_a_member_refuses_directs_not_from_the_facilitator(world):
    ct = world.ana.sealer.direct(world.sam.vk, "private", text="psst")
    refused("not_from_facilitator", world.sam.verifier.open_direct, world.ana.vk, ct, only_facilitator=True)
    key = world.eve.sealer.direct(world.sam.vk, "key", epoch=9, key=bytes(32))
    refused("not_from_facilitator", world.sam.verifier.open_direct, world.eve.vk, key, only_facilitator=True)
    assert world.sam.verifier.keys.epoch == 1


def test_a_direct_cannot_pass_as_a_group_frame_or_the_reverse(world):
    direct = world.fac.sealer.direct(world.sam.vk, "private", text="x")
    refused("undecryptable", world.sam.verifier.open_group, world.fac.vk, world.epoch, direct, T0)
    group = world.fac.sealer.group("notice", world.epoch, world.key, text="x")
    refused("undecryptable", world.sam.verifier.open_direct, world.fac.vk, group, only_facilitator=True)
    knock = seal_knock(world.sam.identity, world.fac.vk, "Sam", "x")
    # A knock is a Box from Sam to Alex, but not a valid direct body.
    refused("malformed", world.fac.verifier.open_direct, world.sam.vk, knock, only_facilitator=False)


def test_a_group_frame_for_an_epoch_we_do_not_hold_is_no_key(world):
    ct = world.fac.sealer.group("notice", 7, bytes(32), text="x")
    refused("no_key", world.sam.verifier.open_group, world.fac.vk, 7, ct, T0)


def test_keys_only_move_forward(world):
    keys = world.sam.verifier.keys
    refused("stale_key", keys.install, 1, bytes(32), T0)  # same epoch, other key
    refused("stale_key", keys.install, 0, bytes(32), T0)
    assert keys.current == world.key and keys.epoch == 1
    keys.install(5, bytes(range(32)), T0)
    refused("stale_key", keys.install, 4, world.key, T0)
    assert keys.epoch == 5


def test_the_old_key_is_kept_30_seconds_then_wiped(world):
    v = world.sam.verifier
    in_flight = world.fac.sealer.group("notice", 1, world.key, text="in flight")
    late = world.fac.sealer.group("notice", 1, world.key, text="too late")
    new_key = bytes(range(32))
    t = T0 + 100
    v.keys.install(2, new_key, t)
    v.set_roster(2, {world.fac.vk, world.sam.vk})
    assert v.keys.current == new_key
    assert v.open_group(world.fac.vk, 1, in_flight, t + OLD_KEY_SECONDS - 0.1).body["text"] == "in flight"
    refused("no_key", v.open_group, world.fac.vk, 1, late, t + OLD_KEY_SECONDS)
    assert 1 not in v.keys._raw and 1 not in v.keys._boxes  # wiped, not just hidden
    refused("no_key", v.open_group, world.fac.vk, 1, late, t)  # no going back in time
    assert OLD_KEY_SECONDS == 30.0


def test_only_the_previous_key_lingers_and_wipe_forgets_everything(world):
    keys = world.sam.verifier.keys
    keys.install(2, bytes([2]) * 32, T0 + 10)
    keys.install(3, bytes([3]) * 32, T0 + 20)
    keys.expire(T0 + 10 + OLD_KEY_SECONDS)
    assert sorted(keys._raw) == [2, 3]
    keys.expire(T0 + 20 + OLD_KEY_SECONDS)
    assert sorted(keys._raw) == [3]
    keys.wipe()
    assert keys.current is None and not keys._raw and not keys._boxes
    refused("no_key", keys.box, 3, T0)


def test_restart_baseline_forgets_counters_so_a_restarted_facilitator_is_heard(world):
    v = world.sam.verifier
    old = world.fac.sealer.direct(world.sam.vk, "private", text="before")
    v.open_direct(world.fac.vk, old, only_facilitator=True)
    v.restart_baseline(world.fac.vk)
    assert v.open_direct(world.fac.vk, world.fac.sealer.direct(world.sam.vk, "private", text="x"),
                         only_facilitator=True).gap == 0


def test_sealer_counters_only_grow():
    w = make_world()
    bodies = []
    for _ in range(3):
        ct = w.ana.sealer.group("hand", 1, w.key, up=True)
        bodies.append(w.fac.verifier.open_group(w.ana.vk, 1, ct, T0).body)
    ns = [b["n"] for b in bodies]
    assert ns == sorted(ns) and len(set(ns)) == 3
    # A restarted client (a new Sealer) still counts above the old one.
    again = Sealer(w.ana.identity, ROOM, w.ana.verifier).group("hand", 1, w.key, up=False)
    assert w.fac.verifier.open_group(w.ana.vk, 1, again, T0).body["up"] is False


def test_every_reason_has_plain_words():
    assert all(isinstance(text, str) and text for text in REASONS.values())
    assert CryptoError("something_new").plain == "a message could not be verified"


def test_seal_group_is_sign_then_secretbox(world):
    """The construction in the design, checked from the outside: an independent
    client can open it with plain PyNaCl."""
    body = {"k": "chat", "room": ROOM, "epoch": 1, "n": 5, "ts": 0, "text": "hi"}
    ct = seal_group(world.ana.identity, world.key, body)
    signed = nacl.secret.SecretBox(world.key).decrypt(ct)
    message = world.ana.identity.signing_key.verify_key.verify(signed)
    assert msgpack.unpackb(message, raw=False) == body
    assert len(ct) == 24 + 16 + 64 + len(message)  # random nonce travels with it

