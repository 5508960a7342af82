"""Judge tracker on the SECOND held-out set of the issue 11 families (holdout2), LABELLED AS BUILT.

Builds ``bench/scenario_holdout2.py``'s pages, stores them through tracker's public interfaces,
runs the pipeline's stages and scores them with ``bench/eval_judgement.py``'s ``judge`` (the same
figures, computed the same way, as the first set): origin right, credited right, originals called
uncredited copies, copies named after another site, retained for re-paragraphed full copies (min),
unresolved Unicode credit targets, garbled header-charset pages, stored texts that still carry a
site's recurring disclaimer.

This set is held out: run it rarely, do not tune on it, and keep its figures out of the
repository. ``--dry-run`` only builds the set and checks its construction (page counts per
family, labels consistent, credit lines from ``bench/phrasings_holdout2.yml``); it never runs
tracker's judgement.

Example:
    python bench/eval_holdout2.py --dry-run
    python bench/eval_holdout2.py > /somewhere/outside/the/repo.txt
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from eval_judgement import (  # noqa: E402
    JUDGEMENT_GOALS,
    judge_set,
)
from scenario_holdout2 import (  # noqa: E402
    LABEL,
    build_holdout2,
    construction_problems,
    family_counts,
)
from scenario_pages import ScenarioSet  # noqa: E402


def _family_of(scenarios: ScenarioSet, message: str) -> str:
    """The family and key of the page a tracker error names (by its URL), for the report."""
    for page in scenarios.pages:
        if page.url in message:
            return f"family {page.family}, {page.key}, {page.role}"
    return "page not identified"


def run(corpus: Path, jobs: int = 2) -> dict[str, Any]:
    """Build, store, run the stages and judge the whole holdout2 set."""
    started = time.perf_counter()
    scenarios = build_holdout2(corpus)
    built = round(time.perf_counter() - started, 2)
    figures = judge_set(scenarios, "holdout2", jobs, _family_of)
    figures["seconds"] = {"build": built, **figures["seconds"]}
    return figures


def _print(figures: dict[str, Any], out=sys.stdout) -> None:
    print(f"# {LABEL}", file=out)
    print(f"# HOLDOUT2: seconds {figures['seconds']}, FetchedPage carries the HTTP Content-Type: "
          f"{figures['header_field']}", file=out)  # fmt: skip
    for name in (
        "articles",
        "pages",
        *JUDGEMENT_GOALS,
        "retained_repartitioned_mean",
        "site_name_right",
    ):
        sense, goal = JUDGEMENT_GOALS.get(name, ("", ""))
        print(f"{name:38}{figures[name]:>10}   {sense} {goal}", file=out)
    print(f"counts: {figures['counts']}", file=out)
    print("per family: origin_right credited_right site_name_right", file=out)
    for name, f in figures["families"].items():
        print(
            f"  {name:24} {f['origin_right']:>6} {f['credited_right']:>6} {f['site_name_right']:>6}",
            file=out,
        )
    print("credited copies per written phrasing (hit/count):", file=out)
    for phrasing, (hit, count) in figures["phrasings"].items():
        print(f"  {hit}/{count}  {phrasing}", file=out)
    for line in figures["wrong"]:
        print(f"  wrong: {line}", file=out)


def dry_run(corpus: Path, out=sys.stdout) -> int:
    """Build the set and check its construction only; 0 when consistent."""
    scenarios = build_holdout2(corpus)
    print(f"# {LABEL}", file=out)
    print(f"# HOLDOUT2 construction only (tracker not run): {len(scenarios.groups())} articles, "
          f"{len(scenarios.pages)} pages, roles {dict(scenarios.counts())}", file=out)  # fmt: skip
    for name, counts in family_counts(scenarios).items():
        print(f"  {name:24} {counts}", file=out)
    problems = construction_problems(scenarios)
    for problem in problems:
        print(f"  PROBLEM: {problem}", file=out)
    print("labels consistent" if not problems else f"{len(problems)} problems", file=out)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=BENCH.parent.parent / "shared" / "corpus")
    parser.add_argument("--dry-run", action="store_true", help="build and check only")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"eval_holdout2: corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    if args.dry_run:
        return dry_run(args.corpus)
    try:
        figures = run(args.corpus, args.jobs)
    except RuntimeError as error:
        print(f"eval_holdout2: tracker failed on {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
