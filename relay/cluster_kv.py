"""Who is a room's home, and the room's state, in a JetStream key-value bucket
with memory storage only (nothing reaches a disk):

    home.<rh>   the home node's name, changed only by compare-and-set, so when
                two nodes open or take over a room at once exactly one wins
    state.<rh>  the room's state (cluster_state.py), written by its home

``<rh>`` is the same keyed hash of the room id as in subject names.
"""

from __future__ import annotations

from typing import Any

from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import APIError, KeyNotFoundError, KeyWrongLastSequenceError

from holdspace.relay.cluster_wire import room_hash

BUCKET = "holdspace"
BUCKET_BYTES = 64 * 1024 * 1024  # every room's state together (JetStream memory)
VALUE_BYTES = 1024 * 1024  # one room's state: seats, 1,024 invites and bans fit many times


class Ownership:
    """This node's view of the bucket."""

    def __init__(self, node: str, key: bytes) -> None:
        self.node = node
        self.key = key
        self.kv: Any = None

    async def start(self, js: Any, replicas: int) -> None:
        try:
            self.kv = await js.create_key_value(KeyValueConfig(
                bucket=BUCKET, history=1, storage=StorageType.MEMORY, replicas=replicas,
                max_bytes=BUCKET_BYTES, max_value_size=VALUE_BYTES))
        except APIError:  # made by a node configured otherwise (replicas): use it as it is
            self.kv = await js.key_value(BUCKET)

    def _key(self, kind: str, room: bytes) -> str:
        return f"{kind}.{room_hash(self.key, room)}"

    async def home_of(self, room: bytes) -> tuple[str, int] | None:
        """The node holding ``room`` and the revision that says so, or None."""
        try:
            entry = await self.kv.get(self._key("home", room))
        except KeyNotFoundError:
            return None
        return entry.value.decode(), entry.revision

    async def claim(self, room: bytes) -> bool:
        """Become the home of a room nobody holds; False if another node is."""
        try:
            await self.kv.create(self._key("home", room), self.node.encode())
        except KeyWrongLastSequenceError:
            return False
        return True

    async def take(self, room: bytes, revision: int) -> bool:
        """Become the home in place of the one ``revision`` named; False if
        another node changed it first."""
        try:
            await self.kv.update(self._key("home", room), self.node.encode(), last=revision)
        except KeyWrongLastSequenceError:
            return False
        return True

    async def state(self, room: bytes) -> bytes | None:
        try:
            return (await self.kv.get(self._key("state", room))).value
        except KeyNotFoundError:
            return None

    async def save(self, room: bytes, data: bytes) -> None:
        await self.kv.put(self._key("state", room), data)

    async def release(self, room: bytes) -> None:
        """The room closed or was forgotten here: nobody holds it any more
        (unless another node took it over meanwhile: then it is theirs)."""
        found = await self.home_of(room)
        if found is None or found[0] != self.node:
            return
        await self.kv.purge(self._key("state", room))
        try:
            await self.kv.delete(self._key("home", room), last=found[1])
        except KeyWrongLastSequenceError:
            pass  # taken over meanwhile: its new home writes its state again
