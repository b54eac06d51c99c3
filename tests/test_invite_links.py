"""Invite links: round trips for any address, broken links refused plainly, any text never a crash."""

from __future__ import annotations

import pytest
from crypto_world import SETTINGS
from ed25519_points import NOT_ON_CURVE_VK, TORSION
from hypothesis import given
from hypothesis import strategies as st

from holdspace.client.identity import Identity, b64e
from holdspace.client.invites import InviteError, InviteLink, parse_invite


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
