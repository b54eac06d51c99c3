"""`holdspace` command line: one entry point, one subcommand per program.

Imports happen inside each subcommand so `holdspace relay` never loads Textual
and a member's client starts quickly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from holdspace import __version__

USAGE = """\
holdspace: private, end-to-end encrypted peer-support sessions.

  holdspace console            run a session as the facilitator
  holdspace join LINK          join a session as a member
  holdspace relay              run a relay server (for self-hosters)
  holdspace init               write a console.toml to edit (group agreement, resources...)
  holdspace demo               see a session with simulated members
  holdspace records open FILE  read a safeguarding record you exported

Add --help after any of them for details.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="holdspace", description=USAGE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"holdspace {__version__}")
    sub = parser.add_subparsers(dest="command")

    con = sub.add_parser("console", help="run a session as the facilitator")
    con.add_argument("--relay", metavar="URL", help="use this relay (ws:// or wss://); "
                     "without it a relay runs inside the console")
    con.add_argument("--name", metavar="GROUP", help="group name shown on screen")
    con.add_argument("--invite-file", metavar="PATH", type=Path,
                     help="also write the invite link to PATH (readable only by you)")
    con.add_argument("--host", default="127.0.0.1",
                     help="where the built-in relay listens (0.0.0.0 for your local network)")
    con.add_argument("--port", type=int, default=8765, help="built-in relay port (the next free one is used if busy)")
    con.add_argument("--config", metavar="FILE", type=Path, help="console.toml to use")
    con.add_argument("--relay-token", "--token", dest="token", metavar="TOKEN",
                     help="the relay's room-creation token, if it asks for one "
                          "(or relay_token in console.toml)")

    join = sub.add_parser("join", help="join a session as a member")
    join.add_argument("link", help="the invite link the facilitator gave you")
    join.add_argument("--name", help="the first name or made-up name to use")
    join.add_argument("--plain", action="store_true",
                      help="simple line-by-line mode (screen readers, slow connections)")

    init = sub.add_parser("init", help="write a console.toml to edit")
    init.add_argument("path", nargs="?", type=Path, help="where to write it")

    demo = sub.add_parser("demo", help="see a session with simulated members")
    demo.add_argument("--port", type=int, default=8765)

    records = sub.add_parser("records", help="read an exported safeguarding record")
    records.add_argument("action", choices=["open"])
    records.add_argument("file", type=Path)
    records.add_argument("--config", metavar="FILE", type=Path, help=argparse.SUPPRESS)

    sub.add_parser("relay", help="run a relay server (see: holdspace relay --help)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["relay"]:
        from holdspace.relay.cli import main as relay_main

        return relay_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "console":
            from holdspace.console.launch import run_console

            return run_console(args)
        if args.command == "join":
            from holdspace.member.app import run_member

            return run_member(args)
        if args.command == "init":
            return _init(args.path)
        if args.command == "demo":
            from holdspace.console.demo import run_demo

            return run_demo(args)
        if args.command == "records":
            from holdspace.console.records import open_records_command

            return open_records_command(args.file)
    except KeyboardInterrupt:
        return 130
    print(USAGE)
    return 0


def _init(path: Path | None) -> int:
    from holdspace.console.config import ConfigError, default_config_path, write_default

    path = path or default_config_path()
    try:
        write_default(path)
    except ConfigError as exc:
        print(exc)
        return 1
    print(f"Wrote {path}. Open it in a text editor to set your group agreement, "
          "emergency number and crisis resources.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
