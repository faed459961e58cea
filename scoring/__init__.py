"""rolefit's measurement: question bank, scoring engine, transition plans. Pure Python, no I/O but reading the bank."""

SCORING_VERSION = "2.1.0"

from scoring.answers import AnswerError, parse_answers  # noqa: E402
from scoring.bank import BankError, BankIssue, check_bank, load_bank  # noqa: E402
from scoring.engine import score  # noqa: E402
from scoring.params import ParamsError, params_from_dict  # noqa: E402
from scoring.plan import plan  # noqa: E402

__all__ = [
    "SCORING_VERSION",
    "AnswerError",
    "BankError",
    "BankIssue",
    "ParamsError",
    "check_bank",
    "load_bank",
    "params_from_dict",
    "parse_answers",
    "plan",
    "score",
]
