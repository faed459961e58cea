"""The peer column: django-survey-and-report 1.5, installed into a temporary virtualenv and served the way
Django documents for production (gunicorn, sync workers, the same worker count, DEBUG off), answering a
30-question survey one question per page, exactly what rolefit's quiz does.

The request measured is the peer's answer save: a step's POST with its CSRF token, the form validated
against the survey's questions (read from the database), the answer written to the session row in the
database, and a 302 to the next step. rolefit's request does more (it renders the next question's
fragment and answers 200), so the comparison leans, if anything, in the peer's favour.

    .venv/bin/python -m bench.peer [--workers 2] [--seconds 10]   # the peer alone, for a look

bench/http.py runs it in the same interleaved rounds as the ceiling and the app (`--peer`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.common import free_port, stop, wrk, wrk_rotation

PACKAGES = ["django-survey-and-report>=1.5,<1.6", "gunicorn>=22"]
QUESTIONS = 30

SETTINGS = """
from pathlib import Path
BASE = Path(__file__).resolve().parent
SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                  "django.contrib.messages", "survey"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware",
              "django.contrib.sessions.middleware.SessionMiddleware",
              "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
ROOT_URLCONF = "peer.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
# the same durability as rolefit's SQLite default: WAL, synchronous=NORMAL
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE / "peer.sqlite3",
                         "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                                     "timeout": 20}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
STATIC_URL = "/static/"
LOGGING = {"version": 1, "disable_existing_loggers": True}
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("survey/", include("survey.urls"))]
"""

SEED = """
import datetime, django
django.setup()
from survey.models import Question, Survey
s = Survey.objects.create(name="bench", description="bench", is_published=True, need_logged_user=False,
                          display_method=Survey.BY_QUESTION, publish_date=datetime.date.today(),
                          expire_date=datetime.date.today() + datetime.timedelta(days=365))
for n in range(%d):
    Question.objects.create(survey=s, text=f"Statement {n}", order=n, required=True, type=Question.RADIO,
                            choices="1, 2, 3, 4, 5")
print(s.id, *[q.id for q in s.questions.order_by("order")])
"""


def install(folder: Path) -> Path:
    """A virtualenv with the peer and gunicorn in ``folder``; its python. It is made from the interpreter
    rolefit's own virtualenv was made from (a Python built with profile-guided optimisation runs either
    app about a quarter faster than one built without: the same interpreter keeps the ratio fair)."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run([str(base), "-m", "venv", str(folder / "venv")], check=True)
    py = folder / "venv" / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", *PACKAGES], check=True, capture_output=True)
    return py


def project(folder: Path, py: Path) -> tuple[int, list[int]]:
    """The Django project: settings, urls, migrated SQLite file, one survey; (survey id, question ids)."""
    pkg = folder / "peer"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(SETTINGS)
    (pkg / "urls.py").write_text(URLS)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peer.settings", "PYTHONPATH": str(folder)}
    subprocess.run([str(py), "-m", "django", "migrate", "--noinput"], check=True, env=env, capture_output=True)
    out = subprocess.run(
        [str(py), "-c", SEED % QUESTIONS], check=True, env=env, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]), [int(x) for x in out[1:]]


@contextmanager
def peer_server(workers: int, tmp: Path) -> Iterator[tuple[str, Path]]:
    """The peer up on 127.0.0.1 with ``workers`` gunicorn workers; (base URL, the wrk script of its answer save)."""
    folder = Path(tempfile.mkdtemp(prefix="peer-", dir=tmp))
    py = install(folder)
    survey, questions = project(folder, py)
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peer.settings", "PYTHONPATH": str(folder)}
    cmd = [str(py), "-m", "gunicorn", "peer.wsgi_app:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    (folder / "peer" / "wsgi_app.py").write_text(
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    proc = subprocess.Popen(cmd, cwd=folder, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/survey/{survey}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the peer did not start: {cmd}")
            time.sleep(0.2)
        script = tmp / f"peer-{workers}.lua"
        lua_script(script, sessions(base, survey, questions), survey, questions)
        yield base, script
    finally:
        stop(proc)


def sessions(base: str, survey: int, questions: list[int], n: int = 64) -> list[dict[str, str]]:
    """``n`` respondents, each with a CSRF cookie and a session row (made by answering the first step)."""
    out = []
    for _ in range(n):
        with httpx.Client(base_url=base, follow_redirects=False) as c:
            page = c.get(f"/survey/{survey}-0/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            assert token, "no CSRF token on the peer's page"
            res = c.post(
                f"/survey/{survey}-0/",
                data={"csrfmiddlewaretoken": token.group(1), f"question_{questions[0]}": "1"},
            )
            assert res.status_code == 302, res.text[:500]
            cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
            out.append({"cookie": cookie, "csrf": token.group(1)})
    return out


def lua_script(path: Path, people: list[dict[str, str]], survey: int, questions: list[int]) -> None:
    """The peer's answer saves, in turn (bench.common.wrk_rotation); never the last step, which would save
    the whole response and end the respondent's session."""
    build = [
        "    local body = 'csrfmiddlewaretoken=' .. s.csrf .. '&question_' .. st.q .. '=' .. ((k % 5) + 1)",
        "    local headers = {['Cookie'] = s.cookie, ['Content-Type'] = 'application/x-www-form-urlencoded'}",
        f"    requests[k + 1] = wrk.format('POST', '/survey/{survey}-' .. st.n .. '/', headers, body)",
    ]
    script = wrk_rotation(
        [f'  {{cookie = "{s["cookie"]}", csrf = "{s["csrf"]}"}},' for s in people],
        [f"  {{n = {n}, q = {q}}}," for n, q in list(enumerate(questions))[:-1]],
        build,
    )
    path.write_text(script, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, peer_server(args.workers, Path(tmp)) as (base, script):
        print(json.dumps({"peer": "django-survey-and-report 1.5", "workers": args.workers,
                          "answer_save": wrk(base + "/", seconds=args.seconds, script=script)}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
