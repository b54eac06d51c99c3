"""SIGHUP: a running relay (the real `holdspace relay` process) takes a new
certificate and new limits from its files, and nobody's session drops.

Its output is read line by line with a timeout (the plain client's reader);
nothing sleeps.
"""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tls_helpers import make_self_signed
from wire import WireClient, open_room, seat

from tests.test_member_plain import PlainClient

REPO = Path(__file__).resolve().parents[1]


def _settings(path: Path, cert: Path, key: Path, **limits: int) -> None:
    lines = ['host = "127.0.0.1"', "port = 0", f'tls_cert = "{cert}"', f'tls_key = "{key}"']
    lines += [f"{name} = {value}" for name, value in limits.items()]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
async def files(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    first, first_key = make_self_signed(tmp_path, "first")
    second, second_key = make_self_signed(tmp_path, "second")
    # Our clients trust both, as they would trust a public authority.
    bundle = tmp_path / "trusted.pem"
    bundle.write_text(first.read_text() + second.read_text())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return {"dir": tmp_path, "first": first, "first_key": first_key, "second": second,
            "second_key": second_key, "config": tmp_path / "relay.toml"}


@pytest.fixture
async def relay_process(files: dict[str, Path]) -> AsyncIterator[tuple[PlainClient, str]]:
    _settings(files["config"], files["first"], files["first_key"])
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "holdspace", "relay", "--config", str(files["config"]),
        cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    relay = PlainClient(proc)
    try:
        said = await relay.expect("listening on wss://")
        yield relay, said.rsplit(" ", 1)[1]
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()


def _served_certificate(client: WireClient) -> bytes:
    return client.ws.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)


def _der(cert: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.read_text())


def _hang_up(relay: PlainClient) -> None:
    relay.proc.send_signal(signal.SIGHUP)


async def test_sighup_reloads_certificate_and_limits_without_dropping_a_session(relay_process, files):
    relay, url = relay_process
    fac, room = await open_room(url)
    member = await seat(url, fac, room)
    assert _served_certificate(fac) == _der(files["first"])

    _settings(files["config"], files["second"], files["second_key"], max_rooms=1)
    _hang_up(relay)
    await relay.expect("Reloaded the settings")

    # The session goes on over the connections made before the reload.
    await member.group(b"still here")
    assert (await fac.expect("group"))["ct"] == b"still here"
    assert (await member.expect("group"))["ct"] == b"still here"

    # New connections get the new certificate and the new limit.
    other = await WireClient.connect(url)
    assert _served_certificate(other) == _der(files["second"])
    await other.send_create()
    await other.expect_fatal("room_full")


async def test_sighup_with_a_broken_file_keeps_the_settings_it_had(relay_process, files):
    relay, url = relay_process
    files["config"].write_text("max_rooms = 0\n")
    _hang_up(relay)
    await relay.expect("settings were not reloaded")
    await relay.expect("'max_rooms' must be a number above zero")

    fac, _ = await open_room(url)  # still open, still the first certificate
    assert _served_certificate(fac) == _der(files["first"])


async def test_settings_that_need_a_restart_are_named(relay_process, files):
    relay, _ = relay_process
    _settings(files["config"], files["first"], files["first_key"])
    files["config"].write_text(files["config"].read_text().replace("port = 0", "port = 1"))
    _hang_up(relay)
    await relay.expect("Reloaded the settings")
    assert "port" in await relay.expect("Only a restart changes")


async def test_a_certificate_that_does_not_load_leaves_the_old_one_serving(relay_process, files):
    relay, url = relay_process
    serving = _der(files["first"])
    files["first"].write_text("not a certificate\n")  # a renewal gone wrong
    _hang_up(relay)
    await relay.expect("the TLS certificate or key could not be used")
    await relay.expect("Check that tls_cert is the certificate chain")
    fac, _ = await open_room(url)
    assert _served_certificate(fac) == serving
