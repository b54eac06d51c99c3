"""deploy/: the files a self-hoster copies must work where they are checked.

Each check runs the real tool when this machine has it (systemd-analyze,
hadolint, PyYAML) and otherwise skips, saying which tool is missing. The
Caddyfile and nginx.conf run for real in test_behind_a_proxy.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "holdspace-relay.service"
MAX_EXPOSURE = 2.0


def _tool(name: str) -> str:
    """The tool's path: on PATH, or installed next to this Python (pip packages)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed here")
    return found


def _run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd)


@pytest.fixture
def unit_here(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this environment's holdspace (verify
    checks the program exists), everything else as shipped."""
    holdspace = Path(sys.executable).parent / "holdspace"
    text = UNIT.read_text().replace("/opt/holdspace/bin/holdspace", str(holdspace))
    copy = tmp_path / UNIT.name
    copy.write_text(text)
    return copy


def test_unit_passes_systemd_verify(unit_here: Path) -> None:
    result = _run(_tool("systemd-analyze"), "verify", str(unit_here))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def _exposure(unit: Path) -> float:
    result = _run(_tool("systemd-analyze"), "security", "--offline=true", "--no-pager", str(unit))
    assert result.returncode == 0, result.stderr
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    assert found, result.stdout[-500:]
    return float(found.group(1))


def test_unit_security_score_is_at_most_two(unit_here: Path) -> None:
    assert _exposure(unit_here) <= MAX_EXPOSURE


def test_the_score_the_docs_give_is_the_one_measured(unit_here: Path) -> None:
    measured = f"{_exposure(unit_here):.1f}"
    for doc in (UNIT, ROOT / "docs" / "SELF-HOSTING.md"):
        claimed = re.findall(r"scores (?:this unit|it)\s+\**(\d\.\d)", doc.read_text())
        assert claimed == [measured], f"{doc.name} says {claimed}, systemd-analyze says {measured}"


def test_unit_reads_config_and_tls_through_credentials() -> None:
    text = UNIT.read_text()
    assert "LoadCredential=relay.toml:/etc/holdspace/relay.toml" in text
    assert "--config ${CREDENTIALS_DIRECTORY}/relay.toml" in text
    assert re.search(r"#LoadCredential=fullchain.pem:", text)
    assert re.search(r"--cert \$\{CREDENTIALS_DIRECTORY\}/fullchain.pem", text)
    for setting in ("DynamicUser=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                    "NoNewPrivileges=yes", "MemoryDenyWriteExecute=yes", "CapabilityBoundingSet=\n",
                    "SystemCallFilter=@system-service", "LimitNOFILE=", "MemoryMax="):
        assert setting in text, setting


def test_containerfile_passes_hadolint() -> None:
    result = _run(_tool("hadolint"), "--failure-threshold", "info", str(DEPLOY / "Containerfile"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_containerfile_runs_the_relay_alone_as_a_user_with_a_health_check() -> None:
    lines = [line for line in (DEPLOY / "Containerfile").read_text().splitlines()
             if line and not line.startswith("#")]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    text = "\n".join(lines)
    assert "'.[relay]'" in text  # the relay-only install
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'ENTRYPOINT ["holdspace", "relay"]' in text


def test_compose_file_parses_and_keeps_the_relay_locked_down() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed here")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    relay = compose["services"]["relay"]
    assert relay["read_only"] is True
    assert relay["cap_drop"] == ["ALL"]
    assert "ports" not in relay  # only Caddy reaches it
    assert relay["build"]["dockerfile"] == "deploy/Containerfile"
    caddy = compose["services"]["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
