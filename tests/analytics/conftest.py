"""Simulated three-language datasets with planted effects, shared by the analytics tests."""

from __future__ import annotations

import pytest

from analytics import Response, Simulation, simulate_people
from scoring.model import Bank

PLANTED_DIF = {
    "lk_scope_am_1": {"zh-Hans": 1.0},
    "lk_stakeholders_pm_2": {"vi": -1.0},
    "lk_horizon_am_2": {"zh-Hans": -1.0},
    "lk_capability_pm_3": {"vi": 1.0},
    "pp_position_1": {"zh-Hans": 1.0, "vi": 1.0},
    "lk_career_am_3": {"vi": -1.0},
    "lk_career_pm_1": {"zh-Hans": 1.0},
    "lk_position_am_2": {"vi": -1.0},
    "lk_scope_pm_2": {"zh-Hans": -1.0},
}


@pytest.fixture(scope="session")
def sim(bank: Bank) -> Simulation:
    """1,500 people in three languages, realistic styles, with planted DIF."""
    return simulate_people(bank, 1500, seed=7, dif=PLANTED_DIF)


@pytest.fixture(scope="session")
def responses(sim: Simulation) -> list[Response]:
    return sim.responses()
