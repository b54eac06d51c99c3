"""The relay stands alone: it never pulls in the console or Textual, and its
state core (rooms.py, limits.py) touches neither asyncio nor websockets."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RELAY_MODULES = ["relay.protocol", "relay.rooms", "relay.limits", "relay.config", "relay.server", "relay.cli"]


def loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            check=True, timeout=30)
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", RELAY_MODULES)
def test_relay_modules_do_not_load_the_console_or_textual(module: str) -> None:
    loaded = loaded_after_import(module)
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}
    assert not {name for name in loaded if name == "console" or name.startswith("console.")}


@pytest.mark.parametrize("module", ["relay.rooms", "relay.limits"])
def test_the_state_core_loads_neither_asyncio_nor_websockets(module: str) -> None:
    loaded = loaded_after_import(module)
    assert "asyncio" not in loaded and "websockets" not in loaded


@pytest.mark.parametrize("path", ["relay/rooms.py", "relay/limits.py"])
def test_the_state_core_never_reads_a_clock(path: str) -> None:
    tree = ast.parse((REPO / path).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"asyncio", "websockets", "time", "datetime", "console", "textual"}
