"""`holdspace console`: load the facilitator's settings and key, find or start
a relay, and run the console."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any
from urllib.parse import urlsplit

from holdspace.client.facilitator_session import FacilitatorSession
from holdspace.client.identity import Identity
from holdspace.client.invites import InviteError, InviteLink, parse_invite
from holdspace.console.app import FacilitatorApp
from holdspace.console.co_actions import CoStart
from holdspace.console.config import (
    ConfigError,
    ConsoleConfig,
    forget_open_session,
    load,
    load_identity,
    load_open_session,
    save_open_session,
)
from holdspace.console.lan_address import default_route_address, url_host
from holdspace.relay.config import RelayConfig
from holdspace.relay.server import Relay

PORT_TRIES = 20


async def start_embedded_relay(host: str, port: int) -> Relay:
    """A relay in this process, on ``port`` or the next free one."""
    last: OSError | None = None
    for candidate in range(port, port + PORT_TRIES):
        relay = Relay(RelayConfig(host=host, port=candidate))
        try:
            await relay.start()
            return relay
        except OSError as exc:
            last = exc
    raise OSError(f"no free port between {port} and {port + PORT_TRIES - 1}") from last


def reachable_url(relay: Relay, host: str) -> str:
    """The address members should use: not 0.0.0.0, which nobody can dial,
    but this machine's address on its network."""
    if host not in ("0.0.0.0", "::", ""):
        return relay.url
    address = default_route_address() or "127.0.0.1"
    return f"{relay.url.split(':', 1)[0]}://{url_host(address)}:{relay.port}"


def relay_token(args: argparse.Namespace, config: ConsoleConfig) -> str | None:
    """The relay's room-creation token: --relay-token (once --token), else
    relay_token in console.toml, else none."""
    return args.token or config.relay_token or None


def make_session(url: str, identity: Identity, config: ConsoleConfig,
                 token: str | None = None, resume: InviteLink | None = None,
                 public_url: str | None = None) -> FacilitatorSession:
    """A facilitator session; with ``resume``, reclaim that room after a restart.
    Invite links name ``public_url`` when given, else ``url``."""
    return FacilitatorSession(url, identity, name=config.facilitator_name, group_name=config.group_name,
                              agreement=config.agreement, resources=config.resources, token=token,
                              room=resume.room if resume else None, restarted=resume is not None,
                              invites=[resume] if resume else None, invite_url=public_url)


def relay_url_problem(url: str) -> str | None:
    """One sentence if ``url`` cannot be a relay's address, else None."""
    parts = urlsplit(url)
    if parts.scheme in ("ws", "wss") and parts.hostname and not parts.fragment:
        return None
    if parts.scheme in ("http", "https") and parts.hostname:
        ws = "wss" if parts.scheme == "https" else "ws"
        return (f"{url!r} is not a relay address: that is a web page's. A relay's address starts "
                f"with ws:// or wss://; try {ws}://{parts.netloc}{parts.path.rstrip('/')}")
    return f"{url!r} is not a relay address; it looks like wss://example.org/holdspace or ws://192.168.1.20:8765."


async def _run(args: argparse.Namespace, config: ConsoleConfig, identity: Identity) -> int:
    relays: list[Relay] = []

    sessions: list[FacilitatorSession] = []

    async def connect() -> tuple[FacilitatorSession, str]:
        if args.relay:
            # A console that stopped while its session was open takes it back.
            resume = load_open_session(args.relay)
            sessions.append(make_session(args.relay, identity, config, relay_token(args, config), resume,
                                         args.public_url))
            return sessions[-1], args.relay
        relay = await start_embedded_relay(args.host, args.port)
        relays.append(relay)
        url = reachable_url(relay, args.host)
        return make_session(url, identity, config, public_url=args.public_url), f"built-in relay {url}"

    remember = (lambda link: save_open_session(args.relay, link)) if args.relay else None
    app = FacilitatorApp(config, connect, invite_file=args.invite_file,
                         co_invite_file=args.co_invite_file,
                         embedded_relay=not args.relay, on_invite=remember)
    try:
        await app.run_async()
        return app.return_code or 0
    finally:
        for relay in relays:
            await relay.stop()
        if any(s.ended is not None and s.ended.reason == "room_closed" for s in sessions):
            forget_open_session()


def co_start(link: InviteLink, identity: Identity, name: str, **options: Any) -> CoStart:
    """A co-facilitator's console: it joins the lead's room through ``link``
    (``options``: for the session, e.g. tests' quick reconnection)."""

    async def connect(name: str) -> tuple[FacilitatorSession, str]:
        return FacilitatorSession.cofacilitator(link, identity, name, **options), link.relay_url

    return CoStart(connect, name)


async def _run_co(args: argparse.Namespace, config: ConsoleConfig, identity: Identity) -> int:
    try:
        link = parse_invite(args.co_facilitator)
    except InviteError as exc:
        print(f"That is not a co-facilitator link ({exc}). Copy it whole from the lead facilitator.")
        return 2
    if link.facilitator_vk == identity.vk:
        # Otherwise the relay refuses the lead's own key as a member, in its words.
        print("This co-facilitator link was made with this computer's own facilitator key, so it "
              "cannot make it a co-facilitator. The co-facilitator runs it on their own computer or "
              "user account (to try both here, give the second console another settings folder: "
              "XDG_CONFIG_HOME=/tmp/co holdspace console --co-facilitator LINK).")
        return 2
    app = FacilitatorApp(config, None, co_start=co_start(link, identity, args.name or ""))
    await app.run_async()
    return app.return_code or 0


def run_console(args: argparse.Namespace) -> int:
    if args.config is not None and not args.config.is_file():
        print(f"There is no settings file at {args.config}. Check the path, or write one there "
              f"with:  holdspace init {args.config}")
        return 2
    try:
        config = load(args.config)
        identity = load_identity()
    except ConfigError as exc:
        print(exc)
        return 2
    co = getattr(args, "co_facilitator", None)
    if co and args.relay:
        print("A co-facilitator link names its relay: leave out --relay.")
        return 2
    if args.name and not co:  # with --co-facilitator, --name is the name they go by
        config.group_name = args.name
    for url in (args.relay, args.public_url):
        problem = url and relay_url_problem(url)
        if problem:
            print(problem)
            return 2
    try:
        return asyncio.run(_run_co(args, config, identity) if co else _run(args, config, identity))
    except ConfigError as exc:  # e.g. a [safeguarding] section the console cannot use
        print(exc)
        return 2
