"""No Docker engine runs here, so the Dockerfile is checked as text: what an operator relies on."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_base_image_is_python_311_slim() -> None:
    assert instructions()[0] == ("FROM", "python:3.11-slim")


def test_runs_as_a_non_root_user() -> None:
    steps = instructions()
    users = [rest for word, rest in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert [w for w, _ in steps].index("USER") < [w for w, _ in steps].index("CMD")
    assert "useradd" in DOCKERFILE


def test_installs_pdf_and_cjk_packages() -> None:
    run = " ".join(rest for word, rest in instructions() if word == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-cjk"):
        assert package in run
    assert "rm -rf /var/lib/apt/lists" in run


def test_everything_the_app_reads_at_run_time_is_copied() -> None:
    copied = " ".join(rest for word, rest in instructions() if word == "COPY")
    for path in ("app", "scoring", "questions", "templates", "locales", "migrations", "alembic.ini", "pyproject.toml"):
        assert re.search(rf"(^|\s){re.escape(path)}(\s|$)", copied), path
    assert "pybabel compile" in DOCKERFILE  # the catalogs are compiled in the image


def test_every_package_pip_installs_is_copied() -> None:
    """`pip install -e .` fails when a package listed in pyproject.toml is missing from the image."""
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    copied = " ".join(rest for word, rest in instructions() if word == "COPY")
    for package in packages:
        assert re.search(rf"(^|\s){re.escape(package)}(\s|$)", copied), package


def test_migrates_then_serves_with_workers_and_a_healthcheck() -> None:
    cmd = next(rest for word, rest in instructions() if word == "CMD")
    assert cmd.index("rolefit db upgrade") < cmd.index("rolefit serve")
    env = " ".join(rest for word, rest in instructions() if word == "ENV")
    assert "ROLEFIT_WORKERS=" in env and "ROLEFIT_HOST=0.0.0.0" in env
    health = next(rest for word, rest in instructions() if word == "HEALTHCHECK")
    assert "/readyz" in health  # healthy = can write (the database is checked, not only the process)
    assert "--timeout=5s" in health  # longer than /readyz's own 2 s probe timeout


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "var", "*.sqlite3"):
        assert entry in ignored
