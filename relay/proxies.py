"""Who is asking: the client's address behind trusted reverse proxies, and
whether a request comes from this machine itself.

No I/O: addresses and header values are passed in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(entry: str) -> Network:
    """A single address ("10.0.0.1") or a range ("10.0.0.0/8", "fd00::/8").
    Host bits in a range are ignored ("10.1.2.3/8" is 10.0.0.0/8). ValueError
    if it is neither."""
    return ipaddress.ip_network(entry.strip(), strict=False)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    """The reverse proxies whose X-Forwarded-For the relay believes."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks = tuple(parse_network(entry) for entry in entries)

    def __contains__(self, address: str) -> bool:
        ip = _address(address)
        return ip is not None and any(ip in network for network in self.networks)

    def client_address(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client's address: ``peer`` itself, or behind trusted proxies the
        nearest untrusted X-Forwarded-For entry (entries further left could
        have been written by the client)."""
        if peer not in self:
            return peer
        address = peer
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            address = hop
            if hop not in self:
                break
        return address


def is_loopback(address: str) -> bool:
    ip = _address(address)
    return ip is not None and ip.is_loopback


def is_local_request(peer: str, forwarded_for: Iterable[str]) -> bool:
    """A request made on this machine directly: from a loopback address and
    not passed on by a proxy (a proxy on the same machine connects from
    loopback too, on behalf of anyone)."""
    return is_loopback(peer) and not any(value.strip() for value in forwarded_for)
