"""Clustering and provenance evaluation on a scenario set LABELLED AS BUILT from the real corpus.

``tracker.scenarios.build`` makes the pages and their labels (which article each page carries, its
role, each article's origin) from the real pages in the corpus; this script stores them in a
temporary database the way an import does (extraction and ``tracker.attribution.find_credits`` for
HTML pages, explicit credit records for plain-text ones), runs ``tracker.clustering.update_clusters``
and scores the clusters against the labels:

* pairwise precision: of the page pairs put in one cluster, the share that carry the same article;
* repost recall: of the pairs of full copies (origin and reposts) of one article, the share clustered;
* excerpt recall: the share of excerpts clustered with their article's origin;
* origin accuracy: of the articles with copies, the share whose cluster names the right origin;
* merged clusters: clusters holding pages of two or more different articles (boilerplate chains).

Also shown, without goals: whether the deciding evidence matches the construction, role accuracy,
credited-flag accuracy. ``--baseline`` writes the figures of this run (full and CI-sized) into
``bench/cluster_eval_baseline.json``; ``tests/test_cluster_eval.py`` gates on them.

Example:
    python bench/eval_cluster.py --corpus ../shared/corpus
    python bench/eval_cluster.py --corpus ../shared/corpus --articles 12 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.scenarios import LABEL, ScenarioPage, ScenarioSet, build  # noqa: E402
from tracker.store import PageRecord, open_db, resolve_credit_targets, store_page  # noqa: E402
from tracker.urls import normalize_url, site_of  # noqa: E402

GOALS = {
    "precision": 0.99,
    "repost_recall": 0.97,
    "excerpt_recall": 0.90,
    "origin_accuracy": 0.95,
    "merged_clusters": 0,
}
# The CI gate runs a smaller set (same construction, fewer articles) to stay well under a minute.
CI_SIZE = {"articles": 24, "donors": 8, "similar_pairs": 5, "hub_pages": 8}
FULL_SIZE = {"articles": 48, "donors": 10, "similar_pairs": 10, "hub_pages": 10}
# Figures without a goal of their own; the gate still holds them at the baseline.
TRACKED = ("evidence_agreement", "role_accuracy", "credited_accuracy")
BASELINE = Path(__file__).resolve().parent / "cluster_eval_baseline.json"


def _records(pages: list[ScenarioPage], jobs: int) -> list[tuple[ScenarioPage, PageRecord]]:
    """Extract the HTML pages (and find their credits) like an import; plain pages as given."""
    from tracker.items import FetchedPage
    from tracker.record import build_records

    html_pages = [p for p in pages if p.html is not None]
    fetched = [
        FetchedPage(url=p.url, body=p.html, fetched_at=p.fetched_at, source="scenario")
        for p in html_pages
    ]
    out: list[tuple[ScenarioPage, PageRecord]] = []
    for page, (_, record) in zip(html_pages, build_records(fetched, jobs=jobs), strict=True):
        if isinstance(record, Exception):
            raise RuntimeError(f"{page.url}: {record}")
        out.append((page, record))
    for page in pages:
        if page.html is None:
            url = normalize_url(page.url)
            out.append(
                (
                    page,
                    PageRecord(
                        url=url, site=site_of(url), fetched_at=page.fetched_at, title=page.title, byline=page.byline,
                        published=page.published, language=None, site_name=page.site_name, description=None,
                        paragraphs=list(page.paragraphs or []), credits=list(page.credits), source="scenario",
                    ),
                )
            )  # fmt: skip
    for page, record in out:
        # The scenario declares when each page was published and what it was titled.
        record.published = page.published
        record.title = page.title
        record.byline = page.byline
        record.site_name = page.site_name
    out.sort(key=lambda item: (item[0].fetched_at, item[0].url))
    return out


def load(db, scenarios: ScenarioSet, jobs: int = 2) -> dict[str, int]:
    """Store the scenario pages; returns page id by scenario URL."""
    ids: dict[str, int] = {}
    for page, record in _records(scenarios.pages, jobs):
        result = store_page(db, record)
        ids[page.url] = result.page_id
    resolve_credit_targets(db)
    return ids


def score(db, scenarios: ScenarioSet, ids: dict[str, int]) -> dict[str, object]:
    """Every figure of the evaluation, from the clusters in ``db`` and the labels."""
    by_id = {ids[p.url]: p for p in scenarios.pages}
    clusters: dict[int, set[int]] = defaultdict(set)
    member_rows = {}
    for cluster_id, page_id, role, credited in db.execute(
        "select cluster_id, page_id, role, credited from cluster_members"
    ):
        clusters[cluster_id].add(page_id)
        member_rows[(cluster_id, page_id)] = (role, credited)
    of_page: dict[int, set[int]] = defaultdict(set)
    for cluster_id, members in clusters.items():
        for page_id in members:
            of_page[page_id].add(cluster_id)
    origin_rows = {
        r[0]: (r[1], r[2])
        for r in db.execute("select id, origin_page_id, origin_evidence from clusters")
    }

    def together(a: int, b: int) -> bool:
        return bool(of_page[a] & of_page[b])

    tp = fp = 0
    repost_pairs = repost_found = 0
    for a, b in combinations(sorted(by_id), 2):
        same = by_id[a].key == by_id[b].key
        joined = together(a, b)
        if joined:
            tp += same
            fp += not same
        if same and "excerpt" not in (by_id[a].role, by_id[b].role):
            repost_pairs += 1
            repost_found += joined
    groups = scenarios.groups()
    origin_id = {
        key: ids[p.url] for key, pages in groups.items() for p in pages if p.role == "origin"
    }
    excerpts = [p for p in scenarios.pages if p.role == "excerpt"]
    excerpt_found = sum(
        together(ids[p.url], origin_id[p.key]) for p in excerpts if p.key in origin_id
    )

    origins_right = evidence_right = 0
    roles_right = roles_total = credit_right = credit_total = 0
    wrong_origins = []
    with_copies = [key for key, pages in groups.items() if len(pages) > 1 and key in origin_id]
    for key in with_copies:
        truth_origin = origin_id[key]
        pages = {ids[p.url] for p in groups[key]}
        candidates = of_page[truth_origin]
        cluster = max(candidates, key=lambda c: (len(clusters[c] & pages), -c), default=None)
        if cluster is None:
            wrong_origins.append((key, "origin not clustered"))
            continue
        chosen, evidence = origin_rows[cluster]
        if chosen == truth_origin:
            origins_right += 1
            label = next(p.origin_evidence for p in groups[key] if p.role == "origin")
            evidence_right += evidence == label
        else:
            wrong_origins.append(
                (
                    key,
                    f"origin {by_id.get(chosen).url if chosen in by_id else chosen} by {evidence}",
                )
            )
        for page_id in clusters[cluster] & pages:
            page = by_id[page_id]
            role, credited = member_rows[(cluster, page_id)]
            roles_total += 1
            roles_right += role == page.role
            if page.role != "origin" and page.credited is not None and chosen == truth_origin:
                credit_total += 1
                credit_right += bool(credited) == page.credited
    merged = []
    for cluster_id, members in sorted(clusters.items()):
        keys = {by_id[p].key for p in members if p in by_id}
        if len(keys) > 1:
            merged.append({"cluster": cluster_id, "keys": sorted(keys)})

    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 1.0

    return {
        "pages": len(by_id),
        "articles_with_copies": len(with_copies),
        "clusters": len(clusters),
        "precision": ratio(tp, tp + fp),
        "repost_recall": ratio(repost_found, repost_pairs),
        "excerpt_recall": ratio(excerpt_found, len(excerpts)),
        "origin_accuracy": ratio(origins_right, len(with_copies)),
        "merged_clusters": len(merged),
        "evidence_agreement": ratio(evidence_right, origins_right),
        "role_accuracy": ratio(roles_right, roles_total),
        "credited_accuracy": ratio(credit_right, credit_total),
        "pairs": {
            "predicted": tp + fp,
            "false": fp,
            "repost_true": repost_pairs,
            "excerpts": len(excerpts),
        },
        "wrong_origins": wrong_origins,
        "merged": merged,
    }


def run(
    corpus: Path, size: dict[str, int] | None = None, jobs: int = 2, keep_db: Path | None = None
) -> dict[str, object]:
    """Build the scenario set, store it, cluster it and score it; figures plus timings."""
    from tracker.clustering import update_clusters
    from tracker.provenance import assign

    size = size or FULL_SIZE
    started = time.perf_counter()
    scenarios = build(corpus, **size)
    built = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(keep_db or Path(tmp) / "eval.db")
        ids = load(db, scenarios, jobs)
        stored = time.perf_counter()
        assign(db, update_clusters(db).changed)
        clustered = time.perf_counter()
        figures = score(db, scenarios, ids)
        db.close()
    figures["size"] = dict(size)
    figures["roles"] = dict(scenarios.counts())
    figures["seconds"] = {
        "build": round(built - started, 2),
        "store": round(stored - built, 2),
        "cluster": round(clustered - stored, 2),
    }
    return figures


def check(
    figures: dict[str, object], baseline: dict[str, object] | None, tolerance: float
) -> list[str]:
    """The figures that miss a goal or fall below the baseline (minus ``tolerance``)."""
    failures = []
    for name, goal in GOALS.items():
        value = figures[name]
        floor = baseline.get(name) if baseline else None
        if name == "merged_clusters":
            if value > goal or (floor is not None and value > floor):
                failures.append(f"{name} = {value} (goal {goal}, baseline {floor})")
            continue
        if value < goal:
            failures.append(f"{name} = {value} below goal {goal}")
        if floor is not None and value < floor - tolerance:
            failures.append(f"{name} = {value} below baseline {floor} - {tolerance}")
    for name in TRACKED:
        floor = baseline.get(name) if baseline else None
        if floor is not None and figures[name] < floor - tolerance:
            failures.append(f"{name} = {figures[name]} below baseline {floor} - {tolerance}")
    return failures


def _print(figures: dict[str, object], out=sys.stdout) -> None:
    print(f"# {LABEL}", file=out)
    print(f"# pages {figures['pages']} {figures['roles']}, articles with copies {figures['articles_with_copies']}, "
          f"clusters {figures['clusters']}, seconds {figures['seconds']}", file=out)  # fmt: skip
    for name, goal in GOALS.items():
        value = figures[name]
        met = value <= goal if name == "merged_clusters" else value >= goal
        print(
            f"{name:18} {value:>8}   goal {'<=' if name == 'merged_clusters' else '>='} {goal}  {'met' if met else 'NOT MET'}",
            file=out,
        )
    for name in TRACKED:
        print(f"{name:18} {figures[name]:>8}   (no goal)", file=out)
    print(f"pairs              {figures['pairs']}", file=out)
    for key, why in figures["wrong_origins"]:
        print(f"wrong origin: {key}: {why}", file=out)
    for item in figures["merged"]:
        print(f"merged cluster {item['cluster']}: {', '.join(item['keys'])}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(__file__).resolve().parent.parent.parent / "shared" / "corpus",
    )
    parser.add_argument("--articles", type=int, help="reposted articles (default: the full set)")
    parser.add_argument("--ci", action="store_true", help="the smaller set the CI gate runs")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--keep-db", type=Path, help="keep the evaluation database here (for tracker show)"
    )
    parser.add_argument(
        "--baseline", action="store_true", help=f"run full and CI sizes and write {BASELINE.name}"
    )
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"eval_cluster: corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    if args.baseline:
        full = run(args.corpus, FULL_SIZE, args.jobs)
        ci = run(args.corpus, CI_SIZE, args.jobs)
        _print(full)
        _print(ci)
        keep = [*GOALS, *TRACKED, "pages", "size", "seconds"]
        BASELINE.write_text(
            json.dumps(
                {
                    "label": LABEL,
                    "goals": GOALS,
                    "tolerance": 0.01,
                    "full": {k: full[k] for k in keep},
                    "ci": {k: ci[k] for k in keep},
                },
                indent=2,
            )
            + "\n"
        )
        return 0
    size = dict(CI_SIZE if args.ci else FULL_SIZE)
    if args.articles:
        size["articles"] = args.articles
    figures = run(args.corpus, size, args.jobs, args.keep_db)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0 if not check(figures, None, 0.0) else 1


if __name__ == "__main__":
    sys.exit(main())
