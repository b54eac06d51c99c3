"""``python -m bench``: run every benchmark and print the ratios.

Internal roles (one process each): ``_server KIND``, ``_load``, ``_console``,
``_members``.
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0].startswith("_"):
        role, rest = argv[0], argv[1:]
        if role == "_server":
            from bench import servers
            servers.main(rest)
        elif role == "_load":
            from bench import loader
            loader.main(rest)
        elif role == "_console":
            from bench import burst_console
            burst_console.console_main(rest)
        elif role == "_members":
            from bench import burst_members
            burst_members.members_main(rest)
        else:
            raise SystemExit(f"unknown role {role}")
        return
    from bench import run
    run.main(argv)


if __name__ == "__main__":
    main()
