"""Run the real `holdspace` command as a person does: in a terminal of its own
(a pseudo-terminal) or with plain pipes, with a home folder of the test's."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-B]|[=>78])")


def holdspace(*args: str) -> list[str]:
    return [sys.executable, "-m", "holdspace", *args]


def environment(home: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "PYTHONWARNINGS": "ignore"}


def run(home: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(holdspace(*args), env=environment(home), stdin=subprocess.DEVNULL,
                          text=True, capture_output=True, timeout=timeout, cwd=home)


class InTerminal:
    """The command in a pseudo-terminal of 200x50, as a person's terminal window."""

    def __init__(self, home: Path, *args: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.proc = subprocess.Popen(holdspace(*args), env={**environment(home), "TERM": "xterm-256color"},
                                     stdin=slave, stdout=slave, stderr=slave, cwd=home,
                                     start_new_session=True)
        os.close(slave)
        self.output = b""

    @property
    def text(self) -> str:
        """Everything shown so far, without control sequences, spaces collapsed."""
        return " ".join(ANSI.sub("", self.output.decode("utf-8", "replace")).split())

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def _read(self, wait: float) -> bool:
        """Read what is there within ``wait`` s; False once the program closed the terminal."""
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the program exited and closed the terminal
            return False
        self.output += chunk
        return bool(chunk)

    def read_until(self, text: str, timeout: float = 10.0) -> str:
        """Wait (bounded) until ``text`` is on screen; a blocking call: run it in
        a thread from a test that also runs the relay."""
        deadline = time.monotonic() + timeout
        while text not in self.text:
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"{text!r} never appeared; the screen shows: {self.text[-2000:]}")
        return self.text

    def finish(self, deadline: float) -> tuple[int | None, str]:
        """Read everything until the program exits (or the deadline passes)."""
        while time.monotonic() < deadline and self._read(0.5):
            if self.proc.poll() is not None and not select.select([self.master], [], [], 0)[0]:
                break
        try:
            code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            code = None
        self.close()
        return code, self.text

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
