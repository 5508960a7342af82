"""A small newsroom database for the Datasette tests, written row by row (project-authored text).

Story 1 ("wind terminal") starts on Harbour Gazette and spreads: Coast Wire reposts it with credit,
Region Post reposts Coast Wire's copy crediting Coast Wire (a chain), Morning Brief runs an excerpt
with credit, Daily Roundup copies it without credit. The original is edited after publication
(new headline, a reworded paragraph, a paragraph moved, one cut, one added).
Story 2 ("ferry fares") starts on Coast Wire; Harbour Gazette credits it, Daily Roundup does not.
Story 3 is hostile: its title, text and diff carry script tags, an onerror image and a
javascript: link, and so do a site name, a canonical URL and a credit.
Story 4 is old (400 days), so "biggest clusters of the last N days" must leave it out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from tracker.boilerplate import paragraph_blocks
from tracker.fingerprint import SHINGLE_K, shingles, shingles_to_bytes
from tracker.store import open_db

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_LINK = '<a href="javascript:alert(1)">x</a>'
HOSTILE_ALL = f"{HOSTILE_SCRIPT} {HOSTILE_IMG} {HOSTILE_LINK}"

SITES = {
    "harbourgazette.com": "Harbour Gazette",
    "coastwire.net": "Coast Wire",
    "regionpost.org": "Region Post",
    "morningbrief.co.uk": "Morning Brief",
    "dailyroundup.info": "Daily Roundup",
    "tideline.news": f"Tideline {HOSTILE_IMG}",
}

WIND_V1 = [
    "The port authority on Tuesday approved a 240 million euro terminal for offshore wind parts.",
    "Construction on the north quay is due to start in the spring and last two years.",
    "Fishermen's groups said they were not consulted about the new shipping lane.",
    "The council will vote on the road access plan next month.",
    "Harbour Gazette reporters visited the quay on Monday.",
]
WIND_V2 = [
    "The port authority on Tuesday approved a 250 million euro terminal for offshore wind turbine parts.",
    "The council will vote on the road access plan next month.",
    "Construction on the north quay is due to start in the spring and last two years.",
    "Fishermen's groups said they were not consulted about the new shipping lane.",
    "The authority said 300 jobs would be created during construction.",
]
FERRY = [
    "The island council delayed a vote on ferry fares after a packed public meeting.",
    "Residents say the proposed 18 percent rise would cut them off from the mainland.",
    "A new vote is expected in March.",
]
HOSTILE_TEXT = [
    f"Readers reported a strange page {HOSTILE_SCRIPT} on the site.",
    f"It also showed an image {HOSTILE_IMG} and a link {HOSTILE_LINK}.",
    "Security researchers said the markup was copied from a forum post.",
]
OLD_STORY = [
    "Last year's regatta drew a record crowd to the harbour.",
    "Organisers plan to repeat it.",
]


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def build_newsroom_db(path: str | Path, now: datetime | None = None) -> dict[str, int]:
    """Write the scenario into a new tracker database at ``path``.

    Returns:
        Ids the tests refer to: clusters, diffs, pages and versions by name.
    """
    now = now or datetime.now(UTC)
    db = open_db(path)
    ids: dict[str, int] = {}
    t0 = now - timedelta(days=2)
    for domain, name in SITES.items():
        db["sites"].insert(
            {"domain": domain, "name": name, "first_seen": _iso(t0 - timedelta(days=30))}
        )

    def page(key: str, url: str, site: str, seen: datetime, canonical: str | None = None) -> int:
        ids[f"page_{key}"] = (
            db["pages"]
            .insert(
                {
                    "url": url,
                    "site": site,
                    "canonical_url": canonical,
                    "first_seen": _iso(seen),
                    "last_fetched": _iso(seen + timedelta(hours=6)),
                    "http_status": 200,
                    "checks": 2,
                }
            )
            .last_pk
        )
        return ids[f"page_{key}"]

    def version(
        key: str,
        page_id: int,
        title: str,
        paragraphs: list[str],
        fetched: datetime,
        lang: str = "en",
        published: datetime | None = None,
    ) -> int:
        text = "\n\n".join(paragraphs)
        ids[f"version_{key}"] = (
            db["versions"]
            .insert(
                {
                    "page_id": page_id,
                    "fetched_at": _iso(fetched),
                    "content_hash": f"hash-{key}",
                    "title": title,
                    "byline": "By Ana Reyes",
                    "published": _iso(published or fetched),
                    "language": lang,
                    "site_name": None,
                    "description": None,
                    "text": text,
                    "paragraphs": json.dumps(paragraphs),
                    "word_count": len(text.split()),
                    "source": "test",
                }
            )
            .last_pk
        )
        return ids[f"version_{key}"]

    # Story 1: wind terminal.
    origin = page(
        "wind_origin", "https://harbourgazette.com/news/wind-terminal", "harbourgazette.com", t0
    )
    v_o1 = version("wind_v1", origin, "Port approves offshore wind terminal", WIND_V1, t0)
    v_o2 = version(
        "wind_v2",
        origin,
        "Port approves 250m offshore wind terminal",
        WIND_V2,
        t0 + timedelta(hours=9),
        published=t0,
    )
    coast = page(
        "wind_coast",
        "https://coastwire.net/2026/wind-terminal",
        "coastwire.net",
        t0 + timedelta(hours=3),
    )
    v_coast = version(
        "wind_coast",
        coast,
        "Port approves offshore wind terminal",
        WIND_V1[:4] + ["Go to Original – harbourgazette.com"],
        t0 + timedelta(hours=3),
    )
    region = page(
        "wind_region",
        "https://regionpost.org/wind",
        "regionpost.org",
        t0 + timedelta(hours=7),
        canonical="https://regionpost.org/news/offshore-wind-terminal-approved",
    )
    v_region = version(
        "wind_region",
        region,
        "Offshore wind terminal approved",
        WIND_V1[:4] + ["This story first appeared on Coast Wire."],
        t0 + timedelta(hours=7),
    )
    brief = page(
        "wind_brief",
        "https://morningbrief.co.uk/today",
        "morningbrief.co.uk",
        t0 + timedelta(hours=12),
    )
    v_brief = version(
        "wind_brief",
        brief,
        "Morning Brief: wind, ferries",
        WIND_V1[:2] + ["Read more at Harbour Gazette."],
        t0 + timedelta(hours=12),
    )
    roundup = page(
        "wind_roundup",
        "https://dailyroundup.info/p/8812",
        "dailyroundup.info",
        t0 + timedelta(hours=20),
    )
    v_roundup = version(
        "wind_roundup",
        roundup,
        "Huge wind terminal for port",
        WIND_V1[:4],
        t0 + timedelta(hours=20),
    )
    ids["cluster_wind"] = (
        db["clusters"]
        .insert(
            {
                "origin_page_id": origin,
                "size": 5,
                "first_seen": _iso(t0),
                "first_published": _iso(t0),
                "origin_evidence": "declared credits",
                "title": "Port approves 250m offshore wind terminal",
                "updated": _iso(t0 + timedelta(hours=20)),
            }
        )
        .last_pk
    )
    members = [
        (origin, v_o2, "origin", 1.0, 1.0, None, None, None),
        (coast, v_coast, "repost", 0.82, 0.95, 1, origin, "Go to Original – harbourgazette.com"),
        (
            region,
            v_region,
            "repost",
            0.78,
            0.93,
            1,
            coast,
            "This story first appeared on Coast Wire.",
        ),
        (brief, v_brief, "excerpt", 0.31, 0.9, 1, origin, "Read more at Harbour Gazette."),
        (roundup, v_roundup, "repost", 0.85, 1.0, 0, None, None),
    ]
    for page_id, version_id, role, sim, cont, credited, credits, evidence in members:
        db["cluster_members"].insert(
            {
                "cluster_id": ids["cluster_wind"],
                "page_id": page_id,
                "version_id": version_id,
                "role": role,
                "similarity": sim,
                "containment": cont,
                "credited": credited,
                "credits_page_id": credits,
                "credit_evidence": evidence,
                "joined": _iso(now),
            }
        )
    db["attributions"].insert_all(
        [
            {
                "page_id": coast,
                "version_id": v_coast,
                "kind": "go-to-original",
                "evidence": "Go to Original – harbourgazette.com",
                "target_site": "harbourgazette.com",
                "target_page_id": origin,
            },
            {
                "page_id": region,
                "version_id": v_region,
                "kind": "first-appeared",
                "evidence": "This story first appeared on Coast Wire.",
                "target_site": "coastwire.net",
                "target_name": "Coast Wire",
                "target_page_id": coast,
            },
        ]
    )

    def diff(
        key: str, kind: str, a: int, b: int, ops: list[tuple[str, str, str, float | None]], **fields
    ) -> int:
        ids[f"diff_{key}"] = (
            db["diffs"]
            .insert(
                {"kind": kind, "a_version_id": a, "b_version_id": b, "created": _iso(now), **fields}
            )
            .last_pk
        )
        db["diff_ops"].insert_all(
            {
                "diff_id": ids[f"diff_{key}"],
                "seq": i,
                "op": op,
                "a_text": at,
                "b_text": bt,
                "similarity": sim,
            }
            for i, (op, at, bt, sim) in enumerate(ops)
        )
        return ids[f"diff_{key}"]

    diff(
        "wind_version",
        "version",
        v_o1,
        v_o2,
        [
            ("replace", WIND_V1[0], WIND_V2[0], 0.86),
            ("move", WIND_V1[3], WIND_V2[1], 1.0),
            ("equal", WIND_V1[1], WIND_V2[2], 1.0),
            ("equal", WIND_V1[2], WIND_V2[3], 1.0),
            ("delete", WIND_V1[4], "", None),
            ("insert", "", WIND_V2[4], None),
        ],
        retained=0.91,
        words_added=10,
        words_removed=7,
        paragraphs_added=1,
        paragraphs_removed=1,
        paragraphs_changed=1,
        paragraphs_moved=1,
        title_changed=1,
        old_title="Port approves offshore wind terminal",
        new_title="Port approves 250m offshore wind terminal",
        byline_changed=0,
        published_changed=0,
        credit_added=0,
        credit_removed=0,
    )
    diff(
        "wind_roundup",
        "repost",
        v_o2,
        v_roundup,
        [("equal", p, p, 1.0) for p in WIND_V1[:4]] + [("delete", WIND_V2[4], "", None)],
        retained=0.8,
        words_added=0,
        words_removed=10,
        paragraphs_removed=1,
        title_changed=1,
        old_title="Port approves 250m offshore wind terminal",
        new_title="Huge wind terminal for port",
        credit_removed=0,
    )
    diff(
        "wind_coast",
        "repost",
        v_o2,
        v_coast,
        [("equal", p, p, 1.0) for p in WIND_V1[:4]]
        + [("insert", "", "Go to Original – harbourgazette.com", None)],
        retained=0.85,
        words_added=5,
        words_removed=10,
        paragraphs_added=1,
        credit_added=1,
    )

    # Story 2: ferry fares, from Coast Wire.
    t1 = now - timedelta(days=1)
    ferry = page("ferry_origin", "https://coastwire.net/2026/ferry-fares", "coastwire.net", t1)
    v_ferry = version("ferry", ferry, "Council delays vote on ferry fares", FERRY, t1)
    ferry_hg = page(
        "ferry_hg",
        "https://harbourgazette.com/wire/ferry",
        "harbourgazette.com",
        t1 + timedelta(hours=2),
    )
    v_ferry_hg = version(
        "ferry_hg",
        ferry_hg,
        "Council delays vote on ferry fares",
        FERRY + ["Source: Coast Wire"],
        t1 + timedelta(hours=2),
    )
    ferry_dr = page(
        "ferry_dr", "https://dailyroundup.info/p/8820", "dailyroundup.info", t1 + timedelta(hours=5)
    )
    v_ferry_dr = version(
        "ferry_dr", ferry_dr, "Ferry fares vote delayed", FERRY, t1 + timedelta(hours=5)
    )
    ids["cluster_ferry"] = (
        db["clusters"]
        .insert(
            {
                "origin_page_id": ferry,
                "size": 3,
                "first_seen": _iso(t1),
                "first_published": _iso(t1),
                "origin_evidence": "published dates",
                "title": "Council delays vote on ferry fares",
                "updated": _iso(t1 + timedelta(hours=5)),
            }
        )
        .last_pk
    )
    for page_id, version_id, role, credited, credits in [
        (ferry, v_ferry, "origin", None, None),
        (ferry_hg, v_ferry_hg, "repost", 1, ferry),
        (ferry_dr, v_ferry_dr, "repost", 0, None),
    ]:
        db["cluster_members"].insert(
            {
                "cluster_id": ids["cluster_ferry"],
                "page_id": page_id,
                "version_id": version_id,
                "role": role,
                "similarity": 1.0 if role == "origin" else 0.9,
                "containment": 1.0,
                "credited": credited,
                "credits_page_id": credits,
                "joined": _iso(now),
            }
        )

    # Story 3: hostile markup everywhere a scraped string can land.
    t2 = now - timedelta(hours=10)
    evil = page(
        "evil_origin",
        "https://dailyroundup.info/p/9001",
        "dailyroundup.info",
        t2,
        canonical="javascript:alert(1)",
    )
    v_evil1 = version("evil_v1", evil, f"Hostile {HOSTILE_SCRIPT} headline", HOSTILE_TEXT, t2)
    v_evil2 = version(
        "evil_v2",
        evil,
        f"Hostile {HOSTILE_IMG} headline",
        HOSTILE_TEXT[:2] + [HOSTILE_LINK],
        t2 + timedelta(hours=1),
        published=t2,
    )
    evil_copy = page(
        "evil_copy", "https://tideline.news/a/1", "tideline.news", t2 + timedelta(hours=2)
    )
    v_evil_copy = version(
        "evil_copy", evil_copy, f"Copy {HOSTILE_SCRIPT}", HOSTILE_TEXT, t2 + timedelta(hours=2)
    )
    ids["cluster_evil"] = (
        db["clusters"]
        .insert(
            {
                "origin_page_id": evil,
                "size": 2,
                "first_seen": _iso(t2),
                "first_published": _iso(t2),
                "origin_evidence": f"first-seen times {HOSTILE_SCRIPT}",
                "title": f"Hostile {HOSTILE_SCRIPT} headline",
                "updated": _iso(t2 + timedelta(hours=2)),
            }
        )
        .last_pk
    )
    for page_id, version_id, role, credited, evidence in [
        (evil, v_evil2, "origin", None, None),
        (evil_copy, v_evil_copy, "repost", 0, HOSTILE_ALL),
    ]:
        db["cluster_members"].insert(
            {
                "cluster_id": ids["cluster_evil"],
                "page_id": page_id,
                "version_id": version_id,
                "role": role,
                "similarity": 0.9,
                "containment": 1.0,
                "credited": credited,
                "credit_evidence": evidence,
                "joined": _iso(now),
            }
        )
    db["attributions"].insert(
        {
            "page_id": evil_copy,
            "version_id": v_evil_copy,
            "kind": "source-line",
            "evidence": HOSTILE_ALL,
            "target_url": "javascript:alert(1)",
            "target_site": HOSTILE_IMG,
        }
    )
    diff(
        "evil_version",
        "version",
        v_evil1,
        v_evil2,
        [
            ("equal", HOSTILE_TEXT[0], HOSTILE_TEXT[0], 1.0),
            ("replace", HOSTILE_TEXT[1], HOSTILE_TEXT[1] + " " + HOSTILE_SCRIPT, 0.8),
            ("delete", HOSTILE_TEXT[2], "", None),
            ("insert", "", HOSTILE_LINK, None),
        ],
        retained=0.6,
        words_added=3,
        words_removed=9,
        title_changed=1,
        old_title=f"Hostile {HOSTILE_SCRIPT} headline",
        new_title=f"Hostile {HOSTILE_IMG} headline",
        credit_removed=1,
    )
    diff(
        "evil_copy",
        "repost",
        v_evil2,
        v_evil_copy,
        [("replace", HOSTILE_LINK, HOSTILE_ALL, 0.5)],
        retained=0.7,
    )

    # Story 4: old, outside any recent window.
    t3 = now - timedelta(days=400)
    old = page("old_origin", "https://harbourgazette.com/2025/regatta", "harbourgazette.com", t3)
    v_old = version("old", old, "Regatta draws record crowd", OLD_STORY, t3)
    old_copy = page(
        "old_copy", "https://regionpost.org/regatta", "regionpost.org", t3 + timedelta(days=1)
    )
    v_old_copy = version(
        "old_copy", old_copy, "Record crowd at regatta", OLD_STORY, t3 + timedelta(days=1)
    )
    ids["cluster_old"] = (
        db["clusters"]
        .insert(
            {
                "origin_page_id": old,
                "size": 2,
                "first_seen": _iso(t3),
                "first_published": _iso(t3),
                "origin_evidence": "published dates",
                "title": "Regatta draws record crowd",
                "updated": _iso(t3 + timedelta(days=1)),
            }
        )
        .last_pk
    )
    for page_id, version_id, role, credited in [
        (old, v_old, "origin", None),
        (old_copy, v_old_copy, "repost", 1),
    ]:
        db["cluster_members"].insert(
            {
                "cluster_id": ids["cluster_old"],
                "page_id": page_id,
                "version_id": version_id,
                "role": role,
                "similarity": 1.0,
                "containment": 1.0,
                "credited": credited,
                "credits_page_id": old if role == "repost" else None,
                "joined": _iso(t3),
            }
        )
    db["crawl_runs"].insert(
        {
            "spider": "sites",
            "started": _iso(t0),
            "finished": _iso(t0 + timedelta(minutes=3)),
            "pages_fetched": 12,
            "pages_new": 9,
            "versions_new": 10,
            "not_modified": 2,
            "skipped_non_html": 1,
            "errors": 0,
            "stats": json.dumps({"downloader/response_count": 12}),
        }
    )
    # Clustering's fingerprints of every version, so pasted text is matched as clustering matches.
    # Harbour Gazette's sign-off is on many of its pages: clustering left it out as boilerplate.
    (sign_off,) = [block for block, _, _ in paragraph_blocks([WIND_V1[4]])]
    for version_id, text in db.execute("select id, text from versions").fetchall():
        hashes = shingles(text)
        left_out = [sign_off] if version_id == ids["version_wind_v1"] else []
        db["fingerprints"].insert(
            {
                "version_id": version_id,
                "page_id": db.execute(
                    "select page_id from versions where id = ?", [version_id]
                ).fetchone()[0],
                "k": SHINGLE_K,
                "num_perm": 0,
                "num_shingles": len(hashes),
                "shingles": shingles_to_bytes(hashes),
                "boilerplate": np.array(left_out, dtype="<i8").tobytes() if left_out else None,
                "created": _iso(now),
            }
        )
    db.conn.commit()
    # Checkpoint so the file is complete on its own (an immutable open ignores the -wal file).
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return ids
