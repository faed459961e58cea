"""How rolefit is served: uvicorn on the standard asyncio event loop, with httptools parsing HTTP.

Why not uvloop (uvicorn's default when installed): measured under saturation here (bench/RESULTS.md),
uvloop starts new requests ahead of finishing older ones (see MagicStack/uvloop#123), so a few
requests wait for over a second while the median is 45 ms; the standard loop serves them in order.

The standard loop sets ``TCP_NODELAY`` only on sockets it created itself; with several workers
uvicorn creates the listening socket, so every response would wait for the client's delayed ACK
(about 40 ms). :class:`Protocol` turns Nagle's algorithm off for each connection.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

LOOP = "asyncio"
HTTP = "app.serving:Protocol"


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with ``TCP_NODELAY`` on every TCP connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
