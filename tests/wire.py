"""A raw protocol-v1 test client, written from docs/PROTOCOL.md alone.

It deliberately does not import relay.protocol: it checks the relay against
the document, as an independent client would. Frames are plain dicts.

    fac = await WireClient.connect(relay.url)
    ready = await fac.create()
    secret = await fac.add_invite()
    member = await WireClient.connect(relay.url)
    await member.join(ready["room"], secret, fac.vk)
    knock = await fac.expect("knock")
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
from typing import Any

import msgpack
from nacl.public import Box
from nacl.signing import SigningKey, VerifyKey
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

AUTH_CONTEXT = b"holdspace/v1/auth"
TIMEOUT = 3.0  # seconds to wait for a frame the relay owes us

# The close codes table of docs/PROTOCOL.md.
CLOSE = {
    "bad_frame": 4010, "bad_auth": 4011, "version": 4012, "no_room": 4013,
    "room_taken": 4014, "bad_invite": 4015, "banned": 4016, "forbidden": 4017,
    "not_seated": 4018, "room_full": 4019, "lobby_full": 4020, "rate_limited": 4021,
    "too_large": 4022, "internal": 4023,
    "removed": 4003, "denied": 4004, "room_closed": 4005,
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def invite_hash(secret: bytes) -> bytes:
    return hashlib.blake2b(secret, digest_size=32).digest()


def pack(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


class Identity:
    """An Ed25519 key: a party's identity on the wire."""

    def __init__(self) -> None:
        self.sk = SigningKey.generate()
        self.vk = bytes(self.sk.verify_key)

    def sign_challenge(self, nonce: bytes) -> bytes:
        return self.sk.sign(AUTH_CONTEXT + nonce).signature

    def box_with(self, other_vk: bytes) -> Box:
        return Box(self.sk.to_curve25519_private_key(), VerifyKey(other_vk).to_curve25519_public_key())

    def knock_for(self, facilitator_vk: bytes, name: str) -> bytes:
        return bytes(self.box_with(facilitator_vk).encrypt(pack({"name": name, "client": "wire-test"})))


class WireClient:
    """One WebSocket connection speaking protocol v1 by hand."""

    def __init__(self, ws: ClientConnection, identity: Identity) -> None:
        self.ws = ws
        self.identity = identity
        self.nonce = b""

    @property
    def vk(self) -> bytes:
        return self.identity.vk

    @classmethod
    async def connect(cls, url: str, identity: Identity | None = None, **options: Any) -> WireClient:
        """Open a connection and read the relay's challenge."""
        ws = await connect(url, compression=None, max_size=None, open_timeout=TIMEOUT, **options)
        client = cls(ws, identity or Identity())
        challenge = await client.expect("challenge", v=1)
        client.nonce = challenge["nonce"]
        return client

    # --- sending -------------------------------------------------------------------------

    async def send(self, t: str, **fields: Any) -> None:
        await self.ws.send(pack({"t": t, **fields}))

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    async def send_create(self, **fields: Any) -> None:
        fields.setdefault("sig", self.identity.sign_challenge(self.nonce))
        await self.send("create", vk=self.vk, **fields)

    async def send_join(self, room: bytes, secret: bytes, facilitator_vk: bytes,
                        name: str = "Sam", **fields: Any) -> None:
        fields.setdefault("sig", self.identity.sign_challenge(self.nonce))
        fields.setdefault("knock", self.identity.knock_for(facilitator_vk, name))
        await self.send("join", vk=self.vk, room=room, invite=secret, **fields)

    async def create(self, **fields: Any) -> dict[str, Any]:
        await self.send_create(**fields)
        return await self.expect("ready", role="facilitator")

    async def join(self, room: bytes, secret: bytes, facilitator_vk: bytes,
                   role: str = "lobby", **fields: Any) -> dict[str, Any]:
        await self.send_join(room, secret, facilitator_vk, **fields)
        return await self.expect("ready", role=role)

    async def add_invite(self, **fields: Any) -> bytes:
        """Register a fresh invite; returns its secret."""
        secret = os.urandom(16)
        await self.send("invite", hash=invite_hash(secret), **fields)
        return secret

    async def group(self, ct: bytes, epoch: int = 1) -> None:
        await self.send("group", epoch=epoch, ct=ct)

    async def direct(self, to: bytes, ct: bytes) -> None:
        await self.send("direct", to=to, ct=ct)

    async def close(self, code: int = 1000) -> None:
        await self.ws.close(code)

    # --- receiving -------------------------------------------------------------------------

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        if not isinstance(data, bytes):
            raise AssertionError(f"the relay sent a text message: {data!r}")
        decoded = msgpack.unpackb(data, raw=False)
        if not isinstance(decoded, dict) or not isinstance(decoded.get("t"), str):
            raise AssertionError(f"the relay sent something that is not a frame: {decoded!r}")
        return decoded

    async def expect(self, t: str, timeout: float = TIMEOUT, **fields: Any) -> dict[str, Any]:
        """The next frame must be of type ``t`` with the given field values."""
        got = await self.recv(timeout)
        if got["t"] != t or any(got.get(k) != v for k, v in fields.items()):
            raise AssertionError(f"expected {t} {fields or ''}, got {got!r}")
        return got

    async def expect_error(self, code: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        return await self.expect("error", timeout, code=code)

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int | None, list[dict[str, Any]]]:
        """Read until the relay closes the connection: (close code, frames read)."""
        frames = []
        try:
            async with asyncio.timeout(timeout):
                while True:
                    frames.append(await self.recv(timeout))
        except ConnectionClosed as exc:
            return (exc.rcvd.code if exc.rcvd else None), frames

    async def expect_close(self, code: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        got, frames = await self.closed(timeout)
        if got != code:
            raise AssertionError(f"expected close {code}, got {got} after {frames!r}")
        return frames

    async def expect_fatal(self, code: str) -> None:
        """An error frame with ``code``, then the close code the table gives it."""
        await self.expect_error(code)
        await self.expect_close(CLOSE[code])


# --- common flows ------------------------------------------------------------------------


async def open_room(url: str, **create: Any) -> tuple[WireClient, bytes]:
    """A facilitator with a fresh room: (facilitator, room id)."""
    fac = await WireClient.connect(url)
    ready = await fac.create(**create)
    return fac, ready["room"]


async def knock(url: str, fac: WireClient, room: bytes, secret: bytes | None = None,
                identity: Identity | None = None) -> WireClient:
    """A member in the waiting room; the facilitator has read its knock."""
    secret = secret if secret is not None else await fac.add_invite()
    member = await WireClient.connect(url, identity)
    await member.join(room, secret, fac.vk)
    await fac.expect("knock", member=member.vk)
    return member


async def seat(url: str, fac: WireClient, room: bytes, secret: bytes | None = None,
               identity: Identity | None = None) -> WireClient:
    """A seated member: knocked and admitted."""
    member = await knock(url, fac, room, secret, identity)
    await fac.send("admit", member=member.vk)
    await member.expect("admitted")
    return member


async def stalled(url: str, fac: WireClient, room: bytes, secret: bytes | None = None) -> WireClient:
    """A seated member whose device stops reading: a tiny socket buffer, and
    from now on nothing read, so websockets stops reading the socket too."""
    member = await WireClient.connect(url, max_queue=1)
    member.ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    secret = secret if secret is not None else await fac.add_invite()
    await member.join(room, secret, fac.vk)
    await fac.expect("knock", member=member.vk)
    await fac.send("admit", member=member.vk)
    await member.expect("admitted")
    return member
