"""The web worker never loads analytics or the statistics libraries; analytics never loads the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("analytics", "numpy", "scipy", "pandas", "statsmodels")


def loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return sorted({m.split(".")[0] for m in out.stdout.split()})


def test_the_web_app_loads_no_statistics(tmp_path: Path) -> None:
    code = (
        "from app.config import Settings\nfrom app.main import create_app\n"
        f"create_app(Settings(database_url='sqlite:///{tmp_path}/x.sqlite3'))\n"
        "import app.routes, app.services.quiz, app.services.hr, app.services.evidence, scoring"
    )
    assert loaded_after(code) == []


def test_analytics_loads_nothing_of_the_app() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys, analytics; print(any(m.split('.')[0] == 'app' for m in sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == "False"
