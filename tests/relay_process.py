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


async def read_until(stream: asyncio.StreamReader | None, pattern: str, what: str) -> re.Match[str]:
    """Read a child's output up to the line matching ``pattern``."""
    assert stream is not None
    async with asyncio.timeout(30):
        while True:
            line = (await stream.readline()).decode()
            assert line, f"{what} stopped before it listened"
            found = re.search(pattern, line)
            if found:
                return found


def drain(stream: asyncio.StreamReader | None) -> None:
    """Read the rest of a child's output in the background: a full pipe would
    stop the child the next time it writes a line."""
    assert stream is not None
    asyncio.get_running_loop().create_task(stream.read())


async def start_relay(folder: Path, *args: str, preexec: Callable[[], None] | None = None,
                      read_stderr: bool = False) -> RelayProcess:
    """``holdspace relay --port 0 ARGS`` run in ``folder`` (in an empty one, no
    relay.toml is found: the defaults). With ``read_stderr`` the test reads its
    log itself."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "holdspace", "relay", "--port", "0", *args, cwd=folder,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, preexec_fn=preexec)
    found = await read_until(proc.stdout, r"listening on (ws://\S+)", "the relay")
    drain(proc.stdout)
    if not read_stderr:
        drain(proc.stderr)
    return RelayProcess(proc, found.group(1))
