"""How rolefit is served: gunicorn's arbiter loads the app once and forks uvicorn workers from it; each
worker runs the standard asyncio event loop, with httptools parsing HTTP.

**One load, then fork** (issue 21: start-up per worker). ``rolefit serve`` is a gunicorn application
(:class:`Server`) with ``preload_app``: the arbiter imports and builds the app (:func:`create_app`) and only
then forks the workers, which start serving at once from the modules, routes and bank already in memory,
shared copy-on-write. Spawned workers (uvicorn's own supervisor) each imported everything again: on two
cores, two of them started no sooner than one (0.9-1.0 s against 0.7 s to the first ``/healthz``) and four
took 1.7 s. After the fork each worker gets its own database connections and writer-lock file
(``Database.after_fork``) and its own event loop, pools and background tasks (the app's lifespan). A worker
that dies is replaced by the arbiter.

**The garbage collector** is paused while the app loads. Loading it leaves some 180,000 objects the
collector tracks, of which about 2,300 are garbage; with the collector running, the allocations set off about
300 collections that walk the growing heap for next to nothing, about 15 % of the load. After the load the
objects are frozen (``gc.freeze``: moved to a permanent generation that later collections skip, so a full
collection in a worker walks neither every module, class and route nor, once forked, writes to the pages it
shares with the arbiter; the little garbage stays, cheaper than the 0.1 s a collection of everything takes)
and the collector resumes: Python's documented recipe for a process that forks workers.

Why not uvloop (uvicorn's default when installed): measured under saturation here (bench/RESULTS.md),
uvloop starts new requests ahead of finishing older ones (see MagicStack/uvloop#123), so a few
requests wait for over a second while the median is 45 ms; the standard loop serves them in order.

The standard loop sets ``TCP_NODELAY`` only on sockets it created itself; the arbiter creates the listening
socket, so every response would wait for the client's delayed ACK (about 40 ms). :class:`Protocol` turns
Nagle's algorithm off for each connection.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
from typing import TYPE_CHECKING, Any, ClassVar

from gunicorn.app.base import BaseApplication
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

if TYPE_CHECKING:
    from fastapi import FastAPI

LOOP = "asyncio"
HTTP = "app.serving:Protocol"
FACTORY = "app.serving:create_app"  # for uvicorn itself (``rolefit serve --reload``)


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


class Worker(UvicornWorker):  # type: ignore[misc]
    """A gunicorn worker running uvicorn as rolefit serves: the asyncio loop, :class:`Protocol`, no WebSockets
    (no route uses them; uvicorn would import the websockets library), the client's address taken from
    ``X-Forwarded-For`` of the trusted proxies (``forwarded_allow_ips``). uvicorn writes its access log to
    gunicorn's, which exists only when ``ROLEFIT_ACCESS_LOG`` asks for it."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {"loop": LOOP, "http": HTTP, "ws": "none", "proxy_headers": True}

    def load_wsgi(self) -> None:
        """In the new worker, after the fork: the app the arbiter loaded, with this process's own database
        connections and writer-lock file."""
        super().load_wsgi()
        self.wsgi.state.db.after_fork()


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn's arbiter serving rolefit: loads the app once (:func:`create_app`), forks the workers
    (:class:`Worker`), replaces any that dies, and stops them gracefully (30 s to finish their requests) on SIGTERM."""

    def __init__(self, *, host: str, port: int, workers: int, forwarded_allow_ips: str, access_log: bool) -> None:
        self.options = {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": "app.serving.Worker",
            "preload_app": True,
            "forwarded_allow_ips": forwarded_allow_ips,
            "accesslog": "-" if access_log else None,
            "keepalive": 5,  # uvicorn's default, kept: gunicorn's 2 s suits synchronous workers
            "control_socket_disable": True,  # gunicorn's control socket (~/.gunicorn): nothing here uses it
            "proc_name": "rolefit",
        }
        if os.path.isdir("/dev/shm"):  # noqa: S108  the workers' heartbeat files: memory, never a slow disk
            self.options["worker_tmp_dir"] = "/dev/shm"  # noqa: S108
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> FastAPI:
        return create_app()
