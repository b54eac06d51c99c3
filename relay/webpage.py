"""The member page, served by the relay from package data: ``GET /join`` and
``GET /static/<file>``. Plain requests for anything else get 404 (a WebSocket
upgrade never reaches here), ``/favicon.ico`` an empty 204.

Every file is read once at start and kept in memory with its gzip form, so a
request costs no disk access and nothing about it is logged. The headers make
the page hard to tamper with from outside: a Content-Security-Policy that
allows only this origin's own script, style and WebSocket, no referrer, no
sniffing, no caching. What they cannot do is protect members from whoever runs
this relay: that one could serve other code (docs/PROTOCOL.md, "Trust"),
hence ``export_page``, a copy to serve from an origin the organisation controls.
The files are read as package data (holdspace.web); no code of it is imported.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from html import escape
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

PACKAGE = "holdspace.web"
STATIC = "static"
BUNDLE = "holdspace.js"
CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
# Files not worth compressing on every request are still compressed once here;
# tiny ones are sent as they are.
GZIP_FROM = 512


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str


def static_files() -> dict[str, bytes]:
    """Every file of the page, by its name under static/ (from package data)."""
    root = resources.files(PACKAGE).joinpath(STATIC)
    found: dict[str, bytes] = {}

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for child in node.iterdir():
            name = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, name + "/")
            else:
                found[name] = child.read_bytes()

    walk(root, "")
    return found


def bundle_sha256(files: dict[str, bytes] | None = None) -> str:
    """SHA-256 (hex) of the page's code, as printed at start and shown in the page."""
    files = static_files() if files is None else files
    return hashlib.sha256(files[BUNDLE]).hexdigest()


class WebPage:
    """Answers plain HTTP GETs for the member page."""

    def __init__(self, enabled: bool = True) -> None:
        self.assets: dict[str, Asset] = {}
        self.sha256 = ""
        self.missing = False  # the page's files are not in this installation
        if enabled:
            try:
                files = static_files()
                files[BUNDLE], files["join.html"]  # noqa: B018 - both must be there
            except (OSError, KeyError, ModuleNotFoundError):
                self.missing, enabled = True, False
        self.enabled = enabled
        if enabled:
            self.sha256 = bundle_sha256(files)
            for name, body in files.items():
                suffix = name[name.rfind("."):]
                if suffix not in TYPES or name == "join.html":
                    continue
                self.assets[f"/static/{name}"] = _asset(body, TYPES[suffix])
            self.assets["/join"] = _asset(files["join.html"], TYPES[".html"])

    def respond(self, request: Request) -> Response:
        path = request.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/favicon.ico":
            return _response(HTTPStatus.NO_CONTENT, b"", {})
        asset = self.assets.get(path) if self.enabled else None
        if asset is None:
            return _response(HTTPStatus.NOT_FOUND, b"Not found.\n",
                             {"Content-Type": TYPES[".txt"], **SECURITY_HEADERS})
        headers = {"Content-Type": asset.content_type, **SECURITY_HEADERS, "Vary": "Accept-Encoding"}
        if asset.gzipped is not None and _accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
            return _response(HTTPStatus.OK, asset.gzipped, headers)
        return _response(HTTPStatus.OK, asset.body, headers)


def _asset(body: bytes, content_type: str) -> Asset:
    # mtime=0: the same bytes every start, so the compressed form is reproducible.
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if len(body) >= GZIP_FROM else None
    return Asset(body, gzipped, content_type)


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "gzip" and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            return True
    return False


def _response(status: HTTPStatus, body: bytes, headers: dict[str, str]) -> Response:
    return Response(status.value, status.phrase, Headers({**headers, "Content-Length": str(len(body))}), body)


def is_upgrade(request: Request) -> bool:
    """A WebSocket handshake (as opposed to a plain GET for a page)."""
    return "websocket" in request.headers.get("Upgrade", "").lower()


# --- a static copy for a separate origin ---------------------------------------------


class ExportError(Exception):
    """The page could not be exported; the message is for the person exporting it."""


def export_page(dest: Path, relay_url: str | None = None) -> list[Path]:
    """Write the member page to ``dest`` (join.html and static/) for a web server
    the organisation controls, so that whoever runs the relay does not also serve
    the code. With ``relay_url`` (ws:// or wss://) the page connects there instead
    of to its own origin. Returns the files written."""
    files = static_files()
    html = files["join.html"].decode("utf-8")
    if relay_url is not None:
        parts = urlsplit(relay_url)
        if parts.scheme not in ("ws", "wss") or not parts.netloc or parts.path.strip("/") or parts.query:
            raise ExportError(f"The relay address should look like wss://relay.example.org, not {relay_url!r}.")
        origin = f"{parts.scheme}://{parts.netloc}"
        html = html.replace("connect-src 'self'", f"connect-src 'self' {origin}", 1)
        html = html.replace("<title>", f'<meta name="holdspace-relay" content="{escape(origin)}">\n<title>', 1)
    written = []
    try:
        for name, body in {"join.html": html.encode("utf-8"),
                           **{f"static/{n}": b for n, b in files.items() if n != "join.html"}}.items():
            path = dest / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            written.append(path)
    except OSError as exc:
        raise ExportError(f"Could not write the page into {dest}: {exc.strerror or exc}.") from exc
    return written
