"""What a self-hoster relies on: proxies given as ranges, metrics kept local,
process and build metrics, the console's address on the network, invite
links on a sub-path, and the self-hosting guide in the installed package."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from importlib import metadata, resources
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from wire import WireClient

from holdspace.client import events as ev
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink, parse_invite
from holdspace.console.config import ConsoleConfig
from holdspace.console.lan_address import default_route_address
from holdspace.console.launch import make_session, reachable_url, relay_url_problem
from holdspace.relay.config import ConfigError, RelayConfig
from holdspace.relay.proxies import TrustedProxies, is_local_request

# --- proxies ---------------------------------------------------------------------------


def test_trusted_proxies_take_ranges_and_single_addresses() -> None:
    proxies = TrustedProxies(["10.0.0.0/8", "192.168.1.7", "fd00::/8"])
    assert "10.20.30.40" in proxies
    assert "192.168.1.7" in proxies and "192.168.1.8" not in proxies
    assert "fd12::1" in proxies and "fe80::1" not in proxies
    assert "::ffff:10.0.0.1" in proxies  # IPv4 client on a dual-stack socket
    assert "11.0.0.1" not in proxies and "not an address" not in proxies


def test_the_client_is_the_nearest_address_no_trusted_proxy_wrote() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    # The client could have written the leftmost entry itself; the proxies did not.
    assert proxies.client_address("10.0.0.2", ["6.6.6.6, 203.0.113.9", "10.0.0.3"]) == "203.0.113.9"
    assert proxies.client_address("203.0.113.1", ["6.6.6.6"]) == "203.0.113.1"  # not a proxy: ignored


def test_config_accepts_ranges_and_explains_what_it_cannot_use() -> None:
    assert RelayConfig(trusted_proxies=["10.0.0.0/8", "::1"]).trusted_proxies == ["10.0.0.0/8", "::1"]
    with pytest.raises(ConfigError, match="'trusted_proxies' holds '10.0.0.0/33'"):
        RelayConfig(trusted_proxies=["10.0.0.0/33"])


def test_a_request_through_a_proxy_on_this_machine_is_not_local() -> None:
    assert is_local_request("127.0.0.1", [])
    assert is_local_request("::1", [])
    assert not is_local_request("127.0.0.1", ["203.0.113.9"])
    assert not is_local_request("192.0.2.5", [])


# --- metrics -------------------------------------------------------------------------


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _http(relay) -> str:
    return relay.url.replace("ws://", "http://")


async def test_metrics_include_process_and_build_info(relay_factory) -> None:
    relay = await relay_factory()
    fac = await WireClient.connect(relay.url)  # one connection: one more open file
    status, text = await asyncio.to_thread(_get, _http(relay) + "/metrics")
    assert status == 200
    values = {line.split(" ")[0]: line.split(" ")[1] for line in text.splitlines() if not line.startswith("#")}
    assert int(values["process_open_fds"]) > 3
    assert int(values["process_max_fds"]) >= int(values["process_open_fds"])
    assert int(values["process_resident_memory_bytes"]) > 10_000_000
    build = next(line for line in text.splitlines() if line.startswith("holdspace_build_info{"))
    assert 'version="' in build and build.endswith(" 1")
    await fac.close()


async def test_metrics_local_serves_this_machine_only(relay_factory) -> None:
    relay = await relay_factory(trusted_proxies=["127.0.0.1"])  # metrics = "local" by default
    assert (await asyncio.to_thread(_get, _http(relay) + "/metrics"))[0] == 200
    # A proxy on this machine passing on someone else's request.
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    assert (await asyncio.to_thread(_get, _http(relay) + "/metrics", forwarded))[0] == 404
    assert (await asyncio.to_thread(_get, _http(relay) + "/healthz", forwarded))[0] == 200


async def test_metrics_off_is_not_served_at_all(relay_factory) -> None:
    relay = await relay_factory(metrics="off")
    assert (await asyncio.to_thread(_get, _http(relay) + "/metrics"))[0] == 404


def test_metrics_setting_explains_its_choices() -> None:
    with pytest.raises(ConfigError, match="'metrics' must be one of off, local, on"):
        RelayConfig(metrics="public")


# --- the console's address on the network ------------------------------------------


def test_the_lan_address_is_one_other_machines_can_dial() -> None:
    address = default_route_address()
    if address is None:
        pytest.skip("this machine has no route off itself")
    ip = ipaddress.ip_address(address)
    assert not ip.is_loopback and not ip.is_unspecified
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))  # an address of this machine


async def test_a_websocket_path_reaches_the_relay(relay_factory) -> None:
    relay = await relay_factory()
    async with connect(relay.url + "/holdspace", compression=None) as ws:
        assert await ws.recv()  # the challenge: the path is not the relay's business


# --- invite links on a sub-path, and the address in them ----------------------------


def test_an_invite_on_a_sub_path_keeps_the_path() -> None:
    link = InviteLink("wss://example.org/holdspace", bytes(16), Identity.generate().vk, bytes(range(16)))
    assert link.link.startswith("wss://example.org/holdspace/AAAAAAAAAAAAAAAAAAAAAA#")
    assert parse_invite(link.link) == link
    assert parse_invite(link.link.replace("/holdspace/", "/a/b/")).relay_url == "wss://example.org/a/b"


async def test_links_name_the_public_url_while_the_console_uses_its_own(relay_factory) -> None:
    relay = await relay_factory()
    fac = make_session(relay.url, Identity.generate(), ConsoleConfig(),
                       public_url="wss://example.org/holdspace")
    try:
        assert isinstance(await fac.start(), ev.Connected)
        link = await fac.create_invite()
        assert link.link.startswith("wss://example.org/holdspace/")
        assert parse_invite(link.link).relay_url == "wss://example.org/holdspace"
    finally:
        await fac.stop()


async def test_an_embedded_relay_on_every_interface_gives_members_the_lan_address(relay_factory) -> None:
    address = default_route_address()
    if address is None:
        pytest.skip("this machine has no route off itself")
    relay = await relay_factory(host="0.0.0.0")
    assert reachable_url(relay, "0.0.0.0") == f"ws://{address}:{relay.port}"
    async with connect(reachable_url(relay, "0.0.0.0"), compression=None) as ws:
        assert await ws.recv()  # members can dial it


def test_a_public_url_that_is_not_a_relay_address_is_explained() -> None:
    assert relay_url_problem("wss://example.org/holdspace") is None
    assert "is not a relay address" in relay_url_problem("https://example.org/holdspace")
    assert "is not a relay address" in relay_url_problem("example.org")


# --- a relay-only install ---------------------------------------------------------------

# Python code run first in a subprocess: any import of Textual now fails, as
# in an installation without the console extra.
WITHOUT_TEXTUAL = "import sys; sys.modules['textual'] = None\nfrom holdspace.cli import main\n"


def _without_textual(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_TEXTUAL + code], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path)


def test_textual_is_only_in_the_console_extra() -> None:
    needs = metadata.requires("holdspace") or []
    textual = [line for line in needs if line.startswith("textual")]
    assert textual and all('extra == "console"' in line for line in textual)
    assert {"relay", "console", "member"} <= set(metadata.metadata("holdspace").get_all("Provides-Extra"))


def test_the_relay_needs_no_textual(tmp_path: Path) -> None:
    result = _without_textual(
        "import holdspace.relay.server, holdspace.relay.cli\n"
        "assert main(['relay', 'init', 'relay.toml']) == 0\n"
        "assert main(['relay', 'docs']) == 0\n"
        "assert not any(name.startswith('textual.') for name in sys.modules)\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "relay.toml").is_file()
    assert "# Running a holdspace relay for your organisation" in result.stdout


def test_the_console_without_textual_says_what_to_install(tmp_path: Path) -> None:
    result = _without_textual("sys.exit(main(['console']))", tmp_path)
    assert result.returncode == 2, result.stderr
    assert "pip install 'holdspace[console]'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_the_self_hosting_guide_ships_in_the_package() -> None:
    guide = resources.files("holdspace.docs").joinpath("SELF-HOSTING.md").read_text(encoding="utf-8")
    for topic in ("## 1. Install", "TLS", "reverse proxy", "create_token", "## 7. Limits",
                  "## 8. Upgrades", "can and cannot see", "## 10. Monitoring"):
        assert topic in guide


def test_the_page_and_python_read_sub_path_links_alike() -> None:
    node_run = pytest.importorskip("tests.test_web_interop").run
    link = InviteLink("wss://example.org/a/holdspace", bytes(16), Identity.generate().vk, bytes(range(16)))
    answers = node_run([{"op": "parse_invite", "link": link.link},
                        {"op": "parse_invite", "link": link.web_link}])
    for answer in answers:
        assert answer["relay_url"] == "wss://example.org/a/holdspace"
        assert answer["room"] == link.room and answer["secret"] == link.secret
    assert parse_invite(link.web_link) == parse_invite(link.link) == link
    assert link.web_link.startswith("https://example.org/a/holdspace/join#")


# --- the start-up banner ------------------------------------------------------------


async def test_the_printed_health_check_address_answers_when_listening_everywhere(tmp_path):
    # Listening on 0.0.0.0 is not an address anyone can visit: the banner must
    # print one that answers from this machine.
    from relay_process import read_until
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "holdspace", "relay", "--host", "0.0.0.0", "--port", "0", cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        found = await read_until(proc.stdout, r"health check: (\S+)", "the relay's banner")
        url = found.group(1)
        assert "0.0.0.0" not in url
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.status == 200
        banner = await read_until(proc.stdout, r"closing this terminal (.*)", "the SIGHUP line")
        assert "goes on running" in banner.group(1)
    finally:
        proc.terminate()
        await proc.wait()
