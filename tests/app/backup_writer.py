"""A second process that saves answers as fast as it can, as the app would (``python -m
tests.app.backup_writer URL ACKS STOP``). After each answer's transaction has committed it appends
``assessment item value`` to ACKS; it stops when the file STOP exists. Errors end it with exit 1."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app.config import get_settings
from app.db import Database
from app.services import quiz
from scoring import load_bank


def main(url: str, acks: Path, stop: Path) -> int:
    bank = load_bank(get_settings().bank_path)
    db = Database(url)
    items = [i for i in quiz.question_order(bank) if bank.item(i).kind == "likert"]
    deadline = time.monotonic() + 120
    with acks.open("a", encoding="utf-8") as out:
        while not stop.exists() and time.monotonic() < deadline:
            started = quiz.start(db, bank, lang="en", current_role="pm", years=None)
            for n, item in enumerate(items):
                value = n % 5 + 1
                if quiz.save_answer_owned(db, bank, started.assessment.id, started.owner_token, item, value) is None:
                    print(f"answer refused: {item}", file=sys.stderr)
                    return 1
                out.write(f"{started.assessment.id} {item} {value}\n")
                out.flush()  # acknowledged: the commit returned before this line exists
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
