"""`holdspace` command line: one entry point, one subcommand per program.

Imports happen inside each subcommand so `holdspace relay` never loads Textual
and a member's client starts quickly.
"""

from __future__ import annotations

import argparse
import os
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
  holdspace web export DIR     copy the member page, to serve it from your own web server

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
    con.add_argument("--name", metavar="NAME", help="group name shown on screen (with "
                     "--co-facilitator: the name you go by; asked on screen if left out)")
    con.add_argument("--invite-file", metavar="PATH", type=Path,
                     help="also write the invite links to PATH, readable only by you: "
                          "line 1 for `holdspace join`, line 2 for a browser")
    con.add_argument("--co-invite-file", metavar="PATH", type=Path,
                     help="also write a co-facilitator link to PATH (readable only by you; "
                          "it works once, for one hour)")
    con.add_argument("--co-facilitator", metavar="LINK",
                     help="join a session as co-facilitator, with the link its lead facilitator gave you")
    con.add_argument("--host", default="127.0.0.1",
                     help="where the built-in relay listens (0.0.0.0 for your local network)")
    con.add_argument("--port", type=int, default=8765, help="built-in relay port (the next free one is used if busy)")
    con.add_argument("--config", metavar="FILE", type=Path, help="console.toml to use")
    con.add_argument("--relay-token", "--token", dest="token", metavar="TOKEN",
                     help="the relay's room-creation token, if it asks for one "
                          "(or relay_token in console.toml)")
    con.add_argument("--public-url", metavar="URL",
                     help="the relay address to put in invite links, when members reach it "
                          "differently from this machine (e.g. wss://example.org/holdspace)")

    join = sub.add_parser("join", help="join a session as a member")
    join.add_argument("link", help="the invite link the facilitator gave you (ws://... or http://.../join#...)")
    join.add_argument("--name", help="the first name or made-up name to use")
    join.add_argument("--plain", action="store_true",
                      help="simple line-by-line mode (screen readers, slow connections)")

    init = sub.add_parser("init", help="write a console.toml to edit")
    init.add_argument("path", nargs="?", type=Path, help="where to write it")

    demo = sub.add_parser("demo", help="see a session with simulated members")
    demo.add_argument("--port", type=int, default=8765)

    records = sub.add_parser("records", help="read an exported safeguarding record",
                             description="Read safeguarding records you exported from the console. "
                                         "They open only on the account whose console exported them.")
    records.add_argument("action", choices=["open"], metavar="open",
                         help="show the records in FILE on the screen")
    records.add_argument("file", type=Path, metavar="FILE",
                         help="the exported file (its name ends in .hsrecords)")
    records.add_argument("--config", metavar="FILE", type=Path, help=argparse.SUPPRESS)

    web = sub.add_parser("web", help="copy the member page to serve it yourself")
    web.add_argument("action", choices=["export"])
    web.add_argument("dir", type=Path, help="where to write join.html and static/")
    web.add_argument("--relay", metavar="URL",
                     help="the relay the page connects to (wss://...); without it, the page's own origin")

    sub.add_parser("relay", help="run a relay server (see: holdspace relay --help)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # Whoever read our output (`| head`, `| less`) has gone: nothing to say to
        # anyone. Point stdout at /dev/null so the exit's flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["relay"]:
        from holdspace.relay.cli import main as relay_main

        return relay_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as exc:
        if exc.name != "textual" and not (exc.name or "").startswith("textual."):
            raise
        # A relay-only install (holdspace[relay]) has no screen library.
        print(f"'holdspace {args.command}' needs the screen library Textual, which this "
              "installation left out.\nInstall it with:  pip install 'holdspace[console]'")
        return 2


def _run(args: argparse.Namespace) -> int:
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
    if args.command == "web":
        return _web_export(args.dir, args.relay)
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


def _web_export(dest: Path, relay_url: str | None) -> int:
    from holdspace.relay.webpage import ExportError, bundle_sha256, export_page

    try:
        written = export_page(dest, relay_url)
    except ExportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Wrote the member page ({len(written)} files) into {dest}.\n"
          f"Serve {dest / 'join.html'} and {dest / 'static'} over https, with the headers the\n"
          "relay sends (README: 'The member page'; Content-Security-Policy, no-referrer, nosniff).\n"
          "Members then use your page's address with the invite's fragment:\n"
          "  https://YOUR-SITE/join.html#ROOM.FACILITATOR.SECRET (the part after # of the web link).\n"
          f"Code SHA-256 to publish: {bundle_sha256()}")
    return 0
