"""Calibrated item parameters (the file ``rolefit calibrate`` writes) as the engine's :class:`Params`.

Pure: the caller reads the YAML and passes the mapping. The file gives, per dimension and item, the loading
``a`` and error ``error_sd`` of ``y = a * theta + e`` (analytics/calibration.py); the engine uses them in place of
``a = 1`` and ``item_error_sd`` for the statements and paired preferences they name. Its version is the file's
``version`` or ``<bank version>-<calibrated on>`` (the file's name).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scoring.model import Bank, ItemParams, Params


class ParamsError(ValueError):
    """A parameter file that cannot be used with this bank (the message says why)."""


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParamsError(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def params_from_dict(data: Any, bank: Bank) -> Params:
    """Check a parameter file's contents against ``bank`` and return them as :class:`Params`."""
    if not isinstance(data, Mapping):
        raise ParamsError("a parameter file is a mapping with bank_version, calibrated_on and dimensions")
    bank_version = data.get("bank_version")
    if bank_version != bank.version:
        raise ParamsError(f"the parameters are for bank {bank_version!r}, the bank is {bank.version}")
    dims = data.get("dimensions")
    if not isinstance(dims, Mapping) or not dims:
        raise ParamsError("no dimensions in the parameter file")
    items: dict[str, ItemParams] = {}
    for dim, block in dims.items():
        rows = block.get("items") if isinstance(block, Mapping) else None
        if not isinstance(rows, Mapping):
            raise ParamsError(f"dimension {dim!r}: no items")
        for item_id, p in rows.items():
            where = f"{dim}.{item_id}"
            if not bank.has_item(str(item_id)):
                raise ParamsError(f"{where}: no such item in bank {bank.version}")
            item = bank.item(str(item_id))
            if item.kind not in ("likert", "paired") or item.dimension != dim:
                raise ParamsError(f"{where}: not a statement or pair of dimension {dim}")
            if not isinstance(p, Mapping):
                raise ParamsError(f"{where}: expected a and error_sd")
            a, sd = _number(p.get("a"), f"{where}.a"), _number(p.get("error_sd"), f"{where}.error_sd")
            if sd <= 0:
                raise ParamsError(f"{where}.error_sd: must be positive")
            items[str(item_id)] = ItemParams(a=a, error_sd=sd)
    version = data.get("version") or f"{bank_version}-{data.get('calibrated_on')}"
    return Params(version=str(version), bank_version=bank.version, items=items)
