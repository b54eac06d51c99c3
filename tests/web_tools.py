"""What the browser tests need from the machine: node (to run the page's bundle
for interop vectors) and Debian's Chromium. Missing ones skip the test on a
developer's machine; under CI=true they fail, so a green CI run always means
the page was tested for real (`make test` installs both when it can)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
STATIC = WEB / "static"
BUNDLE = STATIC / "holdspace.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def require(what: str, found: bool) -> None:
    if found:
        return
    message = f"{what} is not installed (make test installs it with apt-get)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; under CI=true the browser tests must run")
    pytest.skip(message)


def node() -> str:
    path = shutil.which("node")
    require("node", path is not None)
    return path  # type: ignore[return-value]


def chromium() -> str:
    require("chromium", os.access(CHROMIUM, os.X_OK))
    try:
        import playwright  # noqa: F401
    except ImportError:
        require("playwright (Python)", False)
    return CHROMIUM
