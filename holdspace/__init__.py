"""holdspace: private, end-to-end encrypted sessions for online peer-support groups.

The rooms: holdspace.relay (server), holdspace.client (UI-free protocol core),
holdspace.console (facilitator), holdspace.member (member's terminal client),
holdspace.ui (Textual screens both clients share). docs/ARCHITECTURE.md has the map.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("holdspace")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
