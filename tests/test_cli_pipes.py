"""A self-hoster reads `holdspace relay docs | less` and quits early, or pipes a
command's output into `head`: the reader is gone, and that is no error of
theirs. The command stops quietly: no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("argv", [["relay", "docs"], ["--help"], ["relay", "--help"]])
def test_output_into_a_closed_pipe_ends_without_a_traceback(argv: list[str]) -> None:
    # The reading end is closed before the command writes: every write meets a
    # pipe nobody reads, as when `head` or `less` has already exited.
    proc = subprocess.Popen([sys.executable, "-m", "holdspace", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=30)
    assert "Traceback" not in err, err
    assert "BrokenPipeError" not in err, err
