"""The relay as a server: HTTP health and metrics, TLS, and stopping closes every connection."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from relay_checks import http_get
from wire import WireClient, open_room, seat

from holdspace.relay.server import Relay

pytestmark = pytest.mark.timeout(30)


# --- HTTP -------------------------------------------------------------------------------------------------


async def test_healthz_and_metrics(relay: Relay) -> None:
    assert await http_get(relay, "/healthz") == (200, "ok\n")
    fac, room = await open_room(relay.url)
    member = await WireClient.connect(relay.url)
    await member.send_join(room, os.urandom(16), fac.vk)
    await member.expect_fatal("bad_invite")
    status, text = await http_get(relay, "/metrics?x=1")
    assert status == 200
    lines = set(text.splitlines())
    assert {"holdspace_rooms 1", "holdspace_connections 1", 'holdspace_errors_total{code="bad_invite"} 1',
            'holdspace_errors_total{code="banned"} 0'} <= lines
    frames = next(line for line in lines if line.startswith("holdspace_frames_total "))
    assert int(frames.split()[1]) >= 2


# --- TLS ------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_tls(relay_factory, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    relay = await relay_factory(tls_cert=str(cert), tls_key=str(key))
    assert relay.url.startswith("wss://127.0.0.1:")
    context = ssl.create_default_context(cafile=str(cert))
    fac = await WireClient.connect(relay.url, ssl=context)
    await fac.create()


async def test_stop_closes_every_connection_with_1001(relay_factory) -> None:
    relay = await relay_factory()
    fac, room = await open_room(relay.url)
    member = await seat(relay.url, fac, room)
    waiting = await WireClient.connect(relay.url)  # still in the handshake
    await relay.stop()
    for client in (fac, member, waiting):
        await client.expect_close(1001)
    assert relay.connections == 0
