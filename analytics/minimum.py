"""How many people a figure needs before it is shown, and what is shown instead.

Below its minimum a figure is *absent*: the report carries
``{"status": "not_enough_data", "n": ..., "needed": ...}`` and never a number for
the figure itself. Counts under :data:`K_ANONYMITY` are reported as ``"<5"`` so
that a tiny group (one language, one bank version) cannot single someone out.

Why these numbers (each is the n at which the figure's 95 % interval is narrow
enough to say something; formulas are the usual large-sample ones):

- :data:`USAGE` = 20 finished or unfinished assessments: a completion or skip
  rate near 0.8 has a standard error ``sqrt(.8 * .2 / 20) = 0.09``; with fewer,
  the rate says nothing a reader could act on.
- :data:`CATEGORY_USE` = 50 finished assessments per language: the share of
  middle answers (about 0.2 of ~40 answers each) is then known to about +-0.02,
  small enough to see a language that uses the middle twice as often.
- :data:`RELIABILITY` = 100 complete answer sets: for alpha around 0.75 with 7
  items, Feldt's interval is about +-0.05 at n = 100 and +-0.11 at n = 30; a
  one-factor fit for omega is unstable below ~100 (MacCallum et al. 1999).
- :data:`ITEM_REST` = 50: the standard error of a correlation near 0.3 is
  ``(1 - r^2) / sqrt(n) = 0.13``, enough to tell a working item from a dead one.
- :data:`KNOWN_GROUP` = 30 people in *each* role: the 95 % interval of a
  standardised difference d = 0.8 is then about +-0.5, so its sign is settled.
- :data:`DIF_GROUP` = 200 per language (the reference and the focal group):
  simulation studies of Mantel-Haenszel and ordinal logistic DIF (Scott et al.
  2009; Zwick 2012) need about 200 per group for useful power on moderate DIF.
- :data:`RETEST` = 30 people who took it twice: the 95 % interval of r = 0.8 is
  then 0.62 .. 0.90.
- :data:`CALIBRATION` = 500 finished assessments in one bank version: loadings
  from a one-factor model with 7 items settle (standard error ~0.04) by then.
"""

from __future__ import annotations

from typing import Any

K_ANONYMITY = 5
USAGE = 20
CATEGORY_USE = 50
RELIABILITY = 100
ITEM_REST = 50
KNOWN_GROUP = 30
DIF_GROUP = 200
RETEST = 30
CALIBRATION = 500

assert min(USAGE, CATEGORY_USE, RELIABILITY, ITEM_REST, KNOWN_GROUP, DIF_GROUP, RETEST, CALIBRATION) >= K_ANONYMITY


def count(n: int) -> int | str:
    """A head count as it may be shown: exact from 5 up, ``"<5"`` below (0 stays 0)."""
    return n if n == 0 or n >= K_ANONYMITY else f"<{K_ANONYMITY}"


def not_enough(n: int, needed: int) -> dict[str, Any]:
    """The stand-in for a figure whose group is smaller than ``needed``."""
    return {"status": "not_enough_data", "n": count(n), "needed": needed}


def shown(n: int, needed: int) -> bool:
    return n >= max(needed, K_ANONYMITY)
