"""What a hostile relay can make on its own (a key, group and direct frames), and the checks that clients refuse it."""

from __future__ import annotations

from typing import Any

from holdspace.client import events as ev
from holdspace.client.crypto import Sealer, Verifier, unpack
from holdspace.client.identity import Identity, make_box
from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.member_session import MemberSession
from holdspace.client.session import Session
from holdspace.relay import protocol
from tests.hostile_relay import Link
from tests.session_helpers import Watcher


class Forger:
    """A key the relay made for itself, sealing frames as a client would."""

    def __init__(self, room: bytes, facilitator_vk: bytes, identity: Identity | None = None) -> None:
        self.identity = identity or Identity.generate()
        self.vk = self.identity.vk
        self.sealer = Sealer(self.identity, room, Verifier(self.identity, room, facilitator_vk))

    def group(self, kind: str, epoch: int, key: bytes, **fields: Any) -> bytes:
        return self.sealer.group(kind, epoch, key, **fields)

    def direct(self, to: bytes, kind: str, **fields: Any) -> bytes:
        return self.sealer.direct(to, kind, **fields)


def group_frame(sender: bytes, epoch: int, ct: bytes, seq: int = 10**6) -> bytes:
    return protocol.pack({"t": "group", "epoch": epoch, "ct": ct, "seq": seq, "from": sender})


def direct_frame(sender: bytes, ct: bytes) -> bytes:
    return protocol.pack({"t": "direct", "from": sender, "ct": ct})


def vk(session: Session) -> bytes:
    return session.identity.vk


async def refused(watch: Watcher, sender: bytes, reason: str) -> ev.Rejected:
    """The next Rejected event about ``sender`` names ``reason``."""
    got = await watch.expect(ev.Rejected, lambda e: e.sender == sender)
    assert got.reason == reason, got
    return got


async def processed(link: Link, watch: Watcher) -> None:
    """Wait until the client has handled everything injected so far: frames on
    one connection are handled in order, so a marker's event comes after them."""
    marker = f"marker-{id(watch)}-{len(watch.seen)}"
    await link.to_client(protocol.frame("error", code="internal", msg=marker))
    await watch.expect(ev.RelayError, lambda e: e.msg == marker)


def forged_content(watch: Watcher, senders: set[bytes]) -> list[ev.Event]:
    return [e for e in watch.drain() if isinstance(e, ev.GroupMessage | ev.DirectMessage)
            and e.sender in senders]


def kind_of_direct(reader: Session, sender: bytes, ct: bytes) -> str:
    """What a direct we captured is (the test can open it; the relay cannot)."""
    return unpack(make_box(reader.identity, sender).decrypt(ct))["k"]


async def finish(fac: FacilitatorSession, *members: MemberSession) -> None:
    await fac.close_room()
    for member in members:
        await member.stop()
