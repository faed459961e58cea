"""A worker starts without the libraries that only some requests need (issue 21: start-up under 1 s).

Each of them is imported where it is used (SSO sign-in, two-step enrolment, sealed secrets, share cards,
calendar files, webhooks, exports, PDFs, password checks), so importing the app and building it loads
none of them; a SQLite install does not load SQLAlchemy's PostgreSQL dialect either. Run in a fresh
interpreter, since the test process itself has imported everything by now.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.routes.deferred import DeferredRoute

ROOT = Path(__file__).resolve().parents[2]

# what a request that needs it loads on first use (bench/RESULTS.md "Start-up" has the import times)
ON_FIRST_USE = (
    "authlib",  # SSO (app.sso.oidc)
    "joserfc",
    "httpx",
    "cryptography",  # the vault (app.vault.box), and through joserfc
    "webauthn",  # passkeys (app.auth.passkeys)
    "pyotp",  # two-step sign-in (app.auth.mfa)
    "segno",  # QR codes (app.auth.mfa, app.reports)
    "PIL",  # share cards (app.cards)
    "icalendar",  # the plan's calendar file (app.services.plan_calendar)
    "standardwebhooks",  # webhook delivery (a job)
    "openpyxl",  # people import / XLSX export
    "xlsxwriter",
    "weasyprint",  # PDF reports
    "zxcvbn",  # the password rule
    "rich",  # pulled in by httpx's command line
    "sqlalchemy.dialects.postgresql",  # only when the database is PostgreSQL
)


def printed_by(probe: str) -> list[str]:
    """The words ``probe`` prints, run in a fresh interpreter (which must succeed)."""
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def loaded_after(code: str) -> list[str]:
    probe = f"""
import sys
{code}
heavy = {ON_FIRST_USE!r}
print(" ".join(sorted(h for h in heavy if any(m == h or m.startswith(h + ".") for m in sys.modules))))
"""
    return printed_by(probe)


def test_importing_the_app_loads_none_of_the_first_use_libraries() -> None:
    assert loaded_after("import app.main") == []


def test_building_the_app_loads_none_of_them_either(tmp_path: Path) -> None:
    code = (
        "from app.config import Settings\nfrom app.main import create_app\n"
        f"create_app(Settings(database_url='sqlite:///{tmp_path}/x.sqlite3'))"
    )
    assert loaded_after(code) == []


def test_a_feature_loads_its_library_when_used() -> None:
    """The checks above are not vacuous: drawing a share card loads Pillow, and works."""
    code = (
        "import app.main\nfrom app.cards import share_card\n"
        "assert share_card('en', 'AM', 'a test').startswith(b'\\x89PNG')"
    )
    assert loaded_after(code) == ["PIL"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_routes_are_built_once_by_the_app_not_again_when_declared(db_url: str) -> None:
    """Every route is a DeferredRoute (app/routes/deferred.py): FastAPI builds each included route for the app
    on first use; the declared route's own build (the third of the import it was) happens only if something
    asks for it, and serving pages, the API, a 405, a 404 and the OpenAPI document does not. In a fresh
    interpreter: other tests read the declared routes (which builds them)."""
    probe = f"""
import importlib, pkgutil
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
import app.routes
from app.config import Settings
from app.routes.deferred import DeferredRoute
from app.main import create_app
modules = [importlib.import_module(f"app.routes.{{m.name}}") for m in pkgutil.iter_modules(app.routes.__path__)]
routers = [module.router for module in modules if hasattr(module, "router")]
assert len(routers) >= 19
declared = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
assert len(declared) > 100 and all(isinstance(route, DeferredRoute) for route in declared)
client = TestClient(create_app(Settings(database_url={db_url!r})))
for method, path in (("GET", "/healthz"), ("GET", "/"), ("GET", "/hr/login"), ("GET", "/api/v1/questions"),
                     ("DELETE", "/healthz"), ("GET", "/nowhere"), ("GET", "/api/v1/openapi.json")):
    assert client.request(method, path).status_code < 500, path
print(" ".join(route.path for route in declared if route.built))
"""
    assert printed_by(probe) == []


def test_a_deferred_route_asked_for_its_state_builds_it() -> None:
    """What reads a declared route gets an APIRoute's full state."""
    from app.routes.health import healthz

    route = DeferredRoute("/healthz", healthz, methods=["GET"])
    assert not route.built and route.name == "healthz" and route.methods == {"GET"}
    assert route.dependant.call is healthz and route.built
    assert route.unique_id == "healthz_healthz_get" and route.path_regex.match("/healthz")


def test_the_served_app_loads_with_the_collector_paused_then_resumes_it(tmp_path: Path) -> None:
    """`rolefit serve` has every worker load the app through app.serving.create_app: no garbage collection runs
    while the modules and the app are built (they make some 180,000 objects and little garbage), then what they
    made is frozen and the collector runs again, as it must: a worker left without it would never free a cycle."""
    from app import serving

    assert serving.FACTORY == "app.serving:create_app"
    probe = f"""
import gc, os
os.environ["ROLEFIT_DATABASE_URL"] = "sqlite:///{tmp_path}/x.sqlite3"
started = []
gc.callbacks.append(lambda phase, info: phase == "start" and started.append(info["generation"]))
from app.serving import create_app
started.clear()  # counted from here: what the factory loads and builds
app = create_app()
print(type(app).__name__, len(started), gc.isenabled(), gc.get_freeze_count() > 50_000)
"""
    assert printed_by(probe) == ["FastAPI", "0", "True", "True"]


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


@pytest.mark.parametrize(
    ("db_url", "access_log"), [("sqlite", False), ("sqlite", True), ("postgresql", False)], indirect=["db_url"]
)
def test_rolefit_serve_loads_once_forks_two_workers_serves_and_stops(db_url: str, access_log: bool) -> None:
    """The command as a user runs it: `rolefit serve --workers 2` loads the app once and forks both workers from
    that process (a forked worker has its parent's command line; a spawned one would run multiprocessing's),
    answers its health checks and a page, logs each request only when ROLEFIT_ACCESS_LOG asks for it, and stops
    cleanly on SIGTERM. A worker killed meanwhile is replaced."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    env = {**os.environ, "ROLEFIT_DATABASE_URL": db_url, "ROLEFIT_ACCESS_LOG": str(access_log).lower()}
    cmd = [str(Path(sys.executable).parent / "rolefit"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [*cmd, "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    status: dict[str, int] = {}
    workers: list[bytes] = []
    replaced: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                for path in ("/healthz", "/readyz", "/"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                        status[path] = response.status
                break
            except OSError:
                time.sleep(0.1)
        parent = Path(f"/proc/{server.pid}/cmdline").read_bytes()
        while time.monotonic() < deadline and len(children(server.pid)) < 2:  # gunicorn forks them up to 0.1 s apart
            time.sleep(0.05)
        first = children(server.pid)
        workers = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in first]
        os.kill(first[0], signal.SIGKILL)  # a worker that dies is replaced, forked from the loaded app again
        while time.monotonic() < deadline and not (replaced := [p for p in children(server.pid) if p not in first]):
            time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            status["/healthz after a worker died"] = response.status
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=60)
    assert status == {"/healthz": 200, "/readyz": 200, "/": 200, "/healthz after a worker died": 200}, out[-3000:]
    assert workers == [parent, parent] and len(replaced) == 1, out[-3000:]
    assert ('"GET /healthz HTTP/1.1" 200' in out) is access_log, out[-3000:]
    assert server.returncode == 0, out[-3000:]
