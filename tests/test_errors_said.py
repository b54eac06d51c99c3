"""What the programs say when something is wrong, run as a person runs them.

Each test starts the real `holdspace` command (in a terminal where the program
needs one) and checks the words it prints and the exit code: one sentence that
says what is wrong and what to do, never a traceback, never waiting forever.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time

from holdspace.client.identity import Identity
from holdspace.client.invites import InviteLink
from holdspace.relay.protocol import INVITE_LEN, ROOM_LEN
from tests.terminal_helpers import InTerminal, environment, holdspace, run

# How long an unreachable relay may keep anyone waiting: the client's patience
# (10 s) plus its last backoff step and the program's start-up.
GIVE_UP_WITHIN = 40.0


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def invite_to(url: str) -> str:
    return InviteLink(url, os.urandom(ROOM_LEN), Identity.generate().vk, os.urandom(INVITE_LEN)).link


# --- an unreachable relay ---------------------------------------------------------------


def test_every_client_gives_up_on_an_unreachable_relay_in_one_sentence(tmp_path):
    url = f"ws://127.0.0.1:{closed_port()}"
    link = invite_to(url)
    started = time.monotonic()
    console = InTerminal(tmp_path, "console", "--relay", url)
    member = InTerminal(tmp_path, "join", "--name", "Sam", link)
    # Plain mode with its input left open, as a person who has not typed yet.
    plain = subprocess.Popen(holdspace("join", "--plain", "--name", "Sam", link),
                             env=environment(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    deadline = started + GIVE_UP_WITHIN
    console_code, console_out = console.finish(deadline)
    member_code, member_out = member.finish(deadline)
    try:
        plain.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        if plain.poll() is None:
            plain.kill()
        assert plain.stdin is not None and plain.stdout is not None
        plain.stdin.close()
        plain_out = plain.stdout.read()
    print(f"gave up after {time.monotonic() - started:.1f} s")

    assert plain.returncode == 1
    assert "We could not reach the session. Please check your connection and the link." in plain_out
    assert "Connection lost" not in plain_out  # it never had a connection to lose
    assert "Traceback" not in plain_out

    assert console_code == 1
    assert f"Could not reach the relay at {url}. Check the address" in console_out
    assert "or leave out --relay" in console_out
    assert "Traceback" not in console_out

    assert member_code == 1
    assert "We could not reach the session. Please check your connection and the link." in member_out
    assert "Traceback" not in member_out


# --- the console's command line -----------------------------------------------------------


def test_a_web_address_as_relay_names_the_relay_address_to_use(tmp_path):
    done = run(tmp_path, "console", "--relay", "https://relay.example.org/holdspace/")
    assert done.returncode == 2
    assert "is not a relay address: that is a web page's" in done.stdout
    assert "try wss://relay.example.org/holdspace" in done.stdout


def test_a_missing_settings_file_stops_the_console_and_says_how_to_write_one(tmp_path):
    missing = tmp_path / "grop.toml"
    done = run(tmp_path, "console", "--config", str(missing))
    assert done.returncode == 2
    assert f"There is no settings file at {missing}" in done.stdout
    assert f"holdspace init {missing}" in done.stdout
    assert not missing.exists()


def test_records_help_says_what_open_and_the_file_are(tmp_path):
    done = run(tmp_path, "records", "--help")
    assert done.returncode == 0
    assert "{open}" not in done.stdout
    assert "usage: holdspace records [-h] open FILE" in done.stdout
    assert ".hsrecords" in done.stdout


# --- the relay --------------------------------------------------------------------------------


def test_a_relay_with_a_missing_certificate_names_the_file(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("not used")
    cert = tmp_path / "missing-cert.pem"
    done = run(tmp_path, "relay", "--port", str(closed_port()), "--cert", str(cert), "--key", str(key))
    assert done.returncode == 1
    assert f"The file {cert} was not found. Check the paths given to --cert and --key" in done.stderr
    assert "No such file or directory" not in done.stderr
