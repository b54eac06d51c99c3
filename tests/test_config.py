"""relay.toml and `holdspace relay` arguments: defaults, round trips, kind errors."""

from __future__ import annotations

import logging
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from holdspace.relay.cli import main
from holdspace.relay.config import ConfigError, RelayConfig, default_text, load, write_default


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "relay.toml"
    path.write_text(text)
    return path


def test_the_defaults_are_the_protocol_promises() -> None:
    config = RelayConfig()
    assert (config.host, config.port) == ("127.0.0.1", 8765)
    assert config.max_frame_bytes == 64 * 1024 and config.max_backlog_bytes == 1024 * 1024
    assert (config.max_seated, config.max_lobby, config.replay_frames) == (64, 32, 512)
    assert (config.member_rate, config.member_burst) == (20, 60)
    assert (config.facilitator_rate, config.facilitator_burst) == (200, 600)
    assert (config.failed_joins_per_minute, config.connections_per_address) == (10, 256)
    assert (config.seat_grace_seconds, config.room_grace_seconds, config.handshake_seconds) == (300, 900, 10)
    assert config.create_token is None and config.facilitators is None and not config.tls


def test_the_default_file_round_trips_and_documents_every_setting(tmp_path: Path) -> None:
    text = default_text()
    assert tomllib.loads(text) and load(write_default(tmp_path / "relay.toml")) == RelayConfig()
    for name in RelayConfig.__dataclass_fields__:
        assert name in text
    assert "# create_token = " in text  # off by default, shown as an example


def test_write_default_refuses_to_overwrite(tmp_path: Path) -> None:
    path = write(tmp_path, "port = 1\n")
    with pytest.raises(FileExistsError):
        write_default(path)
    assert path.read_text() == "port = 1\n"


def test_settings_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, 'port = 9000\nseat_grace_seconds = 60\nfacilitators = ["%s"]\n' % ("A" * 43))
    config = load(path)
    assert config.port == 9000 and config.seat_grace_seconds == 60.0
    assert config.facilitator_vks() == {b"\x00" * 32}


@pytest.mark.parametrize(("text", "says"), [
    ("max_room = 3\n", "Did you mean 'max_rooms'?"),
    ('port = "eighty"\n', "'port' should be a whole number"),
    ("member_rate = true\n", "'member_rate' should be a number"),
    ("facilitators = [1]\n", "'facilitators' should be a list of texts"),
    ("facilitators = [\"not-a-key\"]\n", "not a facilitator key"),
    ("max_lobby = 0\n", "'max_lobby' must be a number above zero"),
    ("port = 70000\n", "between 0 and 65535"),
    ('tls_cert = "cert.pem"\n', "go together"),
    ('log_level = "loud"\n', "'log_level' must be one of"),
    ('trusted_proxies = ["proxy"]\n', "not an IP address"),
    ("port = \n", "not valid TOML"),
])
def test_mistakes_are_explained(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(write(tmp_path, text))
    assert says in str(raised.value)


def test_every_mistake_is_listed_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load(write(tmp_path, 'max_room = 3\nport = "x"\n'))
    assert "max_room" in str(raised.value) and "'port'" in str(raised.value)


def test_a_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="There is no settings file"):
        load(tmp_path / "nope.toml")


def test_flags_override_the_file_and_absent_flags_do_not() -> None:
    config = RelayConfig(port=9000, host="0.0.0.0").replace(port=9001, host=None)
    assert (config.host, config.port) == ("0.0.0.0", 9001)


def test_the_cli_reports_a_bad_config_kindly(tmp_path: Path, capsys) -> None:
    assert main(["--config", str(write(tmp_path, "max_room = 3\n"))]) == 2
    err = capsys.readouterr().err
    assert "Some settings in" in err and "Did you mean 'max_rooms'?" in err and "Traceback" not in err


def test_the_cli_needs_cert_and_key_together(capsys) -> None:
    assert main(["--cert", "cert.pem"]) == 2
    assert "go together" in capsys.readouterr().err


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """main() sets up logging for a process; put it back for the other tests."""
    root, ours = logging.getLogger(), logging.getLogger("holdspace.relay")
    handlers, levels = list(root.handlers), (root.level, ours.level)
    yield
    root.handlers[:] = handlers
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


def test_the_cli_explains_a_port_in_use(capsys, logging_restored) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["--port", str(busy.getsockname()[1])]) == 1
    assert "already in use" in capsys.readouterr().err


def test_help_exits_zero(capsys) -> None:
    assert main(["--help"]) == 0
    assert "holdspace relay" in capsys.readouterr().out
    assert main(["init", "--help"]) == 0


def test_relay_init_writes_a_random_creation_token(tmp_path: Path, capsys) -> None:
    tokens = []
    for name in ("a.toml", "b.toml"):
        assert main(["init", str(tmp_path / name)]) == 0
        token = load(tmp_path / name).create_token
        assert token is not None and len(token) >= 32
        assert token in capsys.readouterr().out  # shown once, to hand to facilitators
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
        tokens.append(token)
    assert tokens[0] != tokens[1]


def test_the_console_takes_the_relay_token_from_its_flag_or_console_toml() -> None:
    from holdspace.cli import _parser
    from holdspace.console.config import ConsoleConfig
    from holdspace.console.launch import relay_token

    relay = ["console", "--relay", "wss://relay.example"]
    for flag in ("--relay-token", "--token"):  # --token: the name it had before
        assert relay_token(_parser().parse_args([*relay, flag, "s3cret"]), ConsoleConfig()) == "s3cret"
    configured = ConsoleConfig(relay_token="from-toml")
    assert relay_token(_parser().parse_args(relay), configured) == "from-toml"
    assert relay_token(_parser().parse_args(relay), ConsoleConfig()) is None
