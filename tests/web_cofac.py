"""A lead and a co-facilitator driven by hand over the wire, for the member page's
co-facilitator tests (docs/PROTOCOL.md, "Co-facilitators"): each seals keys,
rosters, notices and directs itself, opens what members send it, and answers
key_ok with key_current. Written from the document with tests/wire.py and the
client's sealing functions, so the page is checked against the contract, not
against another client's reading of it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

import msgpack
from nacl.secret import SecretBox
from nacl.signing import SigningKey, VerifyKey
from websockets.exceptions import ConnectionClosed

from holdspace.client.crypto import seal_direct, seal_group
from holdspace.client.identity import Identity, make_box
from tests import wire

CONTEXT = b"holdspace/v1/cofacilitator"
TIMEOUT = 5.0


def sign_delegation(lead: Identity, room: bytes, co_vk: bytes) -> bytes:
    return SigningKey(lead.seed).sign(CONTEXT + room + co_vk).signature


def web_url(port: int, room: bytes, lead_vk: bytes, secret: bytes) -> str:
    return f"http://127.0.0.1:{port}/join#{wire.b64(room)}.{wire.b64(lead_vk)}.{wire.b64(secret)}"


class HandFacilitator:
    """One facilitator party (lead or co-facilitator) on a raw connection."""

    def __init__(self, client: wire.WireClient, identity: Identity, room: bytes, name: str) -> None:
        self.client, self.identity, self.room, self.name = client, identity, room, name
        self.vk = identity.vk
        self.frames: list[dict[str, Any]] = []
        self.opened: list[tuple[bytes, dict[str, Any]]] = []  # (sender, body) of directs and group
        self.delegation: bytes | None = None  # a co-facilitator's, sent with every direct
        self.epoch = int(time.time() * 1000)
        self.key = os.urandom(32)
        self.keys: dict[int, bytes] = {}
        # Counters as the protocol has them: one for group messages, one per
        # recipient for directs, every one starting at the same base.
        self._base = time.time_ns() // 1000
        self._n: dict[bytes | None, int] = {}
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self._answered: set[bytes] = set()  # knocks answered with the agreement

    @classmethod
    async def lead(cls, url: str, name: str = "Alex") -> HandFacilitator:
        identity = Identity.generate()
        client = await wire.WireClient.connect(url, _wire_identity(identity))
        ready = await client.create()
        return cls(client, identity, ready["room"], name).start()

    def start(self) -> HandFacilitator:
        self.keys[self.epoch] = self.key
        self._reader = asyncio.create_task(self._read())
        return self

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        with contextlib.suppress(Exception):  # it may have been aborted on purpose
            await self.client.ws.close()

    def abort(self) -> None:
        """Die as a killed process does: no closing handshake."""
        self.client.ws.transport.abort()

    # --- receiving ------------------------------------------------------------------
    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                frame = await self.client.recv(timeout=3600)
                body = self._open(frame)
                async with self._changed:
                    self.frames.append(frame)
                    self._changed.notify_all()
                if frame["t"] == "direct" and body is not None and body.get("k") == "key_ok":
                    await self.direct(frame["from"], "key_current", epoch=self.epoch, asked=body["n"])

    def _open(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        try:
            if frame["t"] == "direct":
                body = msgpack.unpackb(make_box(self.identity, frame["from"]).decrypt(frame["ct"]))
            elif frame["t"] == "group" and frame["epoch"] in self.keys:
                signed = SecretBox(self.keys[frame["epoch"]]).decrypt(frame["ct"])
                body = msgpack.unpackb(VerifyKey(frame["from"]).verify(signed))
            else:
                return None
        except Exception:  # noqa: BLE001 - not for us to read: leave it unopened
            return None
        self.opened.append((frame["from"], body))
        return body

    async def wait(self, pred: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first frame (seen so far or to come) that pred accepts."""
        async with asyncio.timeout(timeout), self._changed:
            while True:
                for frame in self.frames:
                    if pred(frame):
                        return frame
                await self._changed.wait()

    async def got(self, kind: str, sender: bytes, timeout: float = TIMEOUT,
                  pred: Callable[[dict[str, Any]], bool] = lambda b: True) -> dict[str, Any]:
        """The first body of ``kind`` from ``sender`` this party could open."""
        def match() -> dict[str, Any] | None:
            return next((b for s, b in self.opened if s == sender and b.get("k") == kind and pred(b)), None)
        await self.wait(lambda f: match() is not None, timeout)
        found = match()
        assert found is not None
        return found

    # --- sending --------------------------------------------------------------------
    def _next(self, to: bytes | None = None) -> int:
        self._n[to] = self._n.get(to, self._base) + 1
        return self._n[to]

    async def direct(self, to: bytes, kind: str, **fields: Any) -> None:
        body = {"k": kind, "room": self.room, "to": to, "n": self._next(to), "ts": int(time.time()), **fields}
        if self.delegation is not None:
            body["delegation"] = self.delegation
        await self.client.direct(to, seal_direct(make_box(self.identity, to), body))

    async def group(self, kind: str, **fields: Any) -> None:
        body = {"k": kind, "room": self.room, "epoch": self.epoch, "n": self._next(),
                "ts": int(time.time()), **fields}
        await self.client.group(seal_group(self.identity, self.key, body), epoch=self.epoch)

    async def rekey(self, to: list[bytes], members: list[dict[str, Any]]) -> None:
        """A new key for everyone in ``to``, then the roster in the new epoch."""
        self.epoch += 1
        self.key = self.keys[self.epoch] = os.urandom(32)
        for vk in to:
            await self.direct(vk, "key", epoch=self.epoch, key=self.key)
        await self.group("roster", members=members)

    def share_key(self, other: HandFacilitator) -> None:
        """Between the two test puppets: hold the same key (a console would hand it over)."""
        other.epoch, other.key = self.epoch, self.key
        other.keys.update(self.keys)

    # --- the room -----------------------------------------------------------------------
    async def invite(self, **fields: Any) -> bytes:
        return await self.client.add_invite(**fields)

    async def knocked(self, cofacilitators: list[dict[str, Any]] | None = None) -> bytes:
        """The first member to knock not answered yet (its vk), answered now with
        the group agreement (naming ``cofacilitators``, if given)."""
        knock = await self.wait(lambda f: f["t"] == "knock" and f["member"] not in self._answered)
        self._answered.add(knock["member"])
        extra = {} if cofacilitators is None else {"cofacilitators": cofacilitators}
        await self.direct(knock["member"], "agreement", text="Be kind.", resources="Call 999.", **extra)
        return knock["member"]

    async def admit(self, member: bytes) -> None:
        await self.client.send("admit", member=member)

    def entry(self, role: str, delegation: bytes | None = None) -> dict[str, Any]:
        found = {"vk": self.vk, "name": self.name, "role": role}
        return found if delegation is None else {**found, "delegation": delegation}


async def co_facilitator(url: str, lead: HandFacilitator, name: str = "Jo") -> HandFacilitator:
    """A co-facilitator let in by the lead: it knocks with a one-use invite, the
    lead admits and promotes it and signs its delegation."""
    identity = Identity.generate()
    secret = await lead.invite(uses=1)
    client = await wire.WireClient.connect(url, _wire_identity(identity))
    await client.join(lead.room, secret, lead.vk, name=name)
    await lead.wait(lambda f: f["t"] == "knock" and f["member"] == identity.vk)
    lead._answered.add(identity.vk)  # a co-facilitator is not offered the members' agreement
    await lead.admit(identity.vk)
    await client.expect("admitted")
    await lead.client.send("promote", member=identity.vk)
    co = HandFacilitator(client, identity, lead.room, name).start()
    await co.wait(lambda f: f["t"] == "promoted")
    co.delegation = sign_delegation(lead.identity, lead.room, identity.vk)
    return co


def _wire_identity(identity: Identity) -> wire.Identity:
    """tests/wire.py's handshake identity for a client Identity (the same key)."""
    found = wire.Identity()
    found.sk = SigningKey(identity.seed)
    found.vk = identity.vk
    return found
