"""The relay behind a real reverse proxy, on a sub-path, with TLS: Caddy with
deploy/Caddyfile as shipped (Caddy's own certificate authority, `tls internal`,
standing in for a public one), and nginx with deploy/nginx.conf (a self-signed
certificate; only the port, certificate paths and relay port are changed).

A facilitator session opens a room at wss://127.0.0.1:PORT/holdspace, and a
member joins with the terminal client (`holdspace join --plain`, a separate
process) from the link the console made, and another with the member page in
Chromium from the web link: the whole path a self-hoster sets up.

Caddy and nginx come from Debian's packages (.ci/run installs them). Where one
is not installed its tests skip, except under CI=true, where a missing proxy
fails the run instead of hiding these tests.
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
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from tls_helpers import make_self_signed

from holdspace.client import events as ev
from holdspace.client.invites import parse_invite
from tests.session_helpers import TIMEOUT, open_room
from tests.test_member_plain import plain_client
from tests.web_browser import RECORD_STORAGE, TIMEOUT_MS, browser

REPO = Path(__file__).resolve().parents[1]
PREFIX = "/holdspace"


def _installed(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        message = f"{name} is not installed (apt-get install {name})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must install it to test the relay behind a proxy")
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Proxy:
    port: int
    trusted: Path  # the certificate (or authority) clients must trust

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}{PREFIX}"

    def get(self, path: str) -> tuple[int, str]:
        context = ssl.create_default_context(cafile=str(self.trusted))
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


@asynccontextmanager
async def _caddy(relay_port: int, tmp_path: Path) -> AsyncIterator[Proxy]:
    binary = _installed("caddy")
    port = _free_port()
    config = tmp_path / "Caddyfile"
    # Global options for a test: its debug log, no admin API, Caddy's own CA,
    # nothing installed in the system's trust store; then the shipped file, as is.
    config.write_text(
        "{\n\tdebug\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\tauto_https disable_redirects\n"
        f"\thttp_port {_free_port()}\n\thttps_port {port}\n"
        f"\tstorage file_system {tmp_path / 'data'}\n}}\n\nimport {REPO / 'deploy' / 'Caddyfile'}\n"
    )
    env = {**os.environ, "HOLDSPACE_SITE": f"127.0.0.1:{port}", "HOLDSPACE_RELAY": f"127.0.0.1:{relay_port}",
           "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = await asyncio.create_subprocess_exec(
        binary, "run", "--config", str(config), "--adapter", "caddyfile",
        env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    try:
        # Logged (at debug level) once handshakes can use the certificate.
        await _wait_for_log(proc, "added certificate to cache")
        assert proc.stderr is not None
        drain = asyncio.create_task(proc.stderr.read())  # a full pipe would stall Caddy
        yield Proxy(port, tmp_path / "data" / "pki" / "authorities" / "local" / "root.crt")
    finally:
        proc.terminate()
        await proc.wait()
    await drain


@asynccontextmanager
async def _nginx(relay_port: int, tmp_path: Path) -> AsyncIterator[Proxy]:
    binary = _installed("nginx")
    port = _free_port()
    cert, key = make_self_signed(tmp_path)
    site = (REPO / "deploy" / "nginx.conf").read_text()
    for shipped, here in [("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"), ("listen [::]:443 ssl;", ""),
                          ("/etc/letsencrypt/live/relay.example.org/fullchain.pem", str(cert)),
                          ("/etc/letsencrypt/live/relay.example.org/privkey.pem", str(key)),
                          ("server 127.0.0.1:8765;", f"server 127.0.0.1:{relay_port};")]:
        assert shipped in site, shipped
        site = site.replace(shipped, here)
    (tmp_path / "site.conf").write_text(site)
    config = tmp_path / "nginx.conf"
    log = tmp_path / "error.log"
    config.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {log};\nevents {{}}\n"
                      f"http {{\n  include {tmp_path}/site.conf;\n}}\n")
    command = [binary, "-p", str(tmp_path), "-c", str(config)]
    # nginx returns once its sockets listen and it has gone to the background
    # (which keeps any pipe we gave it open: hence no pipes).
    started = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.DEVNULL)
    assert await started.wait() == 0, log.read_text() if log.exists() else "nginx did not start"
    try:
        yield Proxy(port, cert)
    finally:
        stopping = await asyncio.create_subprocess_exec(*command, "-s", "stop", stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.DEVNULL)
        await stopping.wait()


@pytest.fixture(params=["caddy", "nginx"])
async def proxy(request, relay_factory, tmp_path: Path) -> AsyncIterator[Proxy]:
    relay = await relay_factory(trusted_proxies=["127.0.0.0/8", "::1"])
    start = _caddy if request.param == "caddy" else _nginx
    async with start(relay.port, tmp_path) as running:
        yield running


async def test_a_member_joins_through_the_proxy_on_a_sub_path_with_tls(proxy: Proxy, tmp_path, monkeypatch):
    # Clients trust the proxy's certificate the way they would trust a public one.
    monkeypatch.setenv("SSL_CERT_FILE", str(proxy.trusted))
    assert await asyncio.to_thread(proxy.get, "/healthz") == (200, "ok\n")

    fac, fwatch, link = await open_room(f"wss://{proxy.base}")
    try:
        assert link.link.startswith(f"wss://{proxy.base}/")
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


async def test_metrics_are_not_served_through_the_proxy(proxy: Proxy):
    status, _ = await asyncio.to_thread(proxy.get, "/metrics")
    assert status == 404


async def test_a_member_joins_with_the_browser_page_through_the_proxy(proxy: Proxy, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(proxy.trusted))
    fac, fwatch, link = await open_room(f"wss://{proxy.base}")
    try:
        assert link.web_link.startswith(f"https://{proxy.base}/join#")
        async with browser() as chrome:
            # The test's certificate authority is not Chromium's; a public one would be.
            context = await chrome.new_context(ignore_https_errors=True)
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.add_init_script(RECORD_STORAGE)
            await page.goto(link.web_link)
            await page.get_by_label("Your name").fill("Robin")
            await page.get_by_role("button", name="Join", exact=True).click()
            knock = await fwatch.expect(ev.Knock, lambda e: e.name == "Robin")
            await page.get_by_role("button", name="I agree", exact=True).click()
            await fwatch.expect(ev.DirectMessage, lambda e: e.kind == "agree")
            await fac.admit(knock.member)
            message = page.get_by_label("Message", exact=True)
            await message.fill("hello from the browser, through the proxy")
            await message.press("Enter")
            chat = await fwatch.expect(ev.GroupMessage, lambda e: e.kind == "chat")
            assert chat.body["text"] == "hello from the browser, through the proxy"
            await context.close()
    finally:
        await fac.stop()
