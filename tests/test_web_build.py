"""The committed member page is what its sources build, and small enough.

Two checks, said plainly:
- Always (no npm needed): web/static/build.json records a hash of every source
  file and the lockfile, and the bundle's hash, as written by the last
  `make web`. The sources must still hash to it, and the bundle and the page's
  integrity attribute must match it. This catches a source changed without
  rebuilding, or a bundle edited by hand; it trusts that whoever committed ran
  the build.
- When web/node_modules exists (after `make web`): a real rebuild with the pinned
  esbuild into a temporary directory, byte for byte the committed bundle. This
  is the reproducible-build check itself.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.web_tools import BUNDLE, STATIC, WEB, node

MAX_GZIP = 200 * 1024


def sources_hash(files: list[str]) -> str:
    digest = hashlib.sha256()
    for name in files:
        digest.update(f"{name}\0".encode() + (WEB / name).read_bytes() + b"\0")
    return digest.hexdigest()


def test_the_committed_bundle_matches_the_sources_it_was_built_from() -> None:
    record = json.loads((STATIC / "build.json").read_text())
    current = ["package-lock.json", "build.mjs", *sorted(f"src/{p.name}" for p in (WEB / "src").iterdir())]
    assert record["files"] == current, "a source file was added or removed: run make web"
    assert sources_hash(current) == record["sources"], "the sources changed since the last build: run make web"
    bundle = BUNDLE.read_bytes()
    assert hashlib.sha256(bundle).hexdigest() == record["bundle"], "the bundle was changed by hand"
    integrity = re.search(r'integrity="sha256-([^"]+)"', (STATIC / "join.html").read_text()).group(1)
    assert base64.b64decode(integrity) == hashlib.sha256(bundle).digest()


@pytest.mark.skipif(not (WEB / "node_modules" / "esbuild").is_dir(),
                    reason="web/node_modules is absent (make web installs the pinned esbuild)")
def test_rebuilding_with_the_pinned_esbuild_gives_the_same_bytes(tmp_path: Path) -> None:
    subprocess.run([node(), str(WEB / "build.mjs"), str(tmp_path)], check=True, capture_output=True,
                   timeout=120)
    for name in ("holdspace.js", "join.html", "build.json"):
        assert (tmp_path / name).read_bytes() == (STATIC / name).read_bytes(), name


def test_the_bundle_is_small_enough_for_a_slow_phone_link(record_property) -> None:
    bundle = BUNDLE.read_bytes()
    zipped = len(gzip.compress(bundle, compresslevel=9, mtime=0))
    record_property("summary:member page bundle", f"{len(bundle) / 1024:.0f} KB, {zipped / 1024:.0f} KB gzip")
    assert zipped <= MAX_GZIP


def test_the_libraries_licences_travel_with_the_bundle() -> None:
    names = {p.name for p in (STATIC / "licenses").iterdir()}
    assert names == {"libsodium.txt", "libsodium-wrappers.txt", "msgpack.txt"}
    assert all((STATIC / "licenses" / n).stat().st_size > 200 for n in names)
