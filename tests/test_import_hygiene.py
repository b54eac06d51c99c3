"""The rule of the house (docs/ARCHITECTURE.md), held by tests.

- relay imports none of the other rooms, and never Textual; its state core
  (rooms.py, limits.py) touches neither asyncio, websockets nor a clock;
- client imports only the wire format from relay, and never Textual;
- console and member import client, never each other;
- widgets and screens import no crypto and no sockets;
- nothing is installed at the top level but `holdspace`.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROOMS = {"relay": "relay", "client": "client", "console": "console", "member": "member", "ui": "ui",
         "holdspace": "holdspace"}
# Which rooms each room may import (besides itself).
ALLOWED = {
    "relay": set(),
    "client": {"relay"},          # the wire format only: see RELAY_FOR_CLIENT
    "ui": set(),
    "console": {"client", "ui", "relay"},  # relay: the embedded relay `holdspace console` starts
    "member": {"client", "ui"},
    "holdspace": {"relay", "client", "console", "member", "ui"},
}
RELAY_FOR_CLIENT = {"holdspace.relay.protocol"}
NO_CRYPTO_NO_SOCKETS = {"nacl", "websockets", "socket", "asyncio", "holdspace.client.crypto",
                        "holdspace.client.identity", "holdspace.client.epochs",
                        "holdspace.client.session", "holdspace.client.facilitator_session",
                        "holdspace.client.member_session", "holdspace.relay"}


def modules_of(room: str) -> list[Path]:
    return sorted((REPO / room).rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from holdspace.client import crypto` imports holdspace.client.crypto
            found |= {f"{node.module}.{alias.name}" for alias in node.names
                      if node.module.startswith("holdspace.")}
    return found


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "holdspace":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else "holdspace"


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_each_room_imports_only_the_rooms_it_may(room: str) -> None:
    wrong = []
    for path in modules_of(room):
        for module in imports_of(path):
            other = room_of(module)
            if other is None or other == room or module in {"holdspace"}:
                continue
            wire_only = module == "holdspace.relay" or module.startswith(tuple(RELAY_FOR_CLIENT))
            if other not in ALLOWED[room] or (room == "client" and other == "relay" and not wire_only):
                wrong.append(f"{path.relative_to(REPO)} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_no_module_is_imported_by_its_bare_room_name() -> None:
    bare = [f"{path.relative_to(REPO)}: {module}" for room in ROOMS for path in modules_of(room)
            for module in imports_of(path) if module.split(".")[0] in set(ROOMS) - {"holdspace"}]
    bare += [f"{path.relative_to(REPO)}: {module}" for folder in ("tests", "bench")
             for path in sorted((REPO / folder).rglob("*.py")) for module in imports_of(path)
             if module.split(".")[0] in set(ROOMS) - {"holdspace"}]
    assert not bare, "\n".join(bare)


def test_packaged_files_are_found_by_their_holdspace_name() -> None:
    # resources.files("console") works only from the repository folder; installed, it is
    # holdspace.console (a facilitator's `holdspace console` once failed this way).
    wrong = []
    for room in ROOMS:
        for path in modules_of(room):
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"files", "import_module"}
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)
                        and not node.args[0].value.startswith("holdspace")):
                    wrong.append(f"{path.relative_to(REPO)}:{node.lineno} {node.args[0].value!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", [*modules_of("console/widgets"), *modules_of("console/screens"),
                                  *modules_of("ui")], ids=lambda p: str(p.relative_to(REPO)))
def test_widgets_and_screens_hold_no_crypto_and_no_sockets(path: Path) -> None:
    found = {module for module in imports_of(path)
             if any(module == banned or module.startswith(banned + ".") for banned in NO_CRYPTO_NO_SOCKETS)}
    assert not found


def loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            check=True, timeout=30)
    return set(json.loads(result.stdout))


def dotted(path: Path) -> str:
    room = path.relative_to(REPO).parts[0]
    rest = path.relative_to(REPO / room).with_suffix("").parts
    rest = rest[:-1] if rest[-1] == "__init__" else rest
    return ".".join(["holdspace"] + ([room] if room != "holdspace" else []) + list(rest))


CORE = [dotted(p) for room in ("relay", "client") for p in modules_of(room) if p.name != "__main__.py"]


@pytest.mark.parametrize("module", CORE)
def test_the_relay_and_the_client_core_load_no_screen(module: str) -> None:
    loaded = loaded_after_import(module)
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}
    assert not {name for name in loaded if name.startswith(("holdspace.console", "holdspace.member",
                                                             "holdspace.ui"))}


STATE_CORE = ["rooms", "room", "admission", "replay", "limits"]


@pytest.mark.parametrize("module", [f"holdspace.relay.{name}" for name in STATE_CORE])
def test_the_state_core_loads_neither_asyncio_nor_websockets(module: str) -> None:
    loaded = loaded_after_import(module)
    assert "asyncio" not in loaded and "websockets" not in loaded


@pytest.mark.parametrize("path", [f"relay/{name}.py" for name in STATE_CORE])
def test_the_state_core_never_reads_a_clock(path: str) -> None:
    imported = {module.split(".")[0] for module in imports_of(REPO / path)}
    assert not imported & {"asyncio", "websockets", "time", "datetime", "textual"}


def test_the_wheel_installs_nothing_at_the_top_level_but_holdspace(tmp_path: Path) -> None:
    # A plain (not editable) build, as `pip install .` makes it, from a copy of the tracked
    # files: setuptools builds in the source tree and would leave build/ in the checkout.
    source = tmp_path / "source"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True,
                             timeout=30).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path),
                            str(source)], check=True, timeout=300, capture_output=True, text=True)
    assert "Warning" not in built.stderr, built.stderr  # setuptools says nothing to fix
    wheel = next(tmp_path.glob("holdspace-*.whl"))
    top = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {name for name in top if not name.endswith(".dist-info")} == {"holdspace"}
    names = zipfile.ZipFile(wheel).namelist()
    for packaged in ("holdspace/relay/server.py", "holdspace/console/console.tcss",
                     "holdspace/web/static/join.html", "holdspace/docs/SELF-HOSTING.md"):
        assert packaged in names
    assert any(name.endswith("licenses/LICENSE") for name in names)


def test_version_from_the_command_and_from_python_m() -> None:
    from holdspace import __version__

    for argv in (["-m", "holdspace", "--version"], ["-m", "holdspace.cli", "--version"]):
        result = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=30,
                                cwd="/")
        assert result.returncode == 0 and result.stdout.strip() == f"holdspace {__version__}"
