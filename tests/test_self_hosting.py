"""What a self-hoster relies on: proxies given as ranges, metrics kept local,
process and build metrics, the console's address on the network, invite
links on a sub-path, and the self-hosting guide in the installed package."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.error
import urllib.request

import pytest
from websockets.asyncio.client import connect
from wire import WireClient

from console.lan_address import default_route_address
from relay.config import ConfigError, RelayConfig
from relay.proxies import TrustedProxies, is_local_request

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
