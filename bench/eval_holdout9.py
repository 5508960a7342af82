"""Judge tracker on the NINTH held-out set of the issue 11 families (holdout9), LABELLED AS BUILT.

Builds ``bench/scenario_holdout9.py``'s pages, stores them through tracker's public interfaces,
runs the pipeline's stages and scores them with ``bench/eval_judgement.py``'s ``judge_set`` (the
same figures, computed the same way, as the earlier sets): origin right, credited right, originals
called uncredited copies, copies named after another site, retained for re-paragraphed full copies
(min), unresolved Unicode credit targets, garbled header-charset pages, stored texts that still
carry a site's recurring disclaimer. It also prints the figures per family (the seed chain and the
noise family included), per written phrasing, per credit placement, link form and page template,
and every wrong judgement with the shape of its page (``bench/heldout_runner.py``).

This set is HELD OUT: it is run ONCE, by the lead, at the very end; nobody tunes tracker on it and
its figures stay out of the repository. ``--dry-run`` only builds the set and checks its
construction (it never runs tracker's judgement); ``--smoke`` runs the whole runner on two
articles only and prints which figures it computed, never their values.

Example:
    python bench/eval_holdout9.py --dry-run
    python bench/eval_holdout9.py --smoke
    python bench/eval_holdout9.py > /somewhere/outside/the/repo.txt
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
