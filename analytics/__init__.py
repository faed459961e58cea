"""rolefit's evidence loop: what the stored answers say about the instrument.

One face for the CLI (and, later, the operator's psychometrics page)::

    from analytics import Response, psychometrics, render_table, calibrate, simulate_people

Needs the optional extra ``rolefit[analytics]`` (numpy, scipy, pandas,
statsmodels). Never imported by the web app's request path or by ``scoring``
(import-linter contracts in pyproject.toml). Does no database I/O: a loader
hands it plain :class:`Response` rows.
"""

from analytics import minimum
from analytics.calibration import CalibrationError, calibrate, call_changes, params_path, write_params
from analytics.data import Response, Scored, item_score, rescore
from analytics.report import psychometrics, render_table
from analytics.simulate import SimPerson, Simulation, Truth, simulate_people

__all__ = [
    "CalibrationError",
    "Response",
    "Scored",
    "SimPerson",
    "Simulation",
    "Truth",
    "calibrate",
    "call_changes",
    "item_score",
    "minimum",
    "params_path",
    "psychometrics",
    "render_table",
    "rescore",
    "simulate_people",
    "write_params",
]
