"""A minimal WebSocket client for the load generator, on a bare asyncio Protocol.

The loader must cost as little CPU as possible so that, on a two-core machine,
it does not steal the server's core and bias the ratios. websockets' own client
parses every frame through a generator pipeline and an assembler; this client
parses unmasked server frames straight out of a bytearray and calls back with
the payload. It speaks only what the benchmark needs: binary messages, ping ->
pong, close. Client frames carry a zero masking key (valid RFC 6455 framing;
the server still runs its unmasking code), so sending costs one write.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_ZERO_MASK = b"\x00\x00\x00\x00"
_H16 = struct.Struct("!BBH")
_H64 = struct.Struct("!BBQ")


def encode_frame(payload: bytes, opcode: int = OP_BINARY) -> bytes:
    """One masked (with a zero key) client frame, FIN set."""
    n = len(payload)
    first = 0x80 | opcode
    if n < 126:
        header = bytes((first, 0x80 | n))
    elif n < 65536:
        header = _H16.pack(first, 0x80 | 126, n)
    else:
        header = _H64.pack(first, 0x80 | 127, n)
    return header + _ZERO_MASK + payload


class WSClient(asyncio.Protocol):
    """One connection. ``on_message(client, payload, received_at)`` is called
    for every binary message; ``received_at`` is time.monotonic() when the
    chunk that completed it arrived."""

    def __init__(self, host: str, port: int, path: str,
                 on_message: Callable[[WSClient, bytes, float], None]) -> None:
        self.host, self.port, self.path = host, port, path
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.open: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._buf = bytearray()
        self._upgraded = False
        self.close_code: int | None = None
        self.tag: object = None  # the owner's per-connection state

    # --- asyncio.Protocol ------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.transport.write(request.encode())

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buf = self._buf
        buf += data
        if not self._upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:buf.find(b"\r\n")])
            del buf[:end + 4]
            if b" 101 " not in status:
                self._fail(ConnectionError(f"upgrade refused: {status[:60]!r}"))
                return
            self._upgraded = True
            if not self.open.done():
                self.open.set_result(None)
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2:pos + 10], "big")
                head = 10
            if b1 & 0x80:  # servers never mask; refuse rather than misparse
                self._fail(ConnectionError("masked frame from the server"))
                return
            end = pos + head + n
            if end > size:
                break
            opcode = b0 & 0x0F
            payload = bytes(buf[pos + head:end])
            pos = end
            if opcode == OP_BINARY or opcode == OP_TEXT:
                self.on_message(self, payload, now)
            elif opcode == OP_PING:
                self.transport.write(encode_frame(payload, OP_PONG))  # type: ignore[union-attr]
            elif opcode == OP_CLOSE:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                self.transport.write(encode_frame(payload[:2], OP_CLOSE))  # type: ignore[union-attr]
                self.transport.close()  # type: ignore[union-attr]
        if pos:
            del buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.open.done():
            self.open.set_exception(exc or ConnectionError("closed during the upgrade"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def _fail(self, exc: Exception) -> None:
        if not self.open.done():
            self.open.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()

    # --- use ---------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._upgraded and not self.closed.done()

    def send(self, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(encode_frame(payload))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def connect(host: str, port: int, path: str,
                  on_message: Callable[[WSClient, bytes, float], None],
                  timeout: float = 30.0) -> WSClient:
    loop = asyncio.get_running_loop()
    _, client = await asyncio.wait_for(
        loop.create_connection(lambda: WSClient(host, port, path, on_message), host, port), timeout)
    await asyncio.wait_for(client.open, timeout)
    return client
