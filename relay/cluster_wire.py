"""What relay nodes say to each other over NATS (cluster mode), as msgspec
Structs. Nothing here is for clients: client frames travel inside as the
exact bytes a client sent or will receive.

Subjects carry a keyed hash of the room id, never the id (room_subject()):
    hs.r.<rh>.rpc    edge -> home: a handshake to admit (Hello -> Answer)
    hs.r.<rh>.up     edge -> home: a frame from a client, or its leaving
    hs.r.<rh>.down   home -> edges: bytes for clients, closes
    hs.node.<node>.hb  every node, four times per cluster_dead_after_seconds: it is alive
Who holds a room, and its state, are in JetStream KV (cluster_kv.py).
A connection on an edge is named by (node, cid); cid is the edge's own counter.
"""

from __future__ import annotations

import hashlib

import msgspec

SUBJECT_KEY_MIN = 16  # bytes of the shared key that hides room ids from NATS


class Message(msgspec.Struct, tag_field="k", array_like=True, frozen=True):
    pass


class Hello(Message, tag="hello"):
    """A create or join the edge has checked the signature of."""

    node: str
    cid: int
    address: str
    hello: bytes  # the Create or Join frame, re-encoded


class Answer(Message, tag="answer"):
    """The home's answer to a Hello: the role, or the error to give."""

    role: str | None = None
    code: str | None = None
    msg: str = ""
    home: str = ""  # the node answering, whose heartbeat the edge then watches


class Up(Message, tag="up"):
    node: str
    cid: int
    data: bytes  # a client frame, as the client sent it


class Gone(Message, tag="gone"):
    node: str
    cid: int
    left: bool  # closed on purpose (1000): gives up its seat


class Deliver(Message, tag="deliver"):
    to: dict[str, list[int]]  # node -> its connections that get ``data``
    data: bytes
    seq: int = 0  # a group frame's seq (edges keep a copy of the ring); 0 for anything else


class Finish(Message, tag="finish"):
    node: str
    cid: int
    code: int
    reason: str


class Rate(Message, tag="rate"):
    """The home made this edge's client a facilitator party (promote): the
    edge, which rate limits it, gives it a facilitator's rate."""

    node: str
    cid: int
    role: str


UpMessage = Up | Gone
DownMessage = Deliver | Finish | Rate

encode = msgspec.msgpack.Encoder().encode
read_hello = msgspec.msgpack.Decoder(Hello).decode
read_answer = msgspec.msgpack.Decoder(Answer).decode
read_up = msgspec.msgpack.Decoder(UpMessage).decode
read_down = msgspec.msgpack.Decoder(DownMessage).decode


def room_hash(key: bytes, room: bytes) -> str:
    """A keyed BLAKE2b of the room id, so NATS and anyone reading its subjects
    and keys never learns room ids."""
    return hashlib.blake2b(room, key=key, digest_size=16, person=b"holdspace-subj").hexdigest()


def room_subject(key: bytes, room: bytes, kind: str) -> str:
    """``hs.r.<rh>.<kind>``."""
    return f"hs.r.{room_hash(key, room)}.{kind}"
