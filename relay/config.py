"""relay.toml: the relay's settings, with the defaults of docs/PROTOCOL.md.

``write_default(path)`` writes a commented file a self-hoster can edit;
``load(path)`` reads one back and explains, kindly, anything it cannot use.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from holdspace.relay.protocol import VK_LEN
from holdspace.relay.proxies import parse_network

LOG_LEVELS = ("debug", "info", "warning", "error")
METRICS = ("off", "local", "on")
KIB = 1024
MIB = 1024 * KIB


class ConfigError(Exception):
    """A setting the relay cannot use; the message is written for the person running it."""


def _setting(default: Any, help: str, section: str | None = None, example: Any = None) -> Any:
    """A field documented in relay.toml. ``example`` is shown, commented out,
    for settings that are off by default."""
    metadata = {"help": help, "section": section, "example": example}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class RelayConfig:
    host: str = _setting(
        "127.0.0.1",
        "Address to listen on. 127.0.0.1 is this machine only (use it behind a\n"
        "reverse proxy); 0.0.0.0 listens on every network interface.",
        section="Network",
    )
    port: int = _setting(8765, "TCP port to listen on (0 picks any free port).")
    tls_cert: str | None = _setting(
        None,
        "TLS certificate and private key (PEM files) to serve wss:// directly.\n"
        "Leave both out when a reverse proxy handles TLS.",
        example="/etc/holdspace/fullchain.pem",
    )
    tls_key: str | None = _setting(None, "", example="/etc/holdspace/privkey.pem")
    trusted_proxies: list[str] = _setting(
        [],
        "Addresses of your reverse proxies, single ones or ranges like \"10.0.0.0/8\".\n"
        "For connections from them, the client address is taken from the\n"
        "X-Forwarded-For header, so the per-address limits below apply to real\n"
        "clients rather than to the proxy.",
    )
    create_token: str | None = _setting(
        None,
        "Who may open rooms. With create_token set, a facilitator must give this\n"
        "token; with facilitators set, only those keys (base64url) may open rooms.\n"
        "With neither, anyone who can reach the relay can open a room.",
        section="Who may open rooms",
        example="choose-a-long-random-phrase",
    )
    facilitators: list[str] | None = _setting(None, "", example=["FACILITATOR-KEY-BASE64URL"])
    max_rooms: int = _setting(1000, "Rooms open at the same time.", section="Limits")
    max_seated: int = _setting(64, "Seated members per room.")
    max_lobby: int = _setting(32, "Members in one room's waiting room.")
    rooms_per_address: int = _setting(
        10, "Rooms one address may hold open, and open per minute (so one stranger\n"
            "cannot take every room).")
    rooms_per_minute: int = _setting(5, "")
    max_connections: int = _setting(
        2000, "Connections the relay holds at once, counted from the first byte."
    )
    max_frame_bytes: int = _setting(
        64 * KIB,
        "Largest frame accepted. Larger ones are refused; frames more than 1 KiB\n"
        "over this close the connection.",
    )
    max_backlog_bytes: int = _setting(
        MIB,
        "Bytes waiting to be sent to one connection. A member whose device stops\n"
        "reading is disconnected past this, so the room goes on without it.",
    )
    backlog_budget_bytes: int = _setting(
        128 * MIB,
        "The same for every connection together. Past it, a connection more than\n"
        "64 KiB behind that falls further behind is disconnected.",
    )
    member_rate: float = _setting(20.0, "Frames per second a member may send, and the burst allowed.")
    member_burst: int = _setting(60, "")
    facilitator_rate: float = _setting(
        200.0, "The same for the facilitator, higher because it sends new keys to everyone."
    )
    facilitator_burst: int = _setting(600, "")
    failed_joins_per_minute: int = _setting(
        10, "Failed joins (wrong invite, signature or token) per address per minute."
    )
    connections_per_address: int = _setting(
        256, "Connections from one address (members at one clinic may share an address)."
    )
    max_invites_per_room: int = _setting(1024, "Invites and bans kept per room; the oldest go first.")
    max_bans_per_room: int = _setting(1024, "")
    replay_frames: int = _setting(
        512, "Group messages kept per room so a member who reconnects misses nothing."
    )
    replay_budget_bytes: int = _setting(
        128 * MIB,
        "Memory for those kept messages across every room together. Past it the\n"
        "oldest go first, from the rooms holding the most.",
    )
    knocks_per_key: int = _setting(
        10, "Times one key may knock on a room's waiting room in 10 minutes."
    )
    seat_grace_seconds: float = _setting(
        300.0, "How long a seat is kept for a member whose connection dropped.", section="Timing"
    )
    room_grace_seconds: float = _setting(
        900.0, "How long a room lives after its facilitator's connection dropped."
    )
    empty_room_grace_seconds: float = _setting(
        60.0, "The same for a room nobody is in (no member seated or waiting)."
    )
    handshake_seconds: float = _setting(10.0, "Time a new connection has to answer the relay's challenge.")
    web_page: bool = _setting(
        True,
        "Serve the member page at /join, so members can join from a browser with\n"
        "the web link. Turn it off to offer only the terminal client, or when you\n"
        "serve the page from a separate origin of your own (holdspace web export).",
        section="Member page",
    )
    cluster_nats: list[str] = _setting(
        [],
        "Cluster mode (docs/SCALING.md): the NATS servers this relay node shares rooms\n"
        "through, its node name (unique), and the key that hides room ids from NATS\n"
        "(the same long random text on every node). Empty: the relay runs alone.",
        section="Cluster",
    )
    cluster_node: str | None = _setting(None, "", example="relay-1")
    cluster_subject_key: str | None = _setting(None, "", example="the-same-long-random-text-on-every-node")
    cluster_dead_after_seconds: float = _setting(
        2.0, "A node silent this long is taken for dead, and its rooms are taken over\n"
        "by another node (nodes beat four times as often). Lower fails over sooner,\n"
        "but a node stalled that long by load is then taken for dead too.")
    cluster_replicas: int = _setting(
        1, "Copies NATS keeps of which node holds each room and its state (in memory,\n"
        "JetStream key-value): 3 with three NATS servers, so losing one loses nothing.")
    log_level: str = _setting(
        "info",
        "debug, info, warning or error. Logs hold counts and error codes only,\n"
        "never room ids, keys, names or addresses.",
        section="Logging",
    )
    metrics: str = _setting(
        "local",
        "Who may read /metrics (counts only, never who is talking): \"local\" is\n"
        "programs on this machine that connect directly, not through a proxy;\n"
        "\"off\" is nobody; \"on\" is anyone who can reach the relay's port.",
        section="Monitoring",
    )

    def __post_init__(self) -> None:
        self._check_values()

    def _check_values(self) -> None:
        problems: list[str] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if is_number and f.name != "port" and not (math.isfinite(value) and value > 0):
                problems.append(f"'{f.name}' must be a number above zero (it is {value}).")
        if not 0 <= self.port <= 65535:
            problems.append(f"'port' must be between 0 and 65535 (it is {self.port}).")
        if (self.tls_cert is None) != (self.tls_key is None):
            problems.append("'tls_cert' and 'tls_key' (--cert and --key) go together: set both, or neither.")
        if self.log_level not in LOG_LEVELS:
            problems.append(f"'log_level' must be one of {', '.join(LOG_LEVELS)} (it is {self.log_level!r}).")
        if self.cluster_nats and (self.cluster_node is None or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}",
                                                                                 self.cluster_node)):
            problems.append("'cluster_node' (--node) must name this node in letters, digits, - or _ "
                            "when 'cluster_nats' is set.")
        if not 1 <= self.cluster_replicas <= 5:
            problems.append("'cluster_replicas' must be 1 to 5 (at most the number of NATS servers).")
        if self.cluster_nats and len(self.cluster_subject_key or "") < 16:
            problems.append("'cluster_subject_key' must be at least 16 characters (the same on every "
                            "node) when 'cluster_nats' is set.")
        if self.create_token is not None and not self.create_token.strip():
            problems.append("'create_token' is empty; remove the line or choose a phrase.")
        for key in self.facilitators or ():
            if vk_from_text(key) is None:
                problems.append(f"'facilitators' holds {key!r}, which is not a facilitator key "
                                "(43 characters of base64url, as the console shows it).")
        for address in self.trusted_proxies:
            try:
                parse_network(address)
            except ValueError:
                problems.append(f"'trusted_proxies' holds {address!r}, which is not an IP address "
                                "or a range like \"10.0.0.0/8\".")
        if self.metrics not in METRICS:
            problems.append(f"'metrics' must be one of {', '.join(METRICS)} (it is {self.metrics!r}).")
        if problems:
            raise ConfigError("\n".join(problems))

    def facilitator_vks(self) -> frozenset[bytes] | None:
        """The allowed facilitator keys as bytes, or None when anyone may open rooms."""
        if self.facilitators is None:
            return None
        return frozenset(vk for vk in map(vk_from_text, self.facilitators) if vk is not None)

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def replace(self, **changes: Any) -> RelayConfig:
        """A copy with some settings changed (None values are ignored, so
        command-line flags that were not given change nothing)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def vk_from_text(text: str) -> bytes | None:
    """A base64url verify key without padding, or None if it is not one."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", text):
        return None
    raw = base64.urlsafe_b64decode(text + "=")
    return raw if len(raw) == VK_LEN else None


# --- reading -----------------------------------------------------------------------


def _kind(hint: str) -> tuple[type, str, bool]:
    """(python type, words for a person, may be absent) for a field's annotation."""
    optional = hint.endswith("| None")
    base = hint.removesuffix("| None").strip()
    kinds = {
        "str": (str, 'text in quotes, like "example"'),
        "int": (int, "a whole number, like 10"),
        "float": (float, "a number, like 2.5"),
        "list[str]": (list, 'a list of texts, like ["one", "two"]'),
        "bool": (bool, "true or false"),
    }
    return (*kinds[base], optional)


