"""Sealing then opening gives back what was sealed, for any text and every kind; the group seal is sign-then-secretbox."""

from __future__ import annotations

import msgpack
import nacl.secret
from crypto_world import DIRECT_SAMPLES, GROUP_SAMPLES, ROOM, SETTINGS, T0, direct_ends, make_world, world
from hypothesis import given
from hypothesis import strategies as st

from holdspace.client.crypto import open_knock, seal_group, seal_knock
from holdspace.client.identity import Identity


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
        sender, reader = direct_ends(world, kind)
        ct = sender.sealer.direct(reader.vk, kind, **fields)
        body = reader.verifier.open_direct(sender.vk, ct, only_facilitator=reader is world.sam).body
        assert body["k"] == kind and _same_fields(body, fields)


def test_seal_group_is_sign_then_secretbox(world):
    """The construction in the design, checked from the outside: an independent
    client can open it with plain PyNaCl."""
    body = {"k": "chat", "room": ROOM, "epoch": 1, "n": 5, "ts": 0, "text": "hi"}
    ct = seal_group(world.ana.identity, world.key, body)
    signed = nacl.secret.SecretBox(world.key).decrypt(ct)
    message = world.ana.identity.signing_key.verify_key.verify(signed)
    assert msgpack.unpackb(message, raw=False) == body
    assert len(ct) == 24 + 16 + 64 + len(message)  # random nonce travels with it
