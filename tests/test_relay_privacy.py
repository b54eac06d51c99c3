"""The relay as a self-hoster runs it: a separate process that writes nothing to
disk and logs nothing that identifies a room, a key, a name or an address."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import sys
from pathlib import Path

import pytest
from wire import TIMEOUT, Identity, WireClient, b64, knock, open_room, pack

from holdspace.relay.cli import main
from holdspace.relay.config import RelayConfig, load

REPO = Path(__file__).resolve().parent.parent
MEMBER_ADDRESS = "127.0.0.2"  # the relay listens on 127.0.0.1; members come from here
NAME = "Alice Example-Privacy"

pytestmark = pytest.mark.timeout(30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


async def start_relay(home: Path, port: int) -> asyncio.subprocess.Process:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "holdspace.relay", "--host", "127.0.0.1", "--port", str(port), "--log-level", "debug",
        cwd=home, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    banner = b""
    async with asyncio.timeout(10):
        while b"Press Ctrl+C to stop" not in banner:
            line = await process.stdout.readline()
            assert line, "the relay exited before it was listening"
            banner += line
    process.banner = banner  # type: ignore[attr-defined]
    return process


async def drive_a_session(url: str) -> tuple[list[bytes], list[str]]:
    """A session touching every kind of event; returns (secrets, client addresses)."""
    fac, room = await open_room(url)
    secret = await fac.add_invite(uses=3)
    member_identity = Identity()
    alice = await WireClient.connect(url, member_identity, local_addr=(MEMBER_ADDRESS, 0))
    await alice.join(room, secret, fac.vk, name=NAME)
    await fac.expect("knock", member=alice.vk)
    await fac.send("admit", member=alice.vk)
    await alice.expect("admitted")
    await alice.group(b"what is shared here stays here")
    await alice.expect("group")
    await fac.expect("group")
    await alice.direct(fac.vk, b"a private trigger note")
    await fac.expect("direct")

    stranger = await WireClient.connect(url, local_addr=(MEMBER_ADDRESS, 0))
    await stranger.send_join(room, os.urandom(16), fac.vk)
    await stranger.expect_fatal("bad_invite")
    await alice.send_raw("text")
    await alice.expect_error("bad_frame")
    await alice.send_raw(pack({"t": "admit", "member": fac.vk}))
    await alice.expect_error("forbidden")

    bob = await knock(url, fac, room, secret)
    await fac.send("remove", member=bob.vk)
    await bob.expect_close(4003)
    addresses = [f"{host}:{port}" for host, port in (alice.ws.local_address[:2], stranger.ws.local_address[:2])]
    addresses += [f"('{MEMBER_ADDRESS}', {alice.ws.local_address[1]})"]
    await alice.ws.close(4000)
    await fac.expect("presence", state="offline")
    await fac.send("close")
    await fac.expect("closed", reason="room_closed")
    return [room, fac.vk, alice.vk, bob.vk, stranger.vk], addresses


async def test_the_relay_process_keeps_nothing_and_logs_nothing_personal(tmp_path: Path) -> None:
    port = free_port()
    process = await start_relay(tmp_path, port)
    try:
        assert f"ws://127.0.0.1:{port}".encode() in process.banner
        assert f"http://127.0.0.1:{port}/healthz".encode() in process.banner
        secrets, addresses = await drive_a_session(f"ws://127.0.0.1:{port}")
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(MEMBER_ADDRESS, 0))
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: relay\r\n\r\n")
        await writer.drain()
        assert b"holdspace_rooms 0" in await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, err.decode()
    log = process.banner.decode() + out.decode() + err.decode()

    assert "refused: bad_invite" in log  # debug logging was on, so silence below means something
    for secret in secrets:
        for form in (secret.hex(), b64(secret), repr(secret)):
            assert form not in log
    assert NAME not in log and MEMBER_ADDRESS not in log
    for address in addresses:
        assert address not in log
    assert files_under(tmp_path) == []


async def test_sigint_closes_connections_with_1001_and_exits_0(tmp_path: Path) -> None:
    port = free_port()
    process = await start_relay(tmp_path, port)
    fac, _ = await open_room(f"ws://127.0.0.1:{port}")
    process.send_signal(signal.SIGINT)
    await fac.expect_close(1001)
    out, err = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, err.decode()
    assert b"Stopped" in out


def test_init_writes_a_private_file_that_loads_back_to_the_defaults(tmp_path: Path, capsys) -> None:
    path = tmp_path / "relay.toml"
    assert main(["init", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # the defaults, and (issue 10) a fresh room-creation token
    written = load(path)
    assert written.create_token and written == RelayConfig(create_token=written.create_token)
    before = path.read_bytes()
    assert main(["init", str(path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == before
