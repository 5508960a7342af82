"""Construction checks of the sixth held-out set (``bench/scenario_holdout6.py``), by
``bench/heldout_checks.py``. Nothing here runs tracker."""

from __future__ import annotations

import scenario_holdout6
from heldout_checks import WANT, SetChecks

CHECKS = SetChecks(scenario_holdout6, shortener="https://lnkd.in/")
family_counts = CHECKS.family_counts
construction_problems = CHECKS.construction_problems
charset_problems = CHECKS.charset_problems

__all__ = ["WANT", "charset_problems", "construction_problems", "family_counts"]
