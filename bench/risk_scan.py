"""Risk-cue scan per chat line (holdspace.console.risk), on one core.

Every line of the risk corpus (tests/data/risk_cues/, risk and everyday alike)
is scanned and, as the baseline, opened as the console must open it anyway
(SecretBox.decrypt + Ed25519 verify of the same line, sealed as a group
message). Both are timed line by line in alternating passes; each line keeps
its best pass (the one least disturbed by other processes), and the
percentiles are taken over lines. The first pass, in which each phrase is
compiled when a line first needs it, is reported apart.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import nacl.secret
from nacl.signing import SigningKey

from bench.fanout import percentile
from holdspace.client.crypto import pack
from holdspace.client.identity import new_epoch_key
from holdspace.console.risk.scanner import RiskScanner
from tests import risk_corpus


@dataclass
class ScanFigures:
    lines: int
    build_ms: float
    first_pass_p99_us: float
    scan_p50_us: float
    scan_p99_us: float
    scan_max_us: float
    open_p50_us: float
    open_p99_us: float

    @property
    def ratio_p99(self) -> float:
        return self.scan_p99_us / self.open_p99_us


def measure(passes: int = 7, limit: int | None = None) -> ScanFigures:
    texts = [line.text for line in risk_corpus.load()][:limit]
    pinned = _pin_to_one_core()
    try:
        t0 = time.perf_counter_ns()
        scanner = RiskScanner.from_config()
        build_ms = (time.perf_counter_ns() - t0) / 1e6
        signing = SigningKey.generate()
        box = nacl.secret.SecretBox(new_epoch_key())
        sealed = [box.encrypt(signing.sign(pack({"k": "chat", "text": t}))) for t in texts]
        verify = signing.verify_key
        first = [_timed(scanner.scan, t) for t in texts]
        scan = [float("inf")] * len(texts)
        opened = [float("inf")] * len(texts)
        for _ in range(passes):
            for i, (text, ct) in enumerate(zip(texts, sealed, strict=True)):
                scan[i] = min(scan[i], _timed(scanner.scan, text))
                opened[i] = min(opened[i], _timed(lambda c: verify.verify(box.decrypt(c)), ct))
    finally:
        _restore(pinned)
    return ScanFigures(len(texts), build_ms, percentile(first, 99), percentile(scan, 50),
                       percentile(scan, 99), max(scan), percentile(opened, 50), percentile(opened, 99))


def _timed(fn, arg) -> float:
    t0 = time.perf_counter_ns()
    fn(arg)
    return (time.perf_counter_ns() - t0) / 1000


def _pin_to_one_core() -> set[int] | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(before)})
    return before


def _restore(before: set[int] | None) -> None:
    if before is not None:
        os.sched_setaffinity(0, before)
