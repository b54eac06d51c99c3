"""The relay behind a real Caddy, on a sub-path, with TLS: deploy/Caddyfile as
shipped, Caddy's own certificate authority (`local_certs`, i.e. `tls internal`)
standing in for a public one.

A facilitator session opens a room at wss://127.0.0.1:PORT/holdspace, and a
member joins with the terminal client (`holdspace join --plain`, a separate
process) from the link the console made: the whole path a self-hoster sets up.

Caddy comes from Debian's packages (`apt-get install caddy`). Where it is not
installed the test skips, except under CI=true, where a missing Caddy fails
the run instead of hiding this test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.test_member_plain import plain_client

from holdspace.client import events as ev
from holdspace.client.crypto import parse_invite
from tests.session_helpers import TIMEOUT, open_room

REPO = Path(__file__).resolve().parents[1]
CADDYFILE = REPO / "deploy" / "Caddyfile"
PREFIX = "/holdspace"


def _caddy() -> str:
    caddy = shutil.which("caddy")
    if caddy is None:
        message = "Caddy is not installed (apt-get install caddy)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must install it to test the relay behind a proxy")
        pytest.skip(message)
    return caddy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Caddy:
    def __init__(self, proc: asyncio.subprocess.Process, port: int, root_ca: Path) -> None:
        self.proc = proc
        self.port = port
        self.root_ca = root_ca

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}{PREFIX}"

    def get(self, path: str) -> tuple[int, str]:
        context = ssl.create_default_context(cafile=str(self.root_ca))
        try:
            with urllib.request.urlopen(f"https://{self.base}{path}", context=context, timeout=TIMEOUT) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


async def _wait_for_log(proc: asyncio.subprocess.Process, message: str) -> None:
    """Read Caddy's JSON log until it says ``message``."""
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(3 * TIMEOUT):
            while True:
                raw = await proc.stderr.readline()
                if not raw:
                    raise AssertionError(f"Caddy exited: {seen}")
                line = raw.decode(errors="replace")
                seen.append(line)
                if f'"msg":"{message}"' in line:  # JSON log lines; a few others are plain text
                    return
    except TimeoutError:
        raise AssertionError(f"Caddy never said {message!r}: {seen}") from None


@pytest.fixture
async def caddy(relay_factory, tmp_path: Path) -> AsyncIterator[Caddy]:
    binary = _caddy()
    relay = await relay_factory(trusted_proxies=["127.0.0.0/8", "::1"])
    port = _free_port()
    config = tmp_path / "Caddyfile"
    # Global options for a test: no admin API, Caddy's own CA, nothing
    # installed in the system's trust store; then the shipped file, as is.
    config.write_text(
        "{\n\tadmin off\n\n\tlocal_certs\n\tskip_install_trust\n\tauto_https disable_redirects\n"
        f"\thttp_port {_free_port()}\n\thttps_port {port}\n"
        f"\tstorage file_system {tmp_path / 'data'}\n}}\n\nimport {CADDYFILE}\n"
    )
    env = {**os.environ, "HOLDSPACE_SITE": f"127.0.0.1:{port}",
           "HOLDSPACE_RELAY": f"127.0.0.1:{relay.port}", "HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = await asyncio.create_subprocess_exec(
        binary, "run", "--config", str(config), "--adapter", "caddyfile",
        env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    try:
        await _wait_for_log(proc, "certificate obtained successfully")
        root_ca = tmp_path / "data" / "pki" / "authorities" / "local" / "root.crt"
        yield Caddy(proc, port, root_ca)
    finally:
        proc.terminate()
        await proc.wait()


async def test_a_member_joins_through_caddy_on_a_sub_path_with_tls(caddy: Caddy, tmp_path, monkeypatch):
    # Clients trust Caddy's CA the way they would trust a public one.
    monkeypatch.setenv("SSL_CERT_FILE", str(caddy.root_ca))
    assert await asyncio.to_thread(caddy.get, "/healthz") == (200, "ok\n")

    fac, fwatch, link = await open_room(f"wss://{caddy.base}")
    try:
        assert link.link.startswith(f"wss://{caddy.base}/")
        assert parse_invite(link.link) == link

        async with plain_client(link.link, tmp_path / "member") as sam:
            await sam.expect("Do you accept the group agreement?")
            knock = await fwatch.expect(ev.Knock)
            await sam.send("yes")
            await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
            await fac.admit(knock.member)
            await sam.expect("The facilitator has let you in.")
            await fac.private(knock.member, "welcome, Sam")
            await sam.expect("(private) Facilitator: welcome, Sam")
            await sam.send("hello through the proxy")
            chat = await fwatch.expect(ev.GroupMessage, lambda e: e.kind == "chat")
            assert chat.body["text"] == "hello through the proxy"
    finally:
        await fac.stop()


async def test_metrics_are_not_served_through_the_proxy(caddy: Caddy):
    status, _ = await asyncio.to_thread(caddy.get, "/metrics")
    assert status == 404
