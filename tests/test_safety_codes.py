"""Safety codes: fixed vectors and the formula of the design."""

from __future__ import annotations

import hashlib
import re

from crypto_world import SETTINGS
from hypothesis import given
from hypothesis import strategies as st

from holdspace.client.identity import Identity, safety_code


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
