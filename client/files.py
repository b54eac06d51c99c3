"""The user's own files: where they live and how they are written (0600).

Every client writes only its user's own settings and keys, and exports the
user asked for; nothing about other people ever reaches a file.
"""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "holdspace"


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (0600), creating its folder (0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)
