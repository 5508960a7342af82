"""Construction checks of the ninth held-out set (``bench/scenario_holdout9.py``), by
``bench/heldout_checks.py``. Nothing here runs tracker."""

from __future__ import annotations

import scenario_holdout9
from heldout_checks import WANT, SetChecks

CHECKS = SetChecks(scenario_holdout9, shortener=scenario_holdout9.SHORTENER)
family_counts = CHECKS.family_counts
construction_problems = CHECKS.construction_problems
charset_problems = CHECKS.charset_problems

__all__ = ["WANT", "charset_problems", "construction_problems", "family_counts"]
