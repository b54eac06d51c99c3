"""What the bench reads about its child processes, from /proc (Linux)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from holdspace.relay.gate import raise_open_file_limit

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of every thread of ``pid`` so far, in seconds.
    schedstat counts nanoseconds, so short windows are measured exactly; stat
    (clock ticks) is the fallback."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK


def runqueue_wait(pid: int) -> float:
    """Seconds the threads of ``pid`` spent runnable but waiting for a CPU (the
    second field of schedstat): how much other processes delayed it."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return total / 1e9


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def raise_nofile() -> int:
    """Raise the open-file limit's soft value to the hard one; return it."""
    return raise_open_file_limit()


class Child:
    """A bench subprocess (``python -m bench _ROLE ...``) spoken to in JSON lines."""

    def __init__(self, role: str, *args: str, nice: int = 0) -> None:
        self.role = role
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench", f"_{role}", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, message: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((message if isinstance(message, str) else json.dumps(message)) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"bench {self.role} process ended (exit {code}) without answering")
        return json.loads(line)

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def waited(self) -> float:
        return runqueue_wait(self.pid)

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def close(self, timeout: float = 10.0) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)
