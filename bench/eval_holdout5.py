"""Judge tracker on the FIFTH held-out set of the issue 11 families (holdout5), LABELLED AS BUILT.

Builds ``bench/scenario_holdout5.py``'s pages, stores them through tracker's public interfaces,
runs the pipeline's stages and scores them with ``bench/eval_judgement.py``'s ``judge_set`` (the
same figures, computed the same way, as the earlier sets): origin right, credited right, originals
called uncredited copies, copies named after another site, retained for re-paragraphed full copies
(min), unresolved Unicode credit targets, garbled header-charset pages, stored texts that still
carry a site's recurring disclaimer. It also prints the figures per family (the seed chain and the
noise family included), per written phrasing, per credit placement, link form and page skin, and
every wrong judgement with the shape of its page.

This set is HELD OUT: it is run ONCE, by the lead, at the very end; nobody tunes tracker on it and
its figures stay out of the repository. ``--dry-run`` only builds the set and checks its
construction (it never runs tracker's judgement); ``--smoke`` runs the whole runner on two
articles only and prints which figures it computed, never their values.

Example:
    python bench/eval_holdout5.py --dry-run
    python bench/eval_holdout5.py --smoke
    python bench/eval_holdout5.py > /somewhere/outside/the/repo.txt
"""

from __future__ import annotations

import argparse
import json
import os
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
    judge,
    judge_set,
    shape_of,
)
from holdout5_checks import construction_problems, family_counts  # noqa: E402
from scenario_holdout5 import LABEL, build_holdout5, reused_sources  # noqa: E402
from scenario_pages import ScenarioSet  # noqa: E402

# Families ``eval_judgement.by_family`` does not know: judged here the same way.
OWN_FAMILIES = ("seed-chain", "noise")
SMOKE_KEYS = ("h5-seed-chain-1", "h5-header-charset-0")


def default_corpus() -> Path:
    """``$TRACKER_CORPUS``, else ``../shared/corpus`` beside the checkout."""
    return Path(os.environ.get("TRACKER_CORPUS") or BENCH.parent.parent / "shared" / "corpus")


def _extra(db, scenarios: ScenarioSet, ids: dict[str, int]) -> dict[str, Any]:
    own = {}
    for family in OWN_FAMILIES:
        subset = ScenarioSet([p for p in scenarios.pages if p.family == family], scenarios.sources)
        if subset.pages:
            figures = judge(db, subset, ids, scenarios)
            own[family] = {k: v for k, v in figures.items() if k not in ("wrong", "counts")}
    return {
        "shapes": {name: by_shape(db, scenarios, ids, name) for name in SHAPES},
        "own_families": own,
    }


def run(scenarios: ScenarioSet, jobs: int = 2, built: float = 0.0) -> dict[str, Any]:
    """Store, run the stages and judge ``scenarios`` (the whole set, or the smoke subset)."""
    figures = judge_set(scenarios, "holdout5", jobs, shape_of, _extra)
    figures["families"].update(figures.pop("own_families"))
    figures["seconds"] = {"build": round(built, 2), **figures["seconds"]}
    figures["wrong"] = [f"{line}  [{shape_of(scenarios, line)}]" for line in figures["wrong"]]
    return figures


def _print(figures: dict[str, Any], out=sys.stdout) -> None:
    print(f"# {LABEL}", file=out)
    print(f"# HOLDOUT5: seconds {figures['seconds']}, FetchedPage carries the HTTP Content-Type: "
          f"{figures['header_field']}", file=out)  # fmt: skip
    for name in ("articles", "pages", *JUDGEMENT_GOALS, "retained_repartitioned_mean", "site_name_right"):  # fmt: skip
        sense, goal = JUDGEMENT_GOALS.get(name, ("", ""))
        print(f"{name:38}{figures[name]:>10}   {sense} {goal}", file=out)
    print(f"counts: {figures['counts']}", file=out)
    print("per family: origin_right credited_right site_name_right", file=out)
    for name, f in figures["families"].items():
        print(f"  {name:24} {f['origin_right']:>6} {f['credited_right']:>6} {f['site_name_right']:>6}", file=out)  # fmt: skip
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
    scenarios = build_holdout5(corpus)
    seconds = time.perf_counter() - started
    print(f"# {LABEL}", file=out)
    print(f"# HOLDOUT5 construction only (tracker not run): {len(scenarios.groups())} articles, "
          f"{len(scenarios.pages)} pages, roles {dict(scenarios.counts())}, built in {seconds:.1f} s",
          file=out)  # fmt: skip
    for name, counts in family_counts(scenarios).items():
        print(f"  {name:24} {counts}", file=out)
    pools: dict[str, int] = {}
    for source in scenarios.sources.values():
        pools[source.split("/")[0]] = pools.get(source.split("/")[0], 0) + 1
    reused = reused_sources(scenarios, corpus)
    print(f"  {'article sources':24} {dict(sorted(pools.items()))}", file=out)
    short = ", ".join(s.split("/")[0] + "/" + s.split("/")[1][:12] for s in reused)
    print(f"  {'reused from earlier sets':24} {len(reused)} of {len(set(scenarios.sources.values()))}: {short}", file=out)  # fmt: skip
    problems = construction_problems(scenarios)
    for problem in problems:
        print(f"  PROBLEM: {problem}", file=out)
    print("labels consistent" if not problems else f"{len(problems)} problems", file=out)
    return 1 if problems else 0


def smoke(corpus: Path, jobs: int = 2, out=sys.stdout) -> int:
    """Run the runner end to end on two articles; print which figures it made, not their values
    (the set is held out)."""
    started = time.perf_counter()
    whole = build_holdout5(corpus)
    built = time.perf_counter() - started
    subset = ScenarioSet([p for p in whole.pages if p.key in SMOKE_KEYS], whole.sources)
    figures = run(subset, jobs, built)
    print(f"# HOLDOUT5 smoke: {figures['articles']} articles, {figures['pages']} pages stored and "
          f"judged, seconds {figures['seconds']}", file=out)  # fmt: skip
    print(f"  figures computed: {', '.join(k for k in figures if k in JUDGEMENT_GOALS)}", file=out)
    print(f"  families judged: {', '.join(figures['families'])}", file=out)
    print(f"  shape groups: {', '.join(figures['shapes'])}; values not shown (held-out set)", file=out)  # fmt: skip
    return 0 if figures["articles"] == len(SMOKE_KEYS) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="build and check only")
    mode.add_argument("--smoke", action="store_true", help="run the runner on two articles")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"eval_holdout5: corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    try:
        if args.dry_run:
            return dry_run(args.corpus)
        if args.smoke:
            return smoke(args.corpus, args.jobs)
        started = time.perf_counter()
        scenarios = build_holdout5(args.corpus)
        figures = run(scenarios, args.jobs, time.perf_counter() - started)
    except (FileNotFoundError, ValueError) as error:
        print(f"eval_holdout5: cannot build the set: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"eval_holdout5: tracker failed on {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