def _check_type(name: str, hint: str, value: Any) -> Any:
    expected, words, _ = _kind(hint)
    ok = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok, value = True, float(value)
    if expected is list and ok:
        ok = all(isinstance(item, str) for item in value)
    if not ok:
        raise ConfigError(f"'{name}' should be {words}, but it is {value!r}.")
    return value


def from_mapping(values: dict[str, Any]) -> RelayConfig:
    """Build a config from a parsed TOML table, refusing unknown keys and wrong types."""
    fields = {f.name: f for f in dataclasses.fields(RelayConfig)}
    problems: list[str] = []
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in fields:
            close = difflib.get_close_matches(name, fields, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"'{name}' is not a setting the relay knows.{hint}")
            continue
        try:
            checked[name] = _check_type(name, str(fields[name].type), value)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    return RelayConfig(**checked)


def load(path: str | os.PathLike[str]) -> RelayConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"There is no settings file at {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The settings file {path} could not be read ({exc}).") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
    try:
        return from_mapping(values)
    except ConfigError as exc:
        raise ConfigError(f"Some settings in {path} need fixing:\n{exc}") from None


# --- writing -----------------------------------------------------------------------


def default_text(create_token: str | None = None) -> str:
    """relay.toml with every setting at its default and a comment saying what
    it does; with ``create_token``, that token set."""
    lines = [
        "# holdspace relay settings.",
        "# Every line below shows the default; change what you need, then send the running",
        "# relay SIGHUP (systemctl reload holdspace-relay) or restart it. A reload keeps every",
        "# session; host, port, turning TLS on or off and web_page need a restart (the relay",
        "# says which in its log).",
        "# The relay keeps everything in memory and never writes to disk.",
    ]
    for f in dataclasses.fields(RelayConfig):
        meta = f.metadata
        if meta["section"]:
            lines += ["", f"# --- {meta['section']} ---"]
        if meta["help"]:
            lines.append("")
            lines += [f"# {line}" for line in meta["help"].splitlines()]
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        if f.name == "create_token" and create_token is not None:
            default = create_token
        if default is None:  # off by default: show an example, commented out
            example = tomli_w.dumps({f.name: meta["example"]}).strip()
            lines += [f"# {line}" for line in example.splitlines()]
        else:
            lines.append(tomli_w.dumps({f.name: default}).strip())
    return "\n".join(lines) + "\n"


def write_default(path: str | os.PathLike[str], create_token: str | None = None) -> Path:
    """Write a commented relay.toml readable only by its owner (it may hold
    the room-creation token). Refuses to overwrite: FileExistsError."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(default_text(create_token))
    os.chmod(path, 0o600)  # in case the umask took more away than asked, or less
    return path
