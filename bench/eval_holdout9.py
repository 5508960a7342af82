"""Run tracker's judgement on holdout9, the NINTH held-out set of the issue 11 families.

The set (``bench/scenario_holdout9.py``, labelled as built) is HELD OUT: the lead runs it ONCE,
at the very end, and nobody tunes tracker on it; its figures are not written into the
repository. The run itself is ``bench/heldout_runner.py``'s: the pages go through tracker's public
interfaces and stages, ``eval_judgement.judge_set`` scores them with the figures of every earlier
set, broken down per family (seed chain and noise included), per written phrasing, per placement,
link form and page template, with every wrong judgement and the shape of its page.

``--dry-run`` builds the set and checks its construction without running tracker's judgement;
``--smoke`` runs the whole runner on two articles and names the figures it made, not their values.

Example:
    python bench/eval_holdout9.py --dry-run
    python bench/eval_holdout9.py --smoke
    python bench/eval_holdout9.py > /outside/the/repository/holdout9.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import holdout9_checks  # noqa: E402
import scenario_holdout9  # noqa: E402
from heldout_runner import HeldOutRunner  # noqa: E402

RUNNER = HeldOutRunner(
    "holdout9",
    scenario_holdout9.build_holdout9,
    holdout9_checks,
    scenario_holdout9,
    ("h9-seed-chain-0", "h9-header-charset-2"),
)
run, dry_run, smoke, main = RUNNER.run, RUNNER.dry_run, RUNNER.smoke, RUNNER.main

if __name__ == "__main__":
    sys.exit(main())
