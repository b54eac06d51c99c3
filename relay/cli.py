"""`holdspace relay`: run a relay, or write a relay.toml to start from.

    holdspace relay init [PATH | -]
    holdspace relay [run] [--config FILE] [--host H] [--port P] [--cert F --key F]
    holdspace relay docs          the guide for self-hosters (docs/SELF-HOSTING.md)

SIGHUP makes a running relay read its settings and certificate again.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import importlib.util
import logging
import secrets
import signal
import ssl
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from holdspace.relay.config import ConfigError, RelayConfig, default_text, load, write_default
from holdspace.relay.gate import raise_open_file_limit
from holdspace.relay.logs import keep_fixed_text
from holdspace.relay.reload import reload_settings
from holdspace.relay.server import Relay

DEFAULT_PATH = Path("relay.toml")
LOG_HANDLER = "holdspace-relay"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["init"]:
        return _init(argv[1:])
    if argv[:1] == ["docs"]:
        print(resources.files("holdspace.docs").joinpath("SELF-HOSTING.md").read_text(encoding="utf-8"))
        return 0
    if argv[:1] == ["run"]:
        argv = argv[1:]
    return _run(argv)


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a mistake argparse has explained
        return exc.code if isinstance(exc.code, int) else 2


def _init(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="holdspace relay init",
        description="Write a relay.toml with every setting at its default, each explained, "
                    "and a new random room-creation token.",
    )
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH),
                        help="where to write it (default: ./relay.toml; - prints it)")
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    if args.path == "-":  # e.g. from a container: podman run --rm IMAGE init - > relay.toml
        print(default_text(), end="")
        return 0
    path = Path(args.path)
    token = secrets.token_urlsafe(24)  # only facilitators who have it can open rooms
    try:
        write_default(path, create_token=token)
    except FileExistsError:
        print(f"{path} already exists, so it was left as it is.\n"
              "To start again from the defaults, move it somewhere else and run this again.",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Could not write {path}: {exc.strerror or exc}.", file=sys.stderr)
        return 1
    print(f"Wrote {path} with the default settings (only you can read it).\n"
          f"Only facilitators with its room-creation token can open rooms. Give them:\n"
          f"    {token}\n"
          f"(holdspace console --relay-token TOKEN, or relay_token in console.toml).\n"
          f"Edit {path} if you need to, then start the relay with:\n"
          f"    holdspace relay --config {path}")
    return 0


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="holdspace relay",
        description="Run a holdspace relay. It forwards end-to-end encrypted frames, keeps "
                    "everything in memory and writes nothing to disk. "
                    "'holdspace relay init' writes a relay.toml you can edit; 'holdspace relay docs' "
                    "prints the guide for self-hosters. SIGHUP reloads the settings and certificate.",
    )
    parser.add_argument("--config", metavar="FILE",
                        help="settings file (default: ./relay.toml if there is one)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8765)")
    parser.add_argument("--cert", metavar="FILE", help="TLS certificate (PEM), to serve wss://")
    parser.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"))
    parser.add_argument("--nats", metavar="URL", action="append",
                        help="cluster mode: a NATS server to share rooms through (repeat for more)")
    parser.add_argument("--node", metavar="NAME", help="cluster mode: this node's name")
    args = _parse(parser, argv)
    if isinstance(args, int):
        return args
    source = Path(args.config) if args.config else DEFAULT_PATH if DEFAULT_PATH.is_file() else None

    def read_settings() -> RelayConfig:  # at start, and again on SIGHUP
        config = load(source) if source is not None else RelayConfig()
        return config.replace(host=args.host, port=args.port, tls_cert=args.cert,
                              tls_key=args.key, log_level=args.log_level,
                              cluster_nats=args.nats, cluster_node=args.node)

    try:
        config = read_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if config.cluster_nats and importlib.util.find_spec("nats") is None:
        print("Cluster mode needs the NATS client: pip install 'holdspace[cluster]'.", file=sys.stderr)
        return 2
    _setup_logging(config.log_level)
    if source is not None:
        print(f"Settings: {source}")
    else:
        print("Settings: the defaults ('holdspace relay init' writes a relay.toml you can edit)")
    return asyncio.run(_serve(config, read_settings))


async def _serve(config: RelayConfig, read_settings: Callable[[], RelayConfig]) -> int:
    raise_open_file_limit()  # each member is a socket; the default 1,024 is few
    relay = Relay(config)
    try:
        await relay.start()
    except ssl.SSLError as exc:
        print(f"The TLS certificate or key could not be used ({exc.reason or exc}).\n"
              "Check that tls_cert is the certificate chain and tls_key its private key, both PEM.",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(_listen_problem(config, exc), file=sys.stderr)
        return 1
    except RuntimeError as exc:  # cluster mode: NATS out of reach
        print(exc, file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, _reload, relay, read_settings)
    http = "https" if config.tls else "http"
    where = relay.url.split("://", 1)[1]
    local = _local_address(where)  # 0.0.0.0 is where it listens, not an address to visit
    metrics = {"off": "off (metrics in relay.toml)", "local": f"{http}://{where}/metrics (this machine only)",
               "on": f"{http}://{where}/metrics"}[config.metrics]
    page = (f"  member page:  {http}://{where}/join (code SHA-256 {relay.web.sha256})\n"
            if relay.web.enabled else "  member page:  its files are missing from this installation\n"
            if relay.web.missing else "  member page:  off (web_page = false)\n")
    print(f"holdspace relay is listening on {relay.url}\n"
          f"  health check: {http}://{local}/healthz\n"
          f"  metrics:      {metrics}\n"
          f"{page}"
          "Press Ctrl+C to stop; send SIGHUP to reload the settings and certificate\n"
          "(closing this terminal sends SIGHUP too: the relay goes on running).", flush=True)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)
        print("Stopping: closing every connection...", flush=True)
        await relay.stop()
    print("Stopped. Nothing was kept.", flush=True)
    return 0


def _local_address(where: str) -> str:
    """host:port as this machine can visit it: a wildcard listen address
    (0.0.0.0, ::) becomes the loopback address of its family."""
    host, _, port = where.rpartition(":")
    return {"0.0.0.0": f"127.0.0.1:{port}", "[::]": f"[::1]:{port}"}.get(host, where)


def _reload(relay: Relay, read_settings: Callable[[], RelayConfig]) -> None:
    if reload_settings(relay, read_settings):
        _setup_logging(relay.config.log_level)


def _listen_problem(config: RelayConfig, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        # ssl names no file when the certificate or key is missing: find which.
        missing = exc.filename or next((f for f in (config.tls_cert, config.tls_key)
                                        if f and not Path(f).is_file()), None)
        if missing:
            return (f"The file {missing} was not found. Check the paths given to --cert and --key "
                    "(tls_cert and tls_key in relay.toml).")
    if exc.errno == errno.EADDRINUSE:
        return (f"Port {config.port} on {config.host} is already in use, perhaps by another relay.\n"
                "Stop that program, or choose another port with --port.")
    if exc.errno == errno.EACCES:
        return (f"This user may not listen on port {config.port}. Ports below 1024 need extra "
                "rights; a port like 8765 behind a reverse proxy avoids that.")
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{config.host} is not an address of this machine; check --host or 'host'."
    return f"The relay could not listen on {config.host}:{config.port} ({exc.strerror or exc})."


def _setup_logging(level: str) -> None:
    """Our messages at the chosen level; other libraries' warnings reduced to
    their fixed text so no address or header reaches the log."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(LOG_HANDLER)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(lambda record: _is_ours(record) or keep_fixed_text(record))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == LOG_HANDLER]:
        root.removeHandler(old)  # main() may run more than once in a process
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("holdspace.relay").setLevel(level.upper())


def _is_ours(record: logging.LogRecord) -> bool:
    return record.name == "holdspace.relay" or record.name.startswith("holdspace.relay.")
