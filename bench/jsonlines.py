"""The console burst's pipe between processes: JSON lines out on the original stdout, in from stdin."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any


class Out:
    """JSON lines to the parent on the original stdout (Textual may capture sys.stdout)."""

    def __init__(self) -> None:
        self.fd = os.dup(1)

    def __call__(self, obj: Any) -> None:
        os.write(self.fd, (json.dumps(obj) + "\n").encode())


async def read_line() -> dict[str, Any]:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line:
        raise SystemExit(0)
    return json.loads(line)
