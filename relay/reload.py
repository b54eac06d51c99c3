"""SIGHUP: read relay.toml (and the certificate) again while running.

New limits apply to what comes next and a new certificate to new connections;
every open session goes on. The address, the port and turning TLS on or off
need a restart: those keep their running values, and the relay says so.
"""

from __future__ import annotations

import dataclasses
import ssl
import sys
from collections.abc import Callable
from typing import Protocol

from holdspace.relay.config import ConfigError, RelayConfig


class Reconfigurable(Protocol):
    config: RelayConfig

    def reconfigure(self, config: RelayConfig) -> None: ...


def settle(running: RelayConfig, new: RelayConfig) -> tuple[RelayConfig, list[str]]:
    """``new`` with what only a restart can change kept as it runs, and the
    names of the settings that were kept."""
    pending = [name for name in ("host", "port") if getattr(new, name) != getattr(running, name)]
    keep: dict[str, object] = {"host": running.host, "port": running.port}
    if new.tls != running.tls:
        pending.append("tls_cert and tls_key (turning TLS on or off)")
        keep.update(tls_cert=running.tls_cert, tls_key=running.tls_key)
    if new.web_page != running.web_page:
        pending.append("web_page")
        keep["web_page"] = running.web_page
    if new.max_frame_bytes > running.max_frame_bytes:
        # The WebSocket layer's own ceiling (4 x the limit at start) stays.
        pending.append("max_frame_bytes (raising it)")
    return dataclasses.replace(new, **keep), pending


def check_certificate(config: RelayConfig) -> None:
    """Load the certificate and key into a throwaway context first: a bad pair
    must not leave the running one half-replaced. Raises OSError or SSLError."""
    if config.tls_cert is not None:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(config.tls_cert, config.tls_key)


def reload_settings(relay: Reconfigurable, reread: Callable[[], RelayConfig]) -> bool:
    """Re-read the settings and apply them; on any problem say what it is in
    one sentence and change nothing. True if they were applied."""
    try:
        config, pending = settle(relay.config, reread())
        check_certificate(config)
    except ConfigError as exc:
        _say(f"The settings were not reloaded; the relay goes on as it was.\n{exc}")
        return False
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        _say(f"The settings were not reloaded: the TLS certificate or key could not be used "
             f"({reason}). The relay goes on with the one it had.\n"
             "Check that tls_cert is the certificate chain and tls_key its private key, both PEM, "
             "and that they belong together.")
        return False
    relay.reconfigure(config)
    print("Reloaded the settings: new limits apply from now on, and every session goes on.", flush=True)
    if pending:
        print(f"Only a restart changes {', '.join(pending)}; until then the running values stay.", flush=True)
    return True


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
