"""Construction checks of the fifth held-out set (``bench/scenario_holdout5.py``), by
``bench/heldout_checks.py``. Nothing here runs tracker."""

from __future__ import annotations

import scenario_holdout5
from heldout_checks import WANT, SetChecks

CHECKS = SetChecks(scenario_holdout5, shortener="https://t.co/")
family_counts = CHECKS.family_counts
construction_problems = CHECKS.construction_problems
charset_problems = CHECKS.charset_problems

__all__ = ["WANT", "charset_problems", "construction_problems", "family_counts"]
