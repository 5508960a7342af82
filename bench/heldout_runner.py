"""The runner of the held-out sets built the holdout4 way (``bench/eval_holdout4.py``,
``bench/eval_holdout5.py``): store a set through tracker's public interfaces, run the stages,
score it with ``bench/eval_judgement.py``'s ``judge_set`` and print the figures per family (the
seed chain and the noise family included), per written phrasing, per credit placement, link
form and page skin, and every wrong judgement with the shape of its page; or only build and
check the set (``--dry-run``), or run it on two articles without showing values (``--smoke``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from eval_judgement import (
    JUDGEMENT_GOALS,
    SHAPES,
    by_shape,
    judge,
    judge_set,
    shape_of,
)
from scenario_pages import ScenarioSet

BENCH = Path(__file__).resolve().parent

# Families ``eval_judgement.by_family`` does not know: judged here the same way.
OWN_FAMILIES = ("seed-chain", "noise")


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


class HeldOutRunner:
    """The runner of one set: its ``name`` ("holdout4"), how to build it (``build(corpus)``), its
    construction checks (a module with ``construction_problems`` and ``family_counts``), its
    scenario module (``LABEL``, ``reused_sources``) and the two articles of ``--smoke``."""

    def __init__(
        self,
        name: str,
        build: Callable[[Path], ScenarioSet],
        checks: ModuleType,
        built: ModuleType,
        smoke_keys: tuple[str, str],
    ) -> None:
        self.name, self.build, self.checks, self.built = name, build, checks, built
        self.smoke_keys = smoke_keys

    def run(self, scenarios: ScenarioSet, jobs: int = 2, built: float = 0.0) -> dict[str, Any]:
        """Store, run the stages and judge ``scenarios`` (the whole set, or the smoke subset)."""
        figures = judge_set(scenarios, self.name, jobs, shape_of, _extra)
        figures["families"].update(figures.pop("own_families"))
        figures["seconds"] = {"build": round(built, 2), **figures["seconds"]}
        figures["wrong"] = [f"{line}  [{shape_of(scenarios, line)}]" for line in figures["wrong"]]
        return figures

    def _print(self, figures: dict[str, Any], out=sys.stdout) -> None:
        print(f"# {self.built.LABEL}", file=out)
        print(f"# {self.name.upper()}: seconds {figures['seconds']}, FetchedPage carries the HTTP Content-Type: "
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

    def dry_run(self, corpus: Path, out=sys.stdout) -> int:
        """Build the set and check its construction only; 0 when consistent."""
        started = time.perf_counter()
        scenarios = self.build(corpus)
        seconds = time.perf_counter() - started
        print(f"# {self.built.LABEL}", file=out)
        print(f"# {self.name.upper()} construction only (tracker not run): {len(scenarios.groups())} articles, "
              f"{len(scenarios.pages)} pages, roles {dict(scenarios.counts())}, built in {seconds:.1f} s",
              file=out)  # fmt: skip
        for name, counts in self.checks.family_counts(scenarios).items():
            print(f"  {name:24} {counts}", file=out)
        pools: dict[str, int] = {}
        for source in scenarios.sources.values():
            pools[source.split("/")[0]] = pools.get(source.split("/")[0], 0) + 1
        reused = self.built.reused_sources(scenarios, corpus)
        print(f"  {'article sources':24} {dict(sorted(pools.items()))}", file=out)
        short = ", ".join(s.split("/")[0] + "/" + s.split("/")[1][:12] for s in reused)
        print(f"  {'reused from earlier sets':24} {len(reused)} of {len(set(scenarios.sources.values()))}: {short}", file=out)  # fmt: skip
        problems = self.checks.construction_problems(scenarios)
        for problem in problems:
            print(f"  PROBLEM: {problem}", file=out)
        print("labels consistent" if not problems else f"{len(problems)} problems", file=out)
        return 1 if problems else 0

    def smoke(self, corpus: Path, jobs: int = 2, out=sys.stdout) -> int:
        """Run the runner end to end on two articles; print which figures it made, not their values
        (the set is held out)."""
        started = time.perf_counter()
        whole = self.build(corpus)
        built = time.perf_counter() - started
        subset = ScenarioSet([p for p in whole.pages if p.key in self.smoke_keys], whole.sources)
        figures = self.run(subset, jobs, built)
        print(f"# {self.name.upper()} smoke: {figures['articles']} articles, {figures['pages']} pages stored and "
              f"judged, seconds {figures['seconds']}", file=out)  # fmt: skip
        print(
            f"  figures computed: {', '.join(k for k in figures if k in JUDGEMENT_GOALS)}", file=out
        )
        print(f"  families judged: {', '.join(figures['families'])}", file=out)
        print(f"  shape groups: {', '.join(figures['shapes'])}; values not shown (held-out set)", file=out)  # fmt: skip
        return 0 if figures["articles"] == len(self.smoke_keys) else 1

    def main(self, argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(
            description=f"Judge tracker on the held-out set {self.name}."
        )
        parser.add_argument("--corpus", type=Path, default=default_corpus())
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="build and check only")
        mode.add_argument("--smoke", action="store_true", help="run the runner on two articles")
        parser.add_argument("--jobs", type=int, default=2)
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        args = parser.parse_args(argv)
        if not args.corpus.exists():
            print(f"eval_{self.name}: corpus not found at {args.corpus}", file=sys.stderr)
            return 2
        try:
            if args.dry_run:
                return self.dry_run(args.corpus)
            if args.smoke:
                return self.smoke(args.corpus, args.jobs)
            started = time.perf_counter()
            scenarios = self.build(args.corpus)
            figures = self.run(scenarios, args.jobs, time.perf_counter() - started)
        except (FileNotFoundError, ValueError) as error:
            print(f"eval_{self.name}: cannot build the set: {error}", file=sys.stderr)
            return 2
        except RuntimeError as error:
            print(f"eval_{self.name}: tracker failed on {error}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(figures, indent=2))
        else:
            self._print(figures)
        return 0
