"""The benchmark still runs: ``python -m bench --quick`` end to end.

A tiny configuration of every part (fan-out, scale, client crypto, the
console under a burst), in its own processes
as ``make bench`` runs them. Nothing here looks at a timing or a verdict:
only that every part ran, printed its ratios, and delivered what was sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(240)
def test_bench_runs_in_its_quick_configuration(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(figures)],
        cwd=ROOT, capture_output=True, text=True, timeout=230,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for heading in ("== Fan-out", "== Scale", "== Client crypto", "== Console under a burst",
                    "== Risk-cue scan", "== Targets"):
        assert heading in out, f"{heading!r} missing from the bench output"
    assert "ratios relay/bare" in out

    data = json.loads(figures.read_text())
    for scenario in data["fanout"]:
        for kind in ("bare", "relay"):
            assert scenario[kind]["expected"] > 0
            assert scenario[kind]["delivered"] == scenario[kind]["expected"], (scenario["scenario"], kind)
    assert data["scale"]["relay"]["held"] and data["scale"]["bare"]["held"]
    assert len(data["crypto"]["pairs"]) == 4
    assert data["risk_scan"]["lines"] == 60 and data["risk_scan"]["scan_p99_us"] > 0
    assert all(b["applied"] == data["console"]["events"] for b in data["console"]["bursts"])
    assert {t["name"] for t in data["targets"]} >= {
        "relay CPU per delivery <= 1.1x bare (worst scenario)",
        "console keypress p99 <= 100 ms during the burst",
        "risk scan p99 <= 1 ms per line, one core",
    }
