"""Lighthouse (npm package ``lighthouse``, Debian's Chromium) on the landing page, a question and the result.

Targets (issue 15): accessibility 100 and best practices 100 on each. Mobile emulation (Lighthouse's
default: 412 px wide, throttled) and the desktop preset. Run by ``make lighthouse``, which installs the
pinned Lighthouse into ``var/lighthouse`` first; never part of ``make test``. Prints JSON on stdout: per page
and form factor the four category scores and the audits that did not pass.

    .venv/bin/python -m bench.lighthouse [--lighthouse var/lighthouse/node_modules/.bin/lighthouse]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from app.services.quiz import question_order
from bench.common import ROOT, database, server
from scoring import load_bank

CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-quic"
)
CATEGORIES = ("accessibility", "best-practices", "performance", "seo")


def _session(base: str, finish: bool) -> tuple[str, str]:
    """A quiz session in English: (cookie header, the path to audit: the result or question 1)."""
    bank = load_bank(ROOT / "questions")
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        c.get("/")
        csrf = c.cookies["rolefit_csrf"]
        origin = {"Origin": base}
        res = c.post("/start", data={"csrf_token": csrf, "lang": "en", "current_role": "pm"}, headers=origin)
        assert res.status_code == 303, res.text
        path = "/quiz/1"
        if finish:
            for n, item_id in enumerate(question_order(bank), start=1):
                item = bank.item(item_id)
                value = item.options[0].id if item.kind == "situational" else ("2" if item.kind == "paired" else "4")
                c.post(f"/quiz/{n}", data={"csrf_token": csrf, "item_id": item_id, "value": value}, headers=origin)
            res = c.post("/quiz/finish", data={"csrf_token": csrf}, headers=origin)
            assert res.status_code == 303, res.text
            path = res.headers["location"]
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items()), path


def audit(lighthouse: str, url: str, cookie: str | None, desktop: bool, tmp: Path) -> dict[str, Any]:
    out = tmp / "report.json"
    cmd = [lighthouse, url, "--output=json", f"--output-path={out}", "--quiet", f"--chrome-flags={FLAGS}",
           f"--only-categories={','.join(CATEGORIES)}"]  # fmt: skip
    if desktop:
        cmd.append("--preset=desktop")
    if cookie:
        headers = tmp / "headers.json"
        headers.write_text(json.dumps({"Cookie": cookie}))
        cmd.append(f"--extra-headers={headers}")
    subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, timeout=300)
    report = json.loads(out.read_text())
    scores = {k: round(100 * (report["categories"][k]["score"] or 0)) for k in CATEGORIES}
    failing = sorted(
        a["id"]
        for cat in ("accessibility", "best-practices")
        for ref in report["categories"][cat]["auditRefs"]
        if (a := report["audits"][ref["id"]])["score"] is not None and a["score"] < 1 and ref["weight"] > 0
    )
    return {"scores": scores, "failing": failing, "lighthouse": report["lighthouseVersion"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lighthouse", default=str(ROOT / "var/lighthouse/node_modules/.bin/lighthouse"))
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        with (
            database("sqlite", tmp) as url,
            server("app.main:create_app", 1, {"ROLEFIT_DATABASE_URL": url}, True) as (
                base,
                _,
            ),
        ):
            question_cookie, question = _session(base, finish=False)
            result_cookie, result = _session(base, finish=True)
            pages = {"landing": ("/", None), "question": (question, question_cookie), "result": (result, result_cookie)}
            for name, (path, cookie) in pages.items():
                for form in ("mobile", "desktop"):
                    results[f"{name} ({form})"] = audit(args.lighthouse, base + path, cookie, form == "desktop", tmp)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
