"""Judge tracker on the THIRD held-out set of the issue 11 families (holdout3), LABELLED AS BUILT.

Builds ``bench/scenario_holdout3.py``'s pages, stores them through tracker's public interfaces,
runs the pipeline's stages and scores them with ``bench/eval_judgement.py``'s ``judge`` (the same
figures, computed the same way, as the first two sets): origin right, credited right, originals
called uncredited copies, copies named after another site, retained for re-paragraphed full copies
(min), unresolved Unicode credit targets, garbled header-charset pages, stored texts that still
carry a site's recurring disclaimer. It also prints the figures per family, per written phrasing,
per credit placement, link form and page skin, and every wrong judgement with the shape of its
page.

This set is held out: run it once, do not tune on it, and keep its figures out of the repository.
``--dry-run`` only builds the set and checks its construction (page counts per family, labels
consistent, credit lines from ``bench/phrasings_holdout3.yml``, charset bytes, Unicode links); it
never runs tracker's judgement.

Example:
    python bench/eval_holdout3.py --dry-run
    python bench/eval_holdout3.py > /somewhere/outside/the/repo.txt
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from eval_judgement import (  # noqa: E402
    JUDGEMENT_GOALS,
    SHAPES,
    by_shape,
    judge_set,
    shape_of,
)
from scenario_holdout3 import (  # noqa: E402
    LABEL,
    build_holdout3,
    construction_problems,
    family_counts,
)
from scenario_pages import ScenarioSet  # noqa: E402


def named_by_own_domain(wrong: list[str]) -> int:
    """Copies ``judge`` counts as "named after another site" whose shown name is in fact their own
    host: ``judge`` counts every site's domain as another site's name, and this set has sites that
    name themselves only in JSON-LD publisher markup (shown apart so the two faults are not mixed)."""
    count = 0
    for line in wrong:
        found = re.search(r": (https?://([^/]+)/\S*) named '([^']*)'$", line)
        if found and found.group(3).lower().removeprefix("www.") == found.group(2).lower():
            count += 1
    return count


def _shapes(db, scenarios: ScenarioSet, ids: dict[str, int]) -> dict[str, Any]:
    return {"shapes": {name: by_shape(db, scenarios, ids, name) for name in SHAPES}}


def run(corpus: Path, jobs: int = 2) -> dict[str, Any]:
    """Build, store, run the stages and judge the whole holdout3 set."""
    started = time.perf_counter()
    scenarios = build_holdout3(corpus)
    built = round(time.perf_counter() - started, 2)
    figures = judge_set(scenarios, "holdout3", jobs, shape_of, _shapes)
    figures["seconds"] = {"build": built, **figures["seconds"]}
    figures["named_by_own_domain"] = named_by_own_domain(figures["wrong"])
    figures["wrong"] = [f"{line}  [{shape_of(scenarios, line)}]" for line in figures["wrong"]]
    return figures


def _print(figures: dict[str, Any], out=sys.stdout) -> None:
    print(f"# {LABEL}", file=out)
    print(f"# HOLDOUT3: seconds {figures['seconds']}, FetchedPage carries the HTTP Content-Type: "
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
    print(
        f"copies_named_after_another_site by their own domain: {figures['named_by_own_domain']}",
        file=out,
    )
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
    for name, groups in figures["shapes"].items():
        print(f"credited copies per {name} (hit/count):", file=out)
        for shape, (hit, count) in groups.items():
            print(f"  {hit}/{count}  {shape}", file=out)
    for line in figures["wrong"]:
        print(f"  wrong: {line}", file=out)


def dry_run(corpus: Path, out=sys.stdout) -> int:
    """Build the set and check its construction only; 0 when consistent."""
    started = time.perf_counter()
    scenarios = build_holdout3(corpus)
    seconds = time.perf_counter() - started
    print(f"# {LABEL}", file=out)
    print(f"# HOLDOUT3 construction only (tracker not run): {len(scenarios.groups())} articles, "
          f"{len(scenarios.pages)} pages, roles {dict(scenarios.counts())}, built in {seconds:.1f} s",
          file=out)  # fmt: skip
    for name, counts in family_counts(scenarios).items():
        print(f"  {name:24} {counts}", file=out)
    sources: dict[str, int] = {}
    for source in scenarios.sources.values():
        pool = source.split("/")[0]
        sources[pool] = sources.get(pool, 0) + 1
    print(f"  {'article sources':24} {dict(sorted(sources.items()))}", file=out)
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
        print(f"eval_holdout3: corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    if args.dry_run:
        try:
            return dry_run(args.corpus)
        except (FileNotFoundError, ValueError) as error:
            print(f"eval_holdout3: cannot build the set: {error}", file=sys.stderr)
            return 2
    try:
        figures = run(args.corpus, args.jobs)
    except RuntimeError as error:
        print(f"eval_holdout3: tracker failed on {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
