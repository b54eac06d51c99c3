"""The address other machines on the network can reach this one at.

The host name's address is often 127.0.1.1 or 127.0.0.1 (Debian and Ubuntu
put the host name on loopback in /etc/hosts), which nobody else can dial.
Instead ask the kernel which local address it would send from on the
default route: connecting a UDP socket sends no packet, it only picks a route.
"""

from __future__ import annotations

import ipaddress
import socket

# Documentation addresses (RFC 5737, RFC 3849): never routed anywhere, so
# "connecting" to them follows the default route without reaching anyone.
_PROBES = ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1"))


def default_route_address() -> str | None:
    """The address of the interface holding the default route (IPv4 first),
    or None when this machine has no route off itself."""
    for family, probe in _PROBES:
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                address = udp.getsockname()[0]
        except OSError:  # no route, or no such address family here
            continue
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_unspecified or ip.is_link_local):
            return address
    return None


def url_host(address: str) -> str:
    """``address`` as it goes in a URL: IPv6 in brackets."""
    return f"[{address}]" if ":" in address else address
