"""The relay serves the member page: the right files, the right headers, gzip
when asked, 404 for anything else, and nothing at all when turned off."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from holdspace.cli import main as holdspace_main
from holdspace.client.invites import InviteLink, parse_invite
from holdspace.relay.config import ConfigError, from_mapping
from holdspace.relay.server import Relay
from tests.session_helpers import open_room
from tests.web_tools import BUNDLE, ROOT, STATIC

pytestmark = pytest.mark.timeout(30)

CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


async def get(relay: Relay, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    def fetch() -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{relay.port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    return await asyncio.to_thread(fetch)


async def test_join_and_static_files_with_strict_headers(relay: Relay) -> None:
    status, headers, body = await get(relay, "/join")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (STATIC / "join.html").read_bytes()
    for name, value in {"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer",
                        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}.items():
        assert headers[name] == value
    status, headers, body = await get(relay, "/static/holdspace.js")
    assert (status, headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    assert body == BUNDLE.read_bytes()
    assert "Content-Encoding" not in headers
    status, headers, _ = await get(relay, "/static/holdspace.css")
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert (await get(relay, "/static/licenses/libsodium.txt"))[0] == 200


async def test_gzip_when_the_browser_asks_for_it(relay: Relay) -> None:
    status, headers, body = await get(relay, "/static/holdspace.js", **{"Accept-Encoding": "br, gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == BUNDLE.read_bytes()
    assert len(body) < len(BUNDLE.read_bytes()) / 2
    _, headers, _ = await get(relay, "/static/holdspace.js", **{"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in headers


async def test_anything_else_is_404_favicon_204_and_health_unchanged(relay: Relay) -> None:
    for path in ("/", "/join/x", "/static/", "/static/../relay.toml", "/static/nope.js", "/ROOMID"):
        status, headers, _ = await get(relay, path)
        assert status == 404, path
        assert headers["X-Content-Type-Options"] == "nosniff"
    assert (await get(relay, "/favicon.ico"))[:1] == (204,)
    assert (await get(relay, "/healthz"))[::2] == (200, b"ok\n")
    assert (await get(relay, "/metrics"))[0] == 200


async def test_the_websocket_still_answers_on_any_path(relay: Relay) -> None:
    fac, _, link = await open_room(relay.url)
    try:
        assert fac.connected and parse_invite(link.web_link) == link
    finally:
        await fac.stop()


async def test_relay_toml_turns_the_page_off(relay_factory) -> None:
    relay = await relay_factory(web_page=False)
    assert (await get(relay, "/join"))[0] == 404
    assert (await get(relay, "/static/holdspace.js"))[0] == 404
    assert (await get(relay, "/healthz"))[0] == 200
    assert from_mapping({"web_page": False}).web_page is False
    with pytest.raises(ConfigError, match="true or false"):
        from_mapping({"web_page": "no"})


async def test_the_relay_prints_the_bundle_hash_it_serves() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "holdspace.cli", "relay", "--port", "0", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    said = []
    try:
        async with asyncio.timeout(20):
            while not said or "Ctrl+C" not in said[-1]:
                said.append((await proc.stdout.readline()).decode())
                assert said[-1], f"the relay stopped early: {said}"
    finally:
        proc.terminate()
        await proc.wait()
    page_line = next(line for line in said if "member page" in line)
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() in page_line


def test_web_links_round_trip_in_both_forms() -> None:
    link = InviteLink("wss://relay.example.org", bytes(range(16)), bytes.fromhex(
        "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"), b"s" * 16)
    assert link.web_link.startswith("https://relay.example.org/join#")
    assert parse_invite(link.web_link) == link
    assert parse_invite(link.link) == link
    plain = InviteLink("ws://127.0.0.1:8765", link.room, link.facilitator_vk, link.secret)
    assert plain.web_link.startswith("http://127.0.0.1:8765/join#")


def test_web_export_writes_a_page_that_connects_to_the_named_relay(tmp_path: Path, capsys) -> None:
    assert holdspace_main(["web", "export", str(tmp_path / "site"), "--relay", "wss://relay.example.org"]) == 0
    html = (tmp_path / "site" / "join.html").read_text()
    assert '<meta name="holdspace-relay" content="wss://relay.example.org">' in html
    assert "connect-src 'self' wss://relay.example.org;" in html
    assert (tmp_path / "site" / "static" / "holdspace.js").read_bytes() == BUNDLE.read_bytes()
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() in capsys.readouterr().out
    assert holdspace_main(["web", "export", str(tmp_path / "bad"), "--relay", "https://x/"]) == 1
    assert "should look like wss://" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
