"""Prometheus lines about the relay's process and build: memory, open files
against their limit, CPU time, and which version is running.

Read from /proc/self only (what systemd's ProcSubset=pid leaves visible), so
no extra library is needed; where /proc is missing, those lines are left out.
"""

from __future__ import annotations

import os
import platform
import resource

from holdspace import __version__

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _gauge(name: str, help: str, value: float, kind: str = "gauge") -> list[str]:
    return [f"# HELP {name} {help}", f"# TYPE {name} {kind}", f"{name} {value}"]


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def _open_fds() -> int | None:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def process_metrics() -> list[str]:
    lines: list[str] = []
    rss = _resident_bytes()
    if rss is not None:
        lines += _gauge("process_resident_memory_bytes", "Resident memory size in bytes.", rss)
    fds = _open_fds()
    if fds is not None:
        lines += _gauge("process_open_fds", "Number of open file descriptors.", fds)
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY:
        lines += _gauge("process_max_fds", "Maximum number of open file descriptors.", soft)
    times = os.times()
    lines += _gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                    round(times.user + times.system, 3), kind="counter")
    return lines


def build_info() -> list[str]:
    """``holdspace_build_info{version, python} 1``, the usual way to export a version."""
    labels = f'version="{_label(__version__)}",python="{_label(platform.python_version())}"'
    return [
        "# HELP holdspace_build_info The holdspace version and Python version running this relay.",
        "# TYPE holdspace_build_info gauge",
        f"holdspace_build_info{{{labels}}} 1",
    ]


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
