"""How rolefit is served: uvicorn on the standard asyncio event loop, with httptools parsing HTTP.

Why not uvloop (uvicorn's default when installed): measured under saturation here (bench/RESULTS.md),
uvloop starts new requests ahead of finishing older ones (see MagicStack/uvloop#123), so a few
requests wait for over a second while the median is 45 ms; the standard loop serves them in order.

The standard loop sets ``TCP_NODELAY`` only on sockets it created itself; with several workers
uvicorn creates the listening socket, so every response would wait for the client's delayed ACK
(about 40 ms). :class:`Protocol` turns Nagle's algorithm off for each connection.

:func:`create_app` is the factory ``rolefit serve`` gives uvicorn: every worker imports and builds the app
through it with Python's cyclic garbage collector paused (issue 21: start-up). Loading the app leaves some
180,000 objects the collector tracks, of which about 2,300 are garbage; with the collector running, the
allocations set off about 300 collections that walk the growing heap for next to nothing, about 15 % of the
load. After the load the objects are frozen (``gc.freeze``: moved to a permanent generation that later
collections skip, so a full collection while serving no longer walks every module, class and route; the
little garbage stays with them, cheaper than the 0.1 s a collection of everything would take) and the
collector resumes, before the first request.
"""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import TYPE_CHECKING

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    from fastapi import FastAPI

LOOP = "asyncio"
HTTP = "app.serving:Protocol"
FACTORY = "app.serving:create_app"


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with ``TCP_NODELAY`` on every TCP connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def create_app() -> FastAPI:
    """:func:`app.main.create_app`, imported and called with the garbage collector paused, its survivors
    frozen (see the module's docstring)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from app.main import create_app as create

        return create()
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
