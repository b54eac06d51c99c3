"""The relay's plain HTTP answers next to the WebSocket upgrade: /healthz and
/metrics (Prometheus text: counts only, nothing that identifies anyone; served
as relay.toml's ``metrics`` allows), and the member page (webpage.py) for any
other plain GET."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from holdspace.relay.errors import ERROR_CODES
from holdspace.relay.process_metrics import build_info, process_metrics
from holdspace.relay.proxies import is_local_request
from holdspace.relay.webpage import WebPage, is_upgrade


class Counts:
    """What the relay counts for /metrics."""

    __slots__ = ("frames", "errors", "backlog_drops")

    def __init__(self) -> None:
        self.frames = 0  # frames received from clients
        self.errors: Counter[str] = Counter()  # error frames sent, by code
        self.backlog_drops = 0  # connections closed for not reading fast enough


def metrics_text(counts: Counts, rooms: int, connections: int) -> str:
    """Prometheus text exposition of the relay's counts."""
    lines = [
        "# HELP holdspace_rooms Rooms open now.",
        "# TYPE holdspace_rooms gauge",
        f"holdspace_rooms {rooms}",
        "# HELP holdspace_connections WebSocket connections open now.",
        "# TYPE holdspace_connections gauge",
        f"holdspace_connections {connections}",
        "# HELP holdspace_frames_total Frames received from clients.",
        "# TYPE holdspace_frames_total counter",
        f"holdspace_frames_total {counts.frames}",
        "# HELP holdspace_errors_total Error frames sent to clients, by code.",
        "# TYPE holdspace_errors_total counter",
        *(f'holdspace_errors_total{{code="{code}"}} {counts.errors[code]}' for code in ERROR_CODES),
        "# HELP holdspace_backlog_drops_total Connections closed for not reading fast enough.",
        "# TYPE holdspace_backlog_drops_total counter",
        f"holdspace_backlog_drops_total {counts.backlog_drops}",
        *process_metrics(),
        *build_info(),
    ]
    return "\n".join(lines) + "\n"


def metrics_allowed(setting: str, connection: ServerConnection, request: Request) -> bool:
    """``metrics`` is "on", "off", or "local": this machine's own requests,
    never one a proxy passes on (it connects from loopback for anyone)."""
    if setting != "local":
        return setting == "on"
    peer = str(connection.remote_address[0]) if connection.remote_address else ""
    return is_local_request(peer, request.headers.get_all("X-Forwarded-For"))


def http_answers(metrics: Callable[[], str], web: WebPage, metrics_setting: Callable[[], str],
                 ) -> Callable[[ServerConnection, Request], Response | None]:
    """websockets' ``process_request``: answer /healthz and /metrics, and other
    plain GETs with the member page (or 404); a WebSocket upgrade, on any
    path, goes on."""

    def answer(connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path == "/metrics":
            if not metrics_allowed(metrics_setting(), connection, request):
                return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
            response = connection.respond(HTTPStatus.OK, metrics())
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        if not is_upgrade(request):
            return web.respond(request)
        return None

    return answer
