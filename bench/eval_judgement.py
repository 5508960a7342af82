"""Storing a scenario set through tracker's public interfaces, and scoring the judgement families.

``load`` hands every HTML page to ``tracker.record.build_record`` as a ``FetchedPage`` (bytes plus
the HTTP ``Content-Type`` for the header-charset pages, when ``FetchedPage`` has a field for it),
stores the records with ``tracker.store.store_page`` and runs the later stages the way the
pipeline does after an import (credit targets, version diffs, clusters, provenance, repost
diffs). ``judge`` reads the documented tables (``clusters``, ``cluster_members``, ``sites``,
``pages``, ``versions``, ``attributions``, ``diffs``) and compares them with the labels the
builder wrote (``bench/scenario_families.py``).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scenario_families import FAMILIES, sentence_of
from scenario_pages import ScenarioPage, ScenarioSet, fold

from tracker.items import FetchedPage
from tracker.record import build_records
from tracker.store import PageRecord, open_db, store_page
from tracker.urls import normalize_url, site_of

# Goals of issue 11 ("Done when"); a figure the gate holds only once it reaches its goal.
JUDGEMENT_GOALS: dict[str, tuple[str, float]] = {
    "origin_right": (">=", 0.97),
    "credited_right": (">=", 0.97),
    "originals_called_uncredited_copies": ("<=", 0),
    "copies_named_after_another_site": ("<=", 0),
    "retained_repartitioned_min": (">=", 0.85),
    "unresolved_unicode_credit_targets": ("<=", 0),
    "garbled_header_charset_pages": ("<=", 0),
    "stored_texts_with_disclaimer": ("<=", 0),
}
_MOJIBAKE = ("\ufffd", "â€", "Ã©", "Ã¨", "Ã¼", "Ã¶", "Ã¡", "Ã£", "Ã§", "Ã­")
_FOLD_PUNCT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_FIELDS = {f.name for f in dataclasses.fields(FetchedPage)}


def fetched_page(page: ScenarioPage) -> FetchedPage:
    """The scenario page as the crawler hands it over: bytes and the HTTP header when the page is
    served that way and ``FetchedPage`` can carry the header (``content_type`` or ``headers``)."""
    body: bytes | str = page.body_bytes if page.body_bytes is not None else (page.html or "")
    extra: dict[str, Any] = {}
    if page.content_type:
        if "content_type" in _FIELDS:
            extra["content_type"] = page.content_type
        elif "headers" in _FIELDS:
            extra["headers"] = {"Content-Type": page.content_type}
    return FetchedPage(
        url=page.url, body=body, fetched_at=page.fetched_at, source="scenario", **extra
    )


def header_field_present() -> bool:
    """Whether ``FetchedPage`` can carry the HTTP Content-Type yet."""
    return bool({"content_type", "headers"} & _FIELDS)


def _records(pages: list[ScenarioPage], jobs: int) -> list[tuple[ScenarioPage, PageRecord]]:
    html_pages = [p for p in pages if p.html is not None]
    out: list[tuple[ScenarioPage, PageRecord]] = []
    built = build_records([fetched_page(p) for p in html_pages], jobs=jobs)
    for page, (_, record) in zip(html_pages, built, strict=True):
        if isinstance(record, Exception):
            raise RuntimeError(f"{page.url}: {record}")
        out.append((page, record))
    for page in pages:
        if page.html is None:
            url = normalize_url(page.url)
            out.append(
                (page, PageRecord(
                    url=url, site=site_of(url), fetched_at=page.fetched_at, title=page.title, byline=page.byline,
                    published=page.published, language=None, site_name=page.site_name, description=None,
                    paragraphs=list(page.paragraphs or []), credits=list(page.credits), source="scenario",
                ))
            )  # fmt: skip
    for page, record in out:
        # The scenario declares when each page was published and what it was titled; the site
        # name too, except in the judgement families, where the name read from the pages is judged.
        record.published = page.published
        record.title = page.title
        if page.declare_site_name:
            record.byline = page.byline
            record.site_name = page.site_name
    out.sort(key=lambda item: (item[0].fetched_at, item[0].url))
    return out


def run_stages(db) -> None:
    """What the pipeline runs after an import: credit targets, diffs, clusters, provenance."""
    from tracker.pipeline import run_stages as pipeline_stages

    pipeline_stages(db)


def load(db, scenarios: ScenarioSet, jobs: int = 2) -> dict[str, int]:
    """Store the scenario pages (no later stage); returns page id by scenario URL."""
    ids: dict[str, int] = {}
    for page, record in _records(scenarios.pages, jobs):
        ids[page.url] = store_page(db, record).page_id
    return ids


def _tables(db) -> dict[str, Any]:
    members: dict[int, set[int]] = defaultdict(set)
    rows: dict[tuple[int, int], tuple[str, int | None]] = {}
    for cluster_id, page_id, role, credited in db.execute(
        "select cluster_id, page_id, role, credited from cluster_members"
    ):
        members[cluster_id].add(page_id)
        rows[(cluster_id, page_id)] = (role, credited)
    of_page: dict[int, set[int]] = defaultdict(set)
    for cluster_id, pages in members.items():
        for page_id in pages:
            of_page[page_id].add(cluster_id)
    latest = {
        page_id: (version_id, text or "")
        for page_id, version_id, text in db.execute(
            "select page_id, id, text from versions where id in (select max(id) from versions group by page_id)"
        )
    }
    return {
        "members": members,
        "rows": rows,
        "of_page": of_page,
        "origin": dict(db.execute("select id, origin_page_id from clusters").fetchall()),
        "site_name": dict(
            db.execute("select p.id, s.name from pages p join sites s on s.domain = p.site").fetchall()
        ),
        "latest": latest,
        "targets": {
            # A credit resolved to its page: in the credit's own row, or as the member's
            # ``credits_page_id``.
            (page_id, target) for page_id, target in db.execute(
                "select page_id, target_page_id from attributions where target_page_id is not null"
                " union select page_id, credits_page_id from cluster_members where credits_page_id is not null"
            )
        },
        "retained": {
            (a, b): r for a, b, r in db.execute("select a_version_id, b_version_id, retained from diffs where kind = 'repost'")
        },
    }  # fmt: skip


def judge(
    db, scenarios: ScenarioSet, ids: dict[str, int], universe: ScenarioSet | None = None
) -> dict[str, Any]:
    """The judgement figures of the family pages in ``scenarios`` (one split or all); a copy is
    "named after another site" when its site shows the name or domain of any other site of
    ``universe`` (the whole set; default ``scenarios``)."""
    t = _tables(db)
    groups = scenarios.groups()
    origins_right = credit_right = credit_total = called_copies = named_wrong = 0
    names_right = names_total = unresolved = garbled = with_disclaimer = 0
    retained: list[float] = []
    wrong: list[str] = []
    # Another site's name, or its domain (what a canonical target's host gives).
    everyone = (universe or scenarios).pages
    others = {fold(p.site_name) for p in everyone} | {fold(p.url.split("/")[2]) for p in everyone}
    for key, pages in sorted(groups.items()):
        origin = next(p for p in pages if p.role == "origin")
        origin_id = ids[origin.url]
        page_ids = {ids[p.url] for p in pages}
        cluster = max(
            t["of_page"][origin_id],
            key=lambda c: (len(t["members"][c] & page_ids), -c),
            default=None,
        )
        chosen = t["origin"].get(cluster) if cluster is not None else None
        if len(pages) > 1:
            origins_right += chosen == origin_id
            if chosen != origin_id:
                by = next((p.url for p in pages if ids[p.url] == chosen), chosen)
                wrong.append(f"{key}: origin {by if cluster is not None else 'not clustered'}")
        for cluster_id in t["of_page"][origin_id]:
            role, credited = t["rows"][(cluster_id, origin_id)]
            # A member marked as unclear (credited NULL) is not accused; only a copy role
            # with credited 0 is.
            if role in ("repost", "excerpt") and credited == 0:
                called_copies += 1
                wrong.append(f"{key}: the original called an uncredited {role}")
        for page in pages:
            page_id = ids[page.url]
            shown = t["site_name"].get(page_id)
            names_total += 1
            names_right += bool(shown) and fold(shown) == fold(page.site_name)
            wrong_name = shown and fold(shown) != fold(page.site_name) and fold(shown) in others
            if wrong_name and page.role != "origin":
                named_wrong += 1
                wrong.append(f"{key}: {page.url} named {shown!r}")
            if page.role != "origin" and page.credited is not None:
                credit_total += 1
                row = t["rows"].get((cluster, page_id)) if cluster is not None else None
                ok = row is not None and bool(row[1]) == page.credited
                credit_right += ok
                if not ok:
                    wrong.append(
                        f"{key}: {page.url} credited {row[1] if row else 'not clustered'}, built {page.credited}"
                    )
            version_id, text = t["latest"].get(page_id, (None, ""))
            if page.expect_retained is not None:
                origin_version = t["latest"].get(origin_id, (None, ""))[0]
                retained.append(t["retained"].get((origin_version, version_id)) or 0.0)
            if page.expect_credit_target is not None and (page_id, origin_id) not in t["targets"]:
                unresolved += 1
                wrong.append(f"{key}: credit to {page.expect_credit_target} unresolved")
            if page.expect_words is not None:
                folded = text.translate(_FOLD_PUNCT)
                missing = [w for w in page.expect_words if w.translate(_FOLD_PUNCT) not in folded]
                if any(m in text for m in _MOJIBAKE) or len(missing) > len(page.expect_words) // 4:
                    garbled += 1
                    wrong.append(f"{key}: garbled text (missing {missing[:4]})")
            if page.expect_absent is not None:
                stored = fold(text)
                if any(fold(sentence_of(line)) in stored for line in page.expect_absent):
                    with_disclaimer += 1

    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 1.0

    copies = sum(len(p) > 1 for p in groups.values())
    return {
        "articles": len(groups),
        "pages": sum(len(p) for p in groups.values()),
        "origin_right": ratio(origins_right, copies),
        "credited_right": ratio(credit_right, credit_total),
        "originals_called_uncredited_copies": called_copies,
        "copies_named_after_another_site": named_wrong,
        "site_name_right": ratio(names_right, names_total),
        "retained_repartitioned_min": round(min(retained), 4) if retained else 1.0,
        "retained_repartitioned_mean": round(sum(retained) / len(retained), 4) if retained else 1.0,
        "unresolved_unicode_credit_targets": unresolved,
        "garbled_header_charset_pages": garbled,
        "stored_texts_with_disclaimer": with_disclaimer,
        "counts": {
            "credited_labels": credit_total,
            "repartitioned": len(retained),
            "unicode_targets": sum(p.expect_credit_target is not None for p in scenarios.pages),
            "header_charset": sum(p.expect_words is not None for p in scenarios.pages),
            "disclaimer_pages": sum(p.expect_absent is not None for p in scenarios.pages),
        },
        "wrong": wrong,
    }


def by_family(db, scenarios: ScenarioSet, ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """``judge`` per family (all splits), for finding where a figure comes from."""
    out = {}
    for family in (*FAMILIES, "new-disclaimer"):
        subset = ScenarioSet([p for p in scenarios.pages if p.family == family], scenarios.sources)
        if subset.pages:
            out[family] = judge(db, subset, ids, scenarios)
    return out


def by_phrasing(db, scenarios: ScenarioSet, ids: dict[str, int]) -> dict[str, list[int]]:
    """For each credit phrasing the builder wrote: [copies whose member row says credited, copies]."""
    credited_pages = {
        page_id for (page_id,) in db.execute("select page_id from cluster_members where credited")
    }
    out: dict[str, list[int]] = {}
    for page in scenarios.pages:
        if page.credit_phrasing and page.credited:
            counts = out.setdefault(page.credit_phrasing, [0, 0])
            counts[0] += ids[page.url] in credited_pages
            counts[1] += 1
    return dict(sorted(out.items()))


def check_judgement(figures: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """Failures of the judgement gate: a figure that had reached its goal in the baseline and now
    misses it (figures still below their goal are recorded, not gated)."""
    failures = []
    for name, (sense, goal) in JUDGEMENT_GOALS.items():
        value = figures[name]
        met = value >= goal if sense == ">=" else value <= goal
        was = baseline.get(name) if baseline else None
        was_met = was is not None and (was >= goal if sense == ">=" else was <= goal)
        if was_met and not met:
            failures.append(f"{name} = {value} misses goal {sense} {goal} (baseline {was} met it)")
    return failures


def judge_set(
    scenarios: ScenarioSet,
    name: str,
    jobs: int,
    locate: Callable[[ScenarioSet, str], str],
    extra: Callable[[Any, ScenarioSet, dict[str, int]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Store a whole held-out set in a fresh database, run the stages and judge it: ``judge``'s
    figures, per family and per written phrasing, what ``extra`` adds, and the seconds taken.
    A tracker error is raised again with ``locate``'s description of the page it names."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / f"{name}.db")
        started = time.perf_counter()
        try:
            ids = load(db, scenarios, jobs)
        except RuntimeError as error:
            raise RuntimeError(f"{locate(scenarios, str(error))}: {error}") from error
        stored = time.perf_counter()
        run_stages(db)
        staged = time.perf_counter()
        figures = judge(db, scenarios, ids)
        figures["families"] = {
            family: {k: v for k, v in f.items() if k not in ("wrong", "counts")}
            for family, f in by_family(db, scenarios, ids).items()
        }
        figures["phrasings"] = by_phrasing(db, scenarios, ids)
        if extra is not None:
            figures.update(extra(db, scenarios, ids))
        db.close()
    figures["header_field"] = header_field_present()
    figures["seconds"] = {"store": round(stored - started, 2), "stages": round(staged - stored, 2)}
    return figures


# The page shapes the held-out sets record on their pages (placement of the credit, link form,
# page template), by which their figures are also grouped.
SHAPES = ("placement", "link_form", "skin")


def shape_of(scenarios: ScenarioSet, message: str) -> str:
    """The family, key, role and shape of the page a message names (by URL, else by key)."""
    pages = [p for p in scenarios.pages if p.url in message] or [
        p for p in scenarios.pages if message.startswith(p.key + ":") and p.role == "origin"
    ]
    if not pages:
        return "page not identified"
    page = pages[0]
    shape = ", ".join(
        f"{name} {getattr(page, name)}"
        for name in (*SHAPES, "charset")
        if getattr(page, name, None)
    )
    return f"family {page.family}, {page.key}, {page.role}" + (f" ({shape})" if shape else "")


def by_shape(db, scenarios: ScenarioSet, ids: dict[str, int], name: str) -> dict[str, list[int]]:
    """``by_phrasing`` with the credited copies grouped by one shape (placement, link form, skin)."""
    regrouped = ScenarioSet(
        [
            dataclasses.replace(p, credit_phrasing=f"{name} {getattr(p, name, None)}")
            if p.credit_phrasing
            else p
            for p in scenarios.pages
        ],
        scenarios.sources,
    )
    return by_phrasing(db, regrouped, ids)
