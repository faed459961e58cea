"""Calibration: item parameters fitted on stored answers, and what they would change.

Model, per dimension, on the keyed scores of its statements and paired
preferences (complete cases, one bank version): a one-factor model fitted by
maximum likelihood (statsmodels ``Factor(method="ml")``), giving each item a
standardised loading ``l_i`` and uniqueness ``u_i = 1 - l_i^2``. An item's
*information* about the dimension is ``l_i^2 / u_i``: a strong item (l = 0.8)
carries 1.78, a weak one (l = 0.3) 0.10.

In the engine's linear model ``y_i = a_i * theta + e_i``, ``e_i ~ N(0, s_i^2)``
(``docs/method.md``) the calibrated parameters are, with ``sd_i`` the item's
standard deviation of keyed scores::

    a_i = l_i * sd_i / c        s_i = sqrt(u_i) * sd_i

where ``c`` makes the mean calibrated loading of a dimension 1 (the engine's
uncalibrated loading), so scores stay on the familiar -100..100 scale. The
posterior then weighs item ``i`` by ``a_i / s_i^2``: by its information.

What-if re-scoring (:func:`call_changes`): every stored finished result is scored
twice by the engine itself (``scoring.score``): with the bank's uncalibrated
weights (``a = 1``, ``s = item_error_sd``) and with the parameter file
(``scoring.params_from_dict``); situations keep the engine's own choice model in
both. The report counts the calls that differ (the effect of calibration alone)
and the calls that differ from the stored snapshot. ``rolefit rescore --to VERSION
--params FILE`` applies the file to the stored results, keeping the earlier snapshots.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from statsmodels.multivariate.factor import Factor

from analytics import minimum
from analytics.data import Response, keyed_matrix
from analytics.reliability import complete
from scoring import params_from_dict, score
from scoring.model import Answers, Bank

METHOD = "one-factor maximum likelihood per dimension on keyed scores (statsmodels Factor), information = l^2 / u"


class CalibrationError(ValueError):
    """Too few stored answers to calibrate (the message says how many are needed)."""


def fit_dimension(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardised loadings and uniquenesses (one factor, ML), signed so the loadings sum positive."""
    res = Factor(x, 1, method="ml").fit()
    loadings = np.asarray(res.loadings).ravel()
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, np.clip(np.asarray(res.uniqueness).ravel(), 0.05, 1.0)


def calibrate(bank: Bank, responses: Sequence[Response], *, today: date | None = None) -> dict[str, Any]:
    """Item parameters for the installed bank from the finished ``responses`` of its version."""
    rows = [r for r in responses if r.finished and r.bank_version == bank.version]
    if len(rows) < minimum.CALIBRATION:
        raise CalibrationError(
            f"calibration needs {minimum.CALIBRATION} finished assessments of bank {bank.version}; "
            f"found {minimum.count(len(rows))}"
        )
    dims: dict[str, Any] = {}
    for dim in bank.dimensions:
        ids, x = keyed_matrix(bank, rows, dim.id)
        data = complete(x)
        loadings, uniqueness = fit_dimension(data)
        sd = data.std(axis=0, ddof=1)
        raw = loadings * sd
        c = float(raw.mean())
        common = float(loadings.sum() ** 2)
        dims[dim.id] = {
            "n": len(data),
            "omega": round(common / (common + float(uniqueness.sum())), 3),
            "items": {
                item_id: {
                    "loading": round(float(loadings[k]), 3),
                    "uniqueness": round(float(uniqueness[k]), 3),
                    "information": round(float(loadings[k] ** 2 / uniqueness[k]), 3),
                    "a": round(float(raw[k] / c), 3),
                    "error_sd": round(float(math.sqrt(uniqueness[k]) * sd[k]), 3),
                }
                for k, item_id in enumerate(ids)
            },
        }
    return {
        "bank_version": bank.version,
        "calibrated_on": (today or date.today()).isoformat(),
        "n": len(rows),
        "method": METHOD,
        "read_by_engine": True,
        "dimensions": dims,
    }


def params_path(bank_root: Path, params: dict[str, Any]) -> Path:
    """``<bank>/params/<bank-version>-<date>.yaml``."""
    return bank_root / "params" / f"{params['bank_version']}-{params['calibrated_on']}.yaml"


def write_params(path: Path, params: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# rolefit item calibration, written by `rolefit calibrate` (analytics/calibration.py).\n"
        "# Read by the scoring engine: rolefit rescore --to VERSION --params <this file>.\n"
    )
    path.write_text(header + yaml.safe_dump(params, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --- what-if re-scoring ---------------------------------------------------------------------------


def _answers(r: Response) -> Answers:
    return Answers(lang=r.lang, current_role=r.current_role, values=dict(r.values), timings_ms=dict(r.times_ms))


def call_changes(bank: Bank, responses: Sequence[Response], params: dict[str, Any]) -> dict[str, Any]:
    """How many stored finished results would get another call if re-scored with ``params``.

    Both calls come from the engine itself (:func:`scoring.score`): without the parameter file and with it.
    """
    engine_params = params_from_dict(params, bank)
    rows = [r for r in responses if r.finished and r.bank_version == params["bank_version"]]
    moves: Counter[tuple[str, str]] = Counter()
    vs_stored = 0
    stored_n = 0
    for r in rows:
        answers = _answers(r)
        before = score(bank, answers).recommendation
        after = score(bank, answers, engine_params).recommendation
        moves[(before, after)] += 1
        if r.stored_call is not None:
            stored_n += 1
            vs_stored += r.stored_call != after
    changed = sum(k for (a, b), k in moves.items() if a != b)
    return {
        "results": len(rows),
        "changed_by_calibration": changed,
        "changed_share": round(changed / len(rows), 4) if rows else None,
        "moves": {f"{a}->{b}": k for (a, b), k in sorted(moves.items()) if a != b},
        "with_stored_snapshot": stored_n,
        "differ_from_stored_snapshot": vs_stored,
    }
