"""The calibrated parameter file live scoring uses: chosen by the operator, read once per process.

``ROLEFIT_SCORING_PARAMS`` (a file) wins; otherwise ``<bank>/params/ACTIVE`` names a file in that folder
(``rolefit calibrate --activate`` writes it). With neither, the bank's defaults score (``a = 1``). An ACTIVE
file calibrated for another bank version is ignored with a warning (the bank moved on and no file for it
was activated yet); a configured file for another bank version, or a broken file, stops the start-up.
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from scoring import ParamsError, params_from_dict
from scoring.model import Bank, Params

ACTIVE = "ACTIVE"
log = logging.getLogger("rolefit.params")


def params_dir(bank_path: Path) -> Path:
    return Path(bank_path) / "params"


def read_params(path: Path, bank: Bank) -> Params:
    """Read and check one parameter file; :class:`ParamsError` names what is wrong."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ParamsError(f"{path}: {exc}") from exc
    return params_from_dict(data, bank)


def active_file(bank_path: Path) -> Path | None:
    """The file ``<bank>/params/ACTIVE`` names (None when there is no pointer or it is empty)."""
    pointer = params_dir(bank_path) / ACTIVE
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not name:
        return None
    if Path(name).name != name:
        raise ParamsError(f"{pointer}: name a file in {params_dir(bank_path)}, not a path ({name!r})")
    return params_dir(bank_path) / name


def active_params(bank_path: Path, bank: Bank, configured: Path | None = None) -> Params | None:
    """The parameters live scoring uses for ``bank`` (None: the bank's defaults)."""
    if configured is not None:
        return read_params(configured, bank)
    file = active_file(bank_path)
    if file is None:
        return None
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ParamsError(f"{file}: {exc}") from exc
    if isinstance(data, dict) and data.get("bank_version") != bank.version:
        log.warning(
            "%s is for bank %s, the bank is %s: scoring with defaults", file, data.get("bank_version"), bank.version
        )
        return None
    return params_from_dict(data, bank)


def activate(bank_path: Path, file: Path, bank: Bank) -> Params:
    """Check ``file`` (in ``<bank>/params``) against ``bank`` and make it the active one."""
    file = Path(file)
    if file.resolve().parent != params_dir(bank_path).resolve():
        raise ParamsError(f"{file}: an active parameter file must be in {params_dir(bank_path)}")
    params = read_params(file, bank)
    (params_dir(bank_path) / ACTIVE).write_text(file.name + "\n", encoding="utf-8")
    return params
