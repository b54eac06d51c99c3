"""Whom a client trusts as a facilitator: the lead pinned by the invite link, and
the co-facilitators the lead delegated (docs/PROTOCOL.md "Co-facilitators").

The relay learns which keys are co-facilitators, but only the lead's signature
makes one for a client: ``delegation = Sign_lead(b"holdspace/v1/cofacilitator"
‖ room ‖ co_vk)``. A delegation is learned from a roster entry, a direct's
``delegation`` field or an agreement's ``cofacilitators``; a roster signed by
the lead that leaves a trusted co-facilitator out revokes it, and only a later
roster signed by the lead that lists it again trusts it again (a restarted lead
lets members back in before its co-facilitator has returned).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import nacl.exceptions

from holdspace.client.errors import CryptoError
from holdspace.client.identity import Identity, verify_key

DELEGATION_CONTEXT = b"holdspace/v1/cofacilitator"
DELEGATION_LEN = 64
MAX_COFACILITATORS = 2


def _delegated(room: bytes, co_vk: bytes) -> bytes:
    return DELEGATION_CONTEXT + room + co_vk


def sign_delegation(lead: Identity, room: bytes, co_vk: bytes) -> bytes:
    """The lead's word that ``co_vk`` is a co-facilitator of ``room`` (64 bytes)."""
    return lead.signing_key.sign(_delegated(room, co_vk)).signature


def delegation_valid(lead_vk: bytes, room: bytes, co_vk: bytes, delegation: Any) -> bool:
    if not isinstance(delegation, bytes) or len(delegation) != DELEGATION_LEN or co_vk == lead_vk:
        return False
    try:
        verify_key(lead_vk).verify(_delegated(room, co_vk), delegation)
        verify_key(co_vk)  # a valid point, not of low order: one we could write to
    except (nacl.exceptions.BadSignatureError, CryptoError, ValueError, TypeError):
        return False
    return True


class Trust:
    """The facilitators one client trusts in one room."""

    def __init__(self, room: bytes, lead: bytes) -> None:
        self.room = room
        self.lead = lead
        self.delegations: dict[bytes, bytes] = {}  # co-facilitator -> the lead's signature
        self.revoked: set[bytes] = set()

    def __contains__(self, vk: object) -> bool:
        return vk == self.lead or vk in self.delegations

    @property
    def facilitators(self) -> tuple[bytes, ...]:
        """Everyone trusted, the lead first."""
        return (self.lead, *self.delegations)

    @property
    def cofacilitators(self) -> tuple[bytes, ...]:
        return tuple(self.delegations)

    def learn(self, vk: bytes, delegation: Any) -> bool:
        """Trust ``vk`` if ``delegation`` is the lead's valid signature for it and it
        was not revoked; True only when it is newly trusted."""
        if vk in self or vk in self.revoked:
            return False
        if not delegation_valid(self.lead, self.room, vk, delegation):
            return False
        self.delegations[vk] = delegation
        return True

    def revoke(self, vk: bytes) -> None:
        """The lead removed this co-facilitator: it is nobody from now on."""
        if self.delegations.pop(vk, None) is not None:
            self.revoked.add(vk)

    def check_roster(self, members: Iterable[Any]) -> None:
        """Refuse a roster whole if a co-facilitator entry's delegation does not verify."""
        cos = 0
        for entry in members:
            if entry["role"] == "cofacilitator":
                cos += 1
                if not delegation_valid(self.lead, self.room, entry["vk"], entry.get("delegation")):
                    raise CryptoError("bad_delegation", "a co-facilitator the facilitator did not sign for")
        if cos > MAX_COFACILITATORS:
            raise CryptoError("bad_delegation", "more co-facilitators than a room may have")

    def apply_roster(self, sender: bytes, members: Iterable[Any]) -> tuple[list[bytes], list[bytes]]:
        """A roster (already checked) from a trusted ``sender``: trust the
        co-facilitators it names; if the lead signed it, revoke those it leaves
        out. Returns (newly trusted, revoked)."""
        listed = {e["vk"]: e.get("delegation") for e in members if e["role"] == "cofacilitator"}
        if sender == self.lead:  # the lead's word now: one it names again is trusted again
            self.revoked -= listed.keys()
        gained = [vk for vk, d in listed.items() if self.learn(vk, d)]
        lost: list[bytes] = []
        if sender == self.lead:
            lost = [vk for vk in self.delegations if vk not in listed]
            for vk in lost:
                self.revoke(vk)
        return gained, lost
