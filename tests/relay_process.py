"""A relay run as its own process (``holdspace relay``), as a self-hoster
runs it: its memory and limits read from /proc, and kill -9 possible."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path


class RelayProcess:
    def __init__(self, proc: asyncio.subprocess.Process, url: str) -> None:
        self.proc = proc
        self.url = url

    def status(self, field: str) -> int:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024

    def open_files_limit(self) -> tuple[str, str]:
        text = Path(f"/proc/{self.proc.pid}/limits").read_text()
        soft, hard = re.search(r"^Max open files\s+(\S+)\s+(\S+)", text, re.M).groups()
        return soft, hard


async def start_relay(folder: Path, *args: str, preexec: Callable[[], None] | None = None) -> RelayProcess:
    """``holdspace relay --port 0 ARGS`` run in ``folder`` (in an empty one, no
    relay.toml is found: the defaults)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "holdspace", "relay", "--port", "0", *args, cwd=folder,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, preexec_fn=preexec)
    assert proc.stdout is not None
    async with asyncio.timeout(30):
        while True:
            line = (await proc.stdout.readline()).decode()
            assert line, "the relay stopped before it listened"
            found = re.search(r"listening on (ws://\S+)", line)
            if found:
                return RelayProcess(proc, found.group(1))
