"""Provenance: origin by credits, dates or first sight; roles, credit flags and ``tracker show``.

Every text here is written for these tests; rows go into ``fresh_db`` directly so the
provenance rules are tested apart from clustering.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tracker import provenance
from tracker.cli import cli
from tracker.report import show

# Ten self-written paragraphs: long enough for word shingles to tell copies from excerpts.
STORY = [
    f"Paragraph {n} of the harbour story: the ferry crew counted {n * 7} gulls near pier {n}, "
    f"while the night clerk in booth {n} logged every crossing in a ledger with a {colour} cover."
    for n, colour in enumerate(
        ["green", "red", "blue", "grey", "white", "black", "amber", "violet", "silver", "brown"],
        start=1,
    )
]
OTHER = [
    f"In the mountain village number {n}, bakers started at {n} a.m. and sold {n * 11} loaves "
    f"of rye before the {weather} weather closed the pass for the {n}th time this winter."
    for n, weather in enumerate(
        ["wet", "cold", "windy", "foggy", "bright", "icy", "mild", "grim"], start=1
    )
]


class Fixture:
    """Writes sites, pages, versions, credits and clusters straight into a database."""

    def __init__(self, db):
        self.db = db

    def page(
        self,
        url,
        site,
        *,
        text=None,
        published=None,
        first_seen="2024-03-01T00:00:00+00:00",
        title="Harbour ferries count gulls",
        site_name=None,
    ):
        if (
            not self.db["sites"].exists()
            or not self.db.execute("select 1 from sites where domain = ?", [site]).fetchone()
        ):
            self.db["sites"].insert({"domain": site, "name": site_name, "first_seen": first_seen})
        page_id = (
            self.db["pages"]
            .insert(
                {
                    "url": url,
                    "site": site,
                    "first_seen": first_seen,
                    "last_fetched": first_seen,
                    "checks": 1,
                }
            )
            .last_pk
        )
        body = text if text is not None else "\n\n".join(STORY)
        self.db["versions"].insert(
            {
                "page_id": page_id,
                "fetched_at": first_seen,
                "content_hash": f"h{page_id}",
                "title": title,
                "published": published,
                "site_name": site_name,
                "text": body,
                "paragraphs": json.dumps(body.split("\n\n")),
                "word_count": len(body.split()),
                "source": "test",
            }
        )
        return page_id

    def credit(
        self,
        page_id,
        *,
        kind="originally",
        evidence=None,
        target_url=None,
        target_site=None,
        target_name=None,
        target_page_id=None,
    ):
        self.db["attributions"].insert(
            {
                "page_id": page_id,
                "kind": kind,
                "evidence": evidence,
                "target_url": target_url,
                "target_site": target_site,
                "target_name": target_name,
                "target_page_id": target_page_id,
            }
        )

    def cluster(self, *page_ids):
        cluster_id = self.db["clusters"].insert({"size": len(page_ids)}).last_pk
        for page_id in page_ids:
            self.db["cluster_members"].insert(
                {"cluster_id": cluster_id, "page_id": page_id, "role": "repost"}
            )
        return cluster_id

    def cluster_row(self, cluster_id):
        return self.db["clusters"].get(cluster_id)

    def members(self, cluster_id):
        return {
            r["page_id"]: r
            for r in self.db["cluster_members"].rows_where("cluster_id = ?", [cluster_id])
        }


@pytest.fixture
def fx(fresh_db):
    return Fixture(fresh_db)


@pytest.fixture
def chain(fx):
    """antiwar.com (original) ← defenddemocracy.press (link) ← transcend.org ("Go to Original")
    plus a copy that credits nobody, and a credit from transcend.org to a page not crawled."""
    antiwar = fx.page(
        "https://antiwar.com/blog/2024/harbour",
        "antiwar.com",
        published="2024-01-03T12:00:00+00:00",
        first_seen="2024-03-05T00:00:00+00:00",
        site_name="Antiwar.com",
    )
    ddp = fx.page(
        "https://defenddemocracy.press/harbour/",
        "defenddemocracy.press",
        published="2024-01-02T00:00:00+00:00",
        site_name="Defend Democracy Press",
    )
    transcend = fx.page(
        "https://www.transcend.org/tms/2024/01/harbour/",
        "transcend.org",
        published="2024-01-01T00:00:00+00:00",
    )
    copycat = fx.page(
        "https://copycat.example/harbour", "copycat.example", published="2024-01-04T00:00:00+00:00"
    )
    fx.credit(
        ddp,
        kind="originally",
        evidence="This article originally appeared on Antiwar.com",
        target_url="https://antiwar.com/blog/2024/harbour",
        target_site="antiwar.com",
        target_page_id=antiwar,
    )
    fx.credit(
        transcend,
        kind="go-to-original",
        evidence="Go to Original – defenddemocracy.press",
        target_name="defenddemocracy.press",
    )
    fx.credit(
        transcend,
        kind="via",
        evidence="Photo via wirephotos.example",
        target_url="https://wirephotos.example/p/1",
        target_site="wirephotos.example",
    )
    cluster_id = fx.cluster(copycat, transcend, ddp, antiwar)
    provenance.assign(fx.db, [cluster_id])
    return {
        "cluster": cluster_id,
        "antiwar": antiwar,
        "ddp": ddp,
        "transcend": transcend,
        "copycat": copycat,
    }


def test_chain_origin_is_the_top_of_the_credit_chain(fx, chain):
    row = fx.cluster_row(chain["cluster"])
    assert row["origin_page_id"] == chain["antiwar"]
    assert row["origin_evidence"] == "credits"
    assert row["size"] == 4
    assert row["first_published"] == "2024-01-01T00:00:00+00:00"
    assert row["title"] == "Harbour ferries count gulls"


def test_chain_credit_flags(fx, chain):
    members = fx.members(chain["cluster"])
    assert members[chain["antiwar"]]["role"] == "origin"
    assert members[chain["antiwar"]]["credited"] is None
    assert members[chain["ddp"]]["credited"] == 1
    assert members[chain["ddp"]]["credits_page_id"] == chain["antiwar"]
    # transcend.org credits defenddemocracy.press, an upstream member of the chain
    assert members[chain["transcend"]]["credited"] == 1
    assert members[chain["transcend"]]["credits_page_id"] == chain["ddp"]
    assert (
        members[chain["transcend"]]["credit_evidence"] == "Go to Original – defenddemocracy.press"
    )
    assert members[chain["copycat"]]["credited"] == 0
    assert members[chain["copycat"]]["credits_page_id"] is None
    for page_id in (chain["ddp"], chain["transcend"], chain["copycat"]):
        assert members[page_id]["role"] == "repost"
        assert members[page_id]["similarity"] == 1.0
        assert members[page_id]["containment"] == 1.0


def test_credits_beat_earlier_dates(fx):
    original = fx.page("https://first.example/a", "first.example", published="2024-05-02T00:00:00Z")
    copy = fx.page("https://second.example/a", "second.example", published="2024-05-01T00:00:00Z")
    fx.credit(
        copy,
        evidence="Source: First",
        target_url="https://first.example/a",
        target_site="first.example",
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.cluster_row(cluster_id)["origin_evidence"] == "credits"
    assert fx.members(cluster_id)[copy]["credited"] == 1


def test_credit_by_site_name(fx):
    original = fx.page(
        "https://harbourgazette.example/story",
        "harbourgazette.example",
        site_name="The Harbour Gazette",
    )
    copy = fx.page(
        "https://reposter.example/story", "reposter.example", first_seen="2024-02-01T00:00:00+00:00"
    )
    fx.credit(
        copy, kind="source", evidence="Source: Harbour Gazette", target_name="Harbour Gazette"
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credits_page_id"] == original


def test_self_credit_is_not_provenance(fx):
    """A page crediting its own site ("originally published on <us>") decides nothing."""
    early = fx.page("https://a.example/x", "a.example", published="2024-01-01")
    late = fx.page("https://b.example/x", "b.example", published="2024-01-09")
    fx.credit(
        late,
        evidence="Originally published on B",
        target_url="https://b.example/other",
        target_site="b.example",
    )
    cluster_id = fx.cluster(early, late)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert (row["origin_page_id"], row["origin_evidence"]) == (early, "published")
    assert fx.members(cluster_id)[late]["credited"] == 0


def test_excerpt_role(fx):
    original = fx.page("https://a.example/story", "a.example", published="2024-01-01")
    teaser = fx.page(
        "https://b.example/teaser",
        "b.example",
        published="2024-01-02",
        text="\n\n".join(STORY[:3] + ["Read more at A."]),
    )
    light = fx.page(
        "https://c.example/story", "c.example", published="2024-01-03", text="\n\n".join(STORY[:9])
    )
    cluster_id = fx.cluster(original, teaser, light)
    provenance.assign(fx.db, [cluster_id])
    members = fx.members(cluster_id)
    assert members[teaser]["role"] == "excerpt"
    assert members[teaser]["containment"] > 0.8 and members[teaser]["similarity"] < 0.4
    assert members[light]["role"] == "repost"
    assert members[light]["similarity"] > 0.8


def test_embedded_article_is_an_excerpt(fx):
    """A roundup that carries the whole article among other texts holds the origin: an excerpt."""
    original = fx.page("https://a.example/story", "a.example", published="2024-01-01")
    roundup = fx.page(
        "https://digest.example/week",
        "digest.example",
        published="2024-01-05",
        text="\n\n".join(OTHER + STORY + OTHER[::-1]),
    )
    cluster_id = fx.cluster(original, roundup)
    provenance.assign(fx.db, [cluster_id])
    member = fx.members(cluster_id)[roundup]
    assert member["role"] == "excerpt"
    assert member["containment"] < 0.6


def test_origin_by_published_date_ignores_future_dates(fx):
    future = fx.page("https://a.example/s", "a.example", published="2999-01-01T00:00:00Z")
    after_seen = fx.page(
        "https://d.example/s",
        "d.example",
        published="2024-06-01",
        first_seen="2024-03-01T00:00:00+00:00",
    )
    early = fx.page("https://b.example/s", "b.example", published="2024-02-10T08:00:00+01:00")
    later = fx.page("https://c.example/s", "c.example", published="2024-02-11")
    cluster_id = fx.cluster(future, after_seen, early, later)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert (row["origin_page_id"], row["origin_evidence"]) == (early, "published")
    assert row["first_published"] == "2024-02-10T08:00:00+01:00"
    assert fx.members(cluster_id)[future]["credited"] == 0


def test_origin_by_first_seen(fx):
    late = fx.page("https://a.example/s", "a.example", first_seen="2024-04-02T00:00:00+00:00")
    early = fx.page("https://b.example/s", "b.example", first_seen="2024-04-01T00:00:00+00:00")
    cluster_id = fx.cluster(late, early)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert (row["origin_page_id"], row["origin_evidence"]) == (early, "first_seen")
    assert row["first_seen"] == "2024-04-01T00:00:00+00:00"


def test_ties_break_on_page_id(fx):
    one = fx.page("https://a.example/s", "a.example")
    two = fx.page("https://b.example/s", "b.example")
    cluster_id = fx.cluster(two, one)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == one


def test_credit_cycle_falls_back_to_dates(fx):
    a = fx.page("https://a.example/s", "a.example", published="2024-01-02")
    b = fx.page("https://b.example/s", "b.example", published="2024-01-01")
    fx.credit(a, evidence="via B", target_site="b.example")
    fx.credit(b, evidence="via A", target_site="a.example")
    cluster_id = fx.cluster(a, b)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert (row["origin_page_id"], row["origin_evidence"]) == (b, "published")
    assert fx.members(cluster_id)[a]["credited"] == 1


def test_reassign_on_unchanged_data_changes_nothing(fx, chain):
    before = fx.db.conn.total_changes
    assert provenance.assign(fx.db, [chain["cluster"]]) == 0
    assert fx.db.conn.total_changes == before


def test_reassign_after_new_credit_moves_origin(fx):
    a = fx.page("https://a.example/s", "a.example", published="2024-01-01")
    b = fx.page("https://b.example/s", "b.example", published="2024-01-02")
    cluster_id = fx.cluster(a, b)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == a
    fx.credit(
        a,
        evidence="Originally published by B",
        target_url="https://b.example/s",
        target_site="b.example",
        target_page_id=b,
    )
    assert provenance.assign(fx.db, [cluster_id]) == 3
    assert fx.cluster_row(cluster_id)["origin_page_id"] == b
    assert fx.members(cluster_id)[a]["credited"] == 1


def test_show_text(fx, chain, tmp_path):
    db_path = fx.db.execute("pragma database_list").fetchone()[2]
    result = CliRunner().invoke(
        cli, ["show", "https://ANTIWAR.com/blog/2024/harbour?utm_source=x", "--db", db_path]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert 'Cluster 1: "Harbour ferries count gulls" (4 pages)' in out
    assert "Origin: https://antiwar.com/blog/2024/harbour (antiwar.com), decided by credits" in out
    assert "Chain: transcend.org → defenddemocracy.press → antiwar.com" in out
    assert "NO: UNCREDITED REPOST" in out
    assert "yes → defenddemocracy.press" in out
    assert "transcend.org credits wirephotos.example (not crawled)" in out
    # members in time order: transcend (Jan 1), ddp (Jan 2), antiwar (Jan 3), copycat (Jan 4)
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["when", "site"])
    sites = ("transcend.org", "defenddemocracy.press", "antiwar.com", "copycat.example")
    assert [
        next(t for t in line.split() if t in sites) for line in lines[header + 1 : header + 5]
    ] == [
        "transcend.org",
        "defenddemocracy.press",
        "antiwar.com",
        "copycat.example",
    ]
    assert lines[header + 3].startswith("*")  # the page asked about


def test_show_json(fx, chain):
    db_path = fx.db.execute("pragma database_list").fetchone()[2]
    result = CliRunner().invoke(
        cli, ["show", "https://copycat.example/harbour", "--db", db_path, "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["page"]["id"] == chain["copycat"]
    (cluster,) = data["clusters"]
    assert cluster["origin_page_id"] == chain["antiwar"]
    assert cluster["origin_evidence"] == "credits"
    assert cluster["chains"] == [["transcend.org", "defenddemocracy.press", "antiwar.com"]]
    assert [m["site"] for m in cluster["members"]] == [
        "transcend.org",
        "defenddemocracy.press",
        "antiwar.com",
        "copycat.example",
    ]
    by_site = {m["site"]: m for m in cluster["members"]}
    assert by_site["copycat.example"]["credited"] is False
    assert by_site["transcend.org"]["credited"] is True
    assert by_site["antiwar.com"]["credited"] is None
    assert [c["target"] for c in cluster["credits_outside"]] == ["wirephotos.example"]
    assert cluster["credits_outside"][0]["crawled"] is False


def test_show_unknown_url_and_missing_db(fx, chain, tmp_path):
    db_path = fx.db.execute("pragma database_list").fetchone()[2]
    result = CliRunner().invoke(cli, ["show", "https://nowhere.example/x", "--db", db_path])
    assert result.exit_code == 1
    assert "https://nowhere.example/x: not in" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(
        cli, ["show", "https://antiwar.com/", "--db", str(tmp_path / "none.db")]
    )
    assert missing.exit_code == 1 and "no such database" in missing.output
    assert not (tmp_path / "none.db").exists()


def test_show_page_in_no_cluster(fx):
    fx.page("https://alone.example/s", "alone.example")
    db_path = fx.db.execute("pragma database_list").fetchone()[2]
    result = CliRunner().invoke(cli, ["show", "https://alone.example/s", "--db", db_path])
    assert result.exit_code == 0
    assert "in no cluster (no known copies" in result.output
    as_json = CliRunner().invoke(
        cli, ["show", "https://alone.example/s", "--db", db_path, "--json"]
    )
    assert json.loads(as_json.output)["clusters"] == []


def test_show_has_help_with_example():
    result = CliRunner().invoke(cli, ["show", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


# ---------------------------------------------------------------------------------------------
# Short names and wire-agency brands, credits to a non-member page, credits the origin shares,
# credits per version


@pytest.mark.parametrize(
    ("site", "url", "name"),
    [
        ("rt.com", "https://www.rt.com/news/harbour/", "RT"),
        ("apnews.com", "https://apnews.com/article/harbour", "AP"),
        ("apnews.com", "https://apnews.com/article/harbour", "The Associated Press"),
        ("afp.com", "https://www.afp.com/en/harbour", "Agence France-Presse"),
        ("bbc.co.uk", "https://www.bbc.co.uk/news/harbour", "BBC"),
        ("ria.ru", "https://ria.ru/harbour", "RIA Novosti"),
    ],
)
def test_short_names_and_agency_brands_credit_their_site(fx, site, url, name):
    # The copy's date is earlier, so only the credit can make the credited site the origin.
    original = fx.page(url, site, published="2024-02-02T00:00:00+00:00")
    copy = fx.page(
        "https://reposter.example/harbour", "reposter.example", published="2024-02-01T00:00:00Z"
    )
    fx.credit(copy, kind="source-line", evidence=f"Source: {name}", target_name=name)
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.cluster_row(cluster_id)["origin_evidence"] == "credits"
    assert fx.members(cluster_id)[copy]["credited"] == 1


@pytest.mark.parametrize(
    "written", ["Harbour Voice Online", "The Harbour Voice Online", "HarbourVoice.com"]
)
def test_a_credit_by_name_with_a_generic_ending_credits_the_site(fx, written):
    """A credit writes the site's name with "Online" or ".com" its own pages do not use."""
    original = fx.page(
        "https://harbourvoice.example/ferry",
        "harbourvoice.example",
        published="2024-02-02T00:00:00+00:00",
        site_name="Harbour Voice",
    )
    copy = fx.page(
        "https://reposter.example/ferry", "reposter.example", published="2024-02-01T00:00:00Z"
    )
    fx.credit(copy, evidence=f"Originally published by {written}.", target_name=written)
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credited"] == 1


def test_a_generic_ending_dropped_leaves_the_whole_name_to_match(fx):
    """ "Harbour Online" is not "Harbour Voice": only the ending is dropped, the rest must be
    one of the site's names."""
    other = fx.page(
        "https://harbourvoice.example/ferry",
        "harbourvoice.example",
        published="2024-02-02",
        site_name="Harbour Voice",
    )
    copy = fx.page("https://reposter.example/ferry", "reposter.example", published="2024-02-01")
    fx.credit(
        copy, evidence="Originally published by Harbour Online.", target_name="Harbour Online"
    )
    cluster_id = fx.cluster(other, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[other]["credited"] == 0
    assert fx.members(cluster_id)[copy]["credits_page_id"] is None


def test_short_site_name_alone_names_no_other_site(fx):
    """A two-letter site name matches only the site whose domain it is, not by metadata."""
    other = fx.page(
        "https://aptly.example/harbour", "aptly.example", published="2024-02-02", site_name="AP"
    )
    copy = fx.page("https://reposter.example/harbour", "reposter.example", published="2024-02-01")
    fx.credit(copy, kind="source-line", evidence="Source: AP", target_name="AP")
    cluster_id = fx.cluster(other, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == copy
    assert fx.members(cluster_id)[other]["credited"] == 0


def test_credit_linking_to_a_stored_non_member_page_matches_by_site(fx):
    """ "Originally appeared on <home page link>": the home page is stored but not a member."""
    home = fx.page(
        "https://ilfatto.example/", "ilfatto.example", text="\n\n".join(OTHER), title="Home"
    )
    original = fx.page(
        "https://www.ilfatto.example/2024/po-drought/",
        "ilfatto.example",
        published="2024-04-02T07:00:00+00:00",
    )
    copy = fx.page(
        "https://eurofarm.example/news/po-drought",
        "eurofarm.example",
        published="2024-04-02T10:00:00+00:00",
    )
    fx.credit(
        copy,
        evidence="This article originally appeared on Il Fatto English.",
        target_url="https://ilfatto.example/",
        target_site="ilfatto.example",
        target_page_id=home,
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_evidence"] == "credits"
    member = fx.members(cluster_id)[copy]
    assert member["credited"] == 1 and member["credits_page_id"] == original
    info = show.describe_cluster(fx.db, cluster_id)
    assert info["credits_outside"] == []


def test_copy_crediting_what_the_origin_credits_is_credited(fx):
    """Both pages credit antiwar.com (never collected); the earlier one becomes the origin."""
    ddp = fx.page(
        "https://www.defenddemocracy.press/harbour/",
        "defenddemocracy.press",
        published="2024-03-02T08:00:00+00:00",
    )
    gr = fx.page(
        "https://www.globalresearch.ca/harbour/5800002",
        "globalresearch.ca",
        published="2024-03-02T12:00:00+00:00",
    )
    nobody = fx.page(
        "https://copycat.example/harbour", "copycat.example", published="2024-03-03T00:00:00Z"
    )
    fx.credit(
        ddp,
        evidence="This article originally appeared on Antiwar.com.",
        target_url="https://original.antiwar.com/editorial/2024/harbour/",
    )
    fx.credit(gr, evidence="Source: Antiwar.com", target_name="Antiwar.com")
    cluster_id = fx.cluster(ddp, gr, nobody)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert row["origin_page_id"] == ddp and row["origin_evidence"] == "published"
    members = fx.members(cluster_id)
    assert members[gr]["credited"] == 1
    assert members[gr]["credits_page_id"] is None
    assert members[gr]["credit_evidence"] == "Source: Antiwar.com"
    assert members[nobody]["credited"] == 0
    info = show.describe_cluster(fx.db, cluster_id)
    shown = {m["page_id"]: m for m in info["members"]}
    assert shown[gr]["credits_site"].lower() == "antiwar.com" and shown[gr]["credits_beyond_origin"]
    assert "yes → Antiwar.com (the origin's source)" in show.format_cluster(info)
    # The origin's own outside credit stays listed.
    assert [c["page_id"] for c in info["credits_outside"]] == [ddp, gr]


def test_credit_dropped_in_a_later_version_no_longer_counts(fx):
    from tracker.store import PageRecord, store_page

    original = fx.page(
        "https://antiwar.example/harbour", "antiwar.example", published="2024-03-01T00:00:00Z"
    )

    def copy_version(fetched: str, paragraphs: list[str], credits: list[dict]):
        return store_page(
            fx.db,
            PageRecord(
                url="https://defend.example/harbour",
                site="defend.example",
                fetched_at=fetched,
                title="Harbour ferries count gulls",
                byline=None,
                published="2024-03-02T00:00:00+00:00",
                language="en",
                site_name=None,
                description=None,
                paragraphs=paragraphs,
                credits=credits,
            ),
        )

    credit = {
        "kind": "originally-published",
        "evidence": "This article originally appeared on Antiwar Example.",
        "target_url": "https://antiwar.example/harbour",
        "target_site": "antiwar.example",
        "target_name": "Antiwar Example",
    }
    first = copy_version(
        "2024-03-02T08:00:00+00:00",
        [*STORY, "This article originally appeared on Antiwar Example."],
        [credit],
    )
    cluster_id = fx.cluster(original, first.page_id)
    fx.db["cluster_members"].update((cluster_id, first.page_id), {"version_id": first.version_id})
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[first.page_id]["credited"] == 1

    second = copy_version("2024-03-03T08:00:00+00:00", STORY, [])
    assert second.new_version
    fx.db["cluster_members"].update((cluster_id, first.page_id), {"version_id": second.version_id})
    provenance.assign(fx.db, [cluster_id])
    member = fx.members(cluster_id)[first.page_id]
    assert member["credited"] == 0 and member["credits_page_id"] is None
    # The first version still carries its credit: re-importing it adds no row.
    again = copy_version(
        "2024-03-02T08:00:00+00:00",
        [*STORY, "This article originally appeared on Antiwar Example."],
        [credit],
    )
    assert not again.new_version
    assert fx.db["attributions"].count == 1


# ---------------------------------------------------------------------------------------------
# Origin by evidence that agrees: credits say "Y before X", dates are evidence too, and the
# seed chain (an original, a silent intermediary, a copy crediting the intermediary)

ANTIWAR_URL = "https://www.antiwar.com/blog/2026/03/18/harbour-gulls/"
DDP_URL = "https://www.defenddemocracy.press/harbour-gulls/"
TRANSCEND_URL = "https://www.transcend.org/tms/2026/03/harbour-gulls/"


def seed_chain(fx, *, bare_link: bool):
    """antiwar.com (18 Mar) → defenddemocracy.press (19 Mar, no credit, or only a bare link to
    the antiwar.com URL at the end of its body) → TRANSCEND (26 Mar, "Go to Original – ...")."""
    antiwar = fx.page(
        ANTIWAR_URL,
        "antiwar.com",
        published="2026-03-18T09:00:00+00:00",
        first_seen="2026-03-18T09:00:00+00:00",
    )
    ddp_text = "\n\n".join([*STORY, ANTIWAR_URL] if bare_link else STORY)
    ddp = fx.page(
        DDP_URL,
        "defenddemocracy.press",
        published="2026-03-19T07:30:00+00:00",
        first_seen="2026-03-19T07:30:00+00:00",
        text=ddp_text,
    )
    transcend = fx.page(
        TRANSCEND_URL,
        "transcend.org",
        published="2026-03-26T00:00:00+00:00",
        first_seen="2026-03-26T00:00:00+00:00",
        site_name="TRANSCEND Media Service",
        text="\n\n".join([*STORY, "Go to Original – defenddemocracy.press"]),
    )
    if bare_link:
        fx.credit(ddp, kind="link", evidence=ANTIWAR_URL, target_url=ANTIWAR_URL)
    fx.credit(
        transcend,
        kind="go-to-original",
        evidence="Go to Original – defenddemocracy.press",
        target_url=DDP_URL,
        target_name="defenddemocracy.press",
    )
    cluster_id = fx.cluster(transcend, ddp, antiwar)
    provenance.assign(fx.db, [cluster_id])
    return cluster_id, antiwar, ddp, transcend


@pytest.mark.parametrize("bare_link", [False, True], ids=["silent-intermediary", "bare-link"])
def test_seed_chain_origin_is_the_earliest_page_crediting_no_one(fx, bare_link):
    cluster_id, antiwar, ddp, transcend = seed_chain(fx, bare_link=bare_link)
    row = fx.cluster_row(cluster_id)
    members = fx.members(cluster_id)
    assert row["origin_page_id"] == antiwar
    assert members[antiwar]["role"] == "origin" and members[antiwar]["credited"] is None
    assert members[transcend]["credited"] == 1
    assert members[transcend]["credits_page_id"] == ddp
    if bare_link:
        assert row["origin_evidence"] == "credits"
        assert members[ddp]["credited"] == 1 and members[ddp]["credits_page_id"] == antiwar
        assert members[ddp]["credit_evidence"] == ANTIWAR_URL
    else:
        # The chain's top (defenddemocracy.press) competes on dates and loses, and says so.
        assert row["origin_evidence"].startswith("published: antiwar.com (2026-03-18)")
        assert "defenddemocracy.press (2026-03-19)" in row["origin_evidence"]
        assert members[ddp]["credited"] == 0 and members[ddp]["credits_page_id"] is None
    info = show.describe_cluster(fx.db, cluster_id)
    text = show.format_cluster(info)
    assert "antiwar.com" not in [m["site"] for m in info["members"] if m["role"] != "origin"]
    antiwar_line = next(line for line in text.splitlines() if line.endswith(ANTIWAR_URL))
    assert "(origin)" in antiwar_line and "NO" not in antiwar_line
    assert ("Why: " in text) is not bare_link
    ddp_line = next(line for line in text.splitlines() if line.endswith(DDP_URL))
    assert ("yes → antiwar.com" in ddp_line) is bare_link
    assert ("NO: UNCREDITED REPOST" in ddp_line) is not bare_link


def test_backdated_copy_crediting_its_source_stays_a_copy(fx):
    """A credit X -> Y outweighs X's date: a copy dated before the page it credits is a copy."""
    original = fx.page(
        "https://first.example/a",
        "first.example",
        published="2026-03-10",
        first_seen="2026-03-10T12:00:00+00:00",
    )
    backdated = fx.page(
        "https://second.example/a",
        "second.example",
        published="2026-03-01",
        first_seen="2026-03-01T12:00:00+00:00",
    )
    silent = fx.page(
        "https://third.example/a",
        "third.example",
        published="2026-03-12",
        first_seen="2026-03-12T12:00:00+00:00",
    )
    fx.credit(backdated, kind="source", evidence="Source: First", target_name="first.example")
    cluster_id = fx.cluster(original, backdated, silent)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert (row["origin_page_id"], row["origin_evidence"]) == (original, "credits")
    members = fx.members(cluster_id)
    assert members[backdated]["credited"] == 1 and members[silent]["credited"] == 0


def test_member_dated_before_the_origin_is_marked_unclear_not_accused(fx):
    # top.example is credited by a copy dated 1 Mar, so it existed by then; early.example is
    # dated 5 Mar, before top.example's own date (10 Mar), and credits no one.
    top = fx.page(
        "https://top.example/a",
        "top.example",
        published="2026-03-10",
        first_seen="2026-03-10T12:00:00+00:00",
    )
    copy = fx.page(
        "https://copy.example/a",
        "copy.example",
        published="2026-03-01",
        first_seen="2026-03-01T12:00:00+00:00",
    )
    early = fx.page(
        "https://early.example/a",
        "early.example",
        published="2026-03-05",
        first_seen="2026-03-05T12:00:00+00:00",
    )
    fx.credit(copy, evidence="Source: top.example", target_site="top.example")
    cluster_id = fx.cluster(top, copy, early)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert row["origin_page_id"] == top
    assert row["origin_evidence"].startswith("credits: early.example is dated before top.example")
    assert row["origin_evidence"].endswith("precedence is unclear.")
    member = fx.members(cluster_id)[early]
    assert member["role"] == "repost" and member["credited"] is None
    info = show.describe_cluster(fx.db, cluster_id)
    shown = {m["page_id"]: m for m in info["members"]}
    assert shown[early]["precedence_unclear"] and not shown[copy]["precedence_unclear"]
    text = show.format_cluster(info)
    assert "decided by credits\nWhy: early.example is dated before top.example" in text
    early_line = next(line for line in text.splitlines() if "early.example/a" in line)
    assert "unclear" in early_line and "NO" not in early_line
    assert provenance.assign(fx.db, [cluster_id]) == 0


def test_link_credit_counts_only_to_a_member(fx):
    """A bare link in the body credits the member it links to (by URL or canonical URL); a
    link to a page outside the cluster is ignored, neither a credit nor an outside credit."""
    original = fx.page(
        "https://orig.example/story",
        "orig.example",
        published="2026-03-02",
        first_seen="2026-03-02T12:00:00+00:00",
    )
    fx.db["pages"].update(original, {"canonical_url": "https://orig.example/canonical-story"})
    linking = fx.page(
        "https://linker.example/s",
        "linker.example",
        published="2026-03-01",
        first_seen="2026-03-01T12:00:00+00:00",
    )
    elsewhere = fx.page(
        "https://other.example/s",
        "other.example",
        published="2026-03-03",
        first_seen="2026-03-03T12:00:00+00:00",
    )
    fx.credit(
        linking,
        kind="link",
        evidence="https://orig.example/canonical-story",
        target_url="https://orig.example/canonical-story",
    )
    fx.credit(
        elsewhere,
        kind="link",
        evidence="https://wiki.example/Harbour",
        target_url="https://wiki.example/Harbour",
        target_site="wiki.example",
    )
    # A link to the origin's site but not to the origin page is no credit either.
    fx.credit(
        elsewhere,
        kind="link",
        evidence="https://orig.example/about",
        target_url="https://orig.example/about",
        target_site="orig.example",
    )
    cluster_id = fx.cluster(original, linking, elsewhere)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    members = fx.members(cluster_id)
    assert members[linking]["credited"] == 1 and members[linking]["credits_page_id"] == original
    assert members[elsewhere]["credited"] == 0
    assert show.describe_cluster(fx.db, cluster_id)["credits_outside"] == []


def test_undated_chain_top_is_not_beaten_by_a_dated_page_crediting_no_one(fx):
    """The top of a chain with no published date is known only to exist by some time; a dated
    copy that credits no one does not show it came later, so the credits decide. Nor does
    anything show that copy came after the top (the top existed by the relay's date, the copy is
    dated earlier): it is marked unclear, not accused."""
    top = fx.page("https://top.example/a", "top.example", first_seen="2026-03-09T00:00:00+00:00")
    relay = fx.page(
        "https://relay.example/a",
        "relay.example",
        published="2026-03-04T00:00:00+00:00",
        first_seen="2026-03-04T06:00:00+00:00",
    )
    silent = fx.page(
        "https://silent.example/a",
        "silent.example",
        published="2026-03-02T00:00:00+00:00",
        first_seen="2026-03-02T06:00:00+00:00",
    )
    fx.credit(relay, evidence="Originally published by Top", target_site="top.example")
    cluster_id = fx.cluster(top, relay, silent)
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert row["origin_page_id"] == top
    assert row["origin_evidence"] == (
        "credits: silent.example is dated before top.example but credits no member and no credit"
        " places it after it, so its precedence is unclear."
    )
    members = fx.members(cluster_id)
    assert members[relay]["credited"] == 1 and members[silent]["credited"] is None
    assert members[silent]["role"] == "repost"
    # Once the top carries a later published date of its own, dates decide against it.
    fx.db["versions"].update(top, {"published": "2026-03-08T00:00:00+00:00"})
    provenance.assign(fx.db, [cluster_id])
    row = fx.cluster_row(cluster_id)
    assert row["origin_page_id"] == silent and row["origin_evidence"].startswith("published: ")
    assert fx.members(cluster_id)[top]["credited"] == 0


def _with_line(line, at_end=True):
    return "\n\n".join([*STORY, line] if at_end else [line, *STORY])


def test_a_line_naming_a_member_in_unknown_words_is_a_credit(fx):
    """An undated original seen after its dated copy: only the copy's own line, in a wording no
    phrase list knows, says which came first."""
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text=_with_line("This yarn reaches our readers thanks to the Valley Gazette."),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    row = fx.members(cluster_id)[copy]
    assert row["credited"] == 1
    assert row["credits_page_id"] == original
    assert row["credit_evidence"] == (
        "mention: This yarn reaches our readers thanks to the Valley Gazette."
    )


def test_a_line_the_named_member_carries_too_is_no_credit(fx):
    """A line copied with the text (the original's own sign-off) says nothing about who copied
    whom: the dated page stays the origin and the undated one is not credited by it."""
    sign_off = "Reporting by the Valley Gazette newsroom."
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
        site_name="Valley Gazette",
        text=_with_line(sign_off),
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text=_with_line(sign_off),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == copy
    assert fx.members(cluster_id)[original]["credits_page_id"] is None


@pytest.mark.parametrize(
    "site_name, line, at_end",
    [
        # A short site name is an ordinary word in running text.
        ("Vox", "Time will tell, said a vox pop of ferry users.", True),
        # A long paragraph is article text, not a credit line.
        ("Valley Gazette", " ".join(["The Valley Gazette"] + ["word"] * 40), True),
        # A line in the middle of the article is not where credits sit.
        ("Valley Gazette", "MIDDLE", False),
    ],
)
def test_mentions_that_are_not_credit_lines(fx, site_name, line, at_end):
    paragraphs = list(STORY)
    if line == "MIDDLE":
        paragraphs.insert(5, "Thanks to the Valley Gazette for this.")
        text = "\n\n".join(paragraphs)
    else:
        text = _with_line(line, at_end)
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
        site_name=site_name,
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text=text,
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[copy]["credits_page_id"] is None
    assert fx.cluster_row(cluster_id)["origin_page_id"] == copy


def test_chains_are_listed_by_site_whatever_the_page_ids(fx):
    """Two credit chains into one origin: listed by the sites they name, not by which page a
    crawl happened to store first."""
    origin = fx.page("https://origin.example/a", "origin.example", published="2024-01-01")
    zulu = fx.page("https://zulu.example/a", "zulu.example", published="2024-01-02")
    alpha = fx.page("https://alpha.example/a", "alpha.example", published="2024-01-03")
    for copy in (zulu, alpha):
        fx.credit(copy, target_url="https://origin.example/a", target_site="origin.example")
    cluster_id = fx.cluster(origin, zulu, alpha)
    provenance.assign(fx.db, [cluster_id])
    assert show.describe_cluster(fx.db, cluster_id)["chains"] == [
        ["alpha.example", "origin.example"],
        ["zulu.example", "origin.example"],
    ]


def test_a_common_phrase_is_not_a_site_name(fx):
    """ "The Sun" is too short a name to find in running text, and "The Nation" is found only as
    written: "address the nation" names neither."""
    original = fx.page(
        "https://thesun.example/ferry",
        "thesun.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-01T01:00:00+00:00",
        site_name="The Sun",
    )
    sunny = fx.page(
        "https://other.example/ferry",
        "other.example",
        published="2024-07-03T00:00:00+00:00",
        first_seen="2024-07-03T01:00:00+00:00",
        text=_with_line("Crossings resume when The Sun rises over the pier."),
    )
    nation = fx.page(
        "https://thenation.example/ferry",
        "thenation.example",
        published="2024-07-05T00:00:00+00:00",
        first_seen="2024-07-05T01:00:00+00:00",
        site_name="The Nation",
    )
    undated = fx.page(
        "https://third.example/ferry",
        "third.example",
        first_seen="2024-07-09T00:00:00+00:00",
        text=_with_line("The mayor will address the nation on Friday."),
    )
    cluster_id = fx.cluster(original, sunny, nation, undated)
    provenance.assign(fx.db, [cluster_id])
    rows = fx.members(cluster_id)
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert rows[sunny]["credited"] == 0
    assert rows[undated]["credited"] == 0 and rows[undated]["credits_page_id"] is None


def test_a_mention_does_not_overturn_dates(fx):
    """The dated original's own sign-off names the later copy's site (a syndication partner):
    a mention is weaker than a credit, so the dates decide."""
    original = fx.page(
        "https://origin.example/ferry",
        "origin.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-01T01:00:00+00:00",
        text=_with_line("Also published by Copy Times."),
    )
    copy = fx.page(
        "https://copytimes.example/ferry",
        "copytimes.example",
        published="2024-07-05T00:00:00+00:00",
        first_seen="2024-07-05T01:00:00+00:00",
        site_name="Copy Times",
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[original]["credits_page_id"] is None


def test_a_footer_the_named_site_prints_as_boilerplate_is_no_credit(fx):
    """Both undated; the named site prints the same partnership footer, stored as its learned
    boilerplate (not in its stored text): the footer still says nothing about who copied whom."""
    footer = "This story was produced in partnership with Copy Times."
    original = fx.page(
        "https://origin.example/ferry",
        "origin.example",
        first_seen="2024-07-01T00:00:00+00:00",
        text=_with_line(footer),
    )
    copy = fx.page(
        "https://copytimes.example/ferry",
        "copytimes.example",
        first_seen="2024-07-02T00:00:00+00:00",
        site_name="Copy Times",
    )
    fx.db["versions"].update(
        fx.db.execute("select id from versions where page_id = ?", [copy]).fetchone()[0],
        {"boilerplate": json.dumps([[len(STORY), footer]])},
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[original]["credits_page_id"] is None


_CHROME = [
    "Weekly edition | Harbour | Ferries | Contact us | Search",
    "Archives | Calendar | Subscribe | Write for us | FAQ",
    "Copyright 2024, Copier Media.",
    "Comments are owned by whoever posted them.",
]


@pytest.mark.parametrize("joined", [False, True])
def test_a_line_beside_the_copied_text_is_a_credit_under_the_copiers_chrome(fx, joined):
    """The copier's stored text goes on with its own chrome after the copied story, so the credit
    line is not among its last lines; it sits right after the copied text, as its own paragraph or
    joined by the extractor to the story's last paragraph. Either way a reader sees it."""
    line = "Der Beitrag erschien zuerst auf Valley Gazette."
    body = list(STORY)
    if joined:
        body[-1] = f"{body[-1]} {line}"
    else:
        body.append(line)
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text="\n\n".join([*body, *_CHROME]),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    row = fx.members(cluster_id)[copy]
    assert (row["credited"], row["credits_page_id"]) == (1, original)
    assert row["credit_evidence"] == f"mention: {line}"


def test_a_name_inside_the_copied_text_is_no_credit_line(fx):
    """A sentence naming the other site in the middle of a paragraph, between copied sentences,
    is article text (the story quotes that site), not a credit line."""
    body = list(STORY)
    first, rest = body[5].split(": ", 1)
    body[5] = f"{first}: Thanks to the Valley Gazette, we know more. {rest}"
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text="\n\n".join([*body, *_CHROME]),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[copy]["credits_page_id"] is None
    assert fx.cluster_row(cluster_id)["origin_page_id"] == copy


@pytest.mark.parametrize(
    "line, credited",
    [
        # The original's pages declare no name, but its domain spells the one the line writes.
        ("Erstveröffentlichung bei Valley Gazette, mit Dank.", True),
        ("Merci à la Valley-Gazette pour ce texte.", True),
        # Lower case running words are not a name; a label cut short is not the site.
        ("The valley gazette editors were not reached.", False),
        ("Thanks to Valley Gaze for this.", False),
    ],
)
def test_a_name_spelling_the_domain_of_a_site_without_a_declared_name(fx, line, credited):
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text=_with_line(line),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    row = fx.members(cluster_id)[copy]
    expected = original if credited else None
    assert row["credits_page_id"] == expected
    assert fx.cluster_row(cluster_id)["origin_page_id"] == (original if credited else copy)


def test_one_capitalised_word_spelling_a_domain_is_no_name(fx):
    """ "Nation" opening a sentence is a word, not thenation.example's name."""
    original = fx.page(
        "https://thenation.example/rescue",
        "thenation.example",
        first_seen="2024-07-09T00:00:00+00:00",
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
        text=_with_line("Nation states watched the ferry closely."),
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[copy]["credits_page_id"] is None


@pytest.mark.parametrize("named_page_prints_it", [False, True])
def test_a_line_beside_the_article_that_extraction_left_out_is_read_as_a_mention(
    fx, named_page_prints_it
):
    """A credit box in an <aside> that the extractor dropped, stored as a ``line`` attribution,
    names the original's site: a credit, unless the named page prints the same line too."""
    line = "Avec l'aimable autorisation de Valley Gazette"
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        first_seen="2024-07-09T00:00:00+00:00",
        site_name="Valley Gazette",
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-02T00:00:00+00:00",
        first_seen="2024-07-02T00:00:00+00:00",
    )
    fx.credit(copy, kind="line", evidence=line)
    if named_page_prints_it:
        fx.credit(original, kind="line", evidence=line)
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    row = fx.members(cluster_id)[copy]
    if named_page_prints_it:
        assert row["credits_page_id"] is None
        assert fx.cluster_row(cluster_id)["origin_page_id"] == copy
    else:
        assert (row["credited"], row["credits_page_id"]) == (1, original)
        assert row["credit_evidence"] == f"mention: {line}"
        assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    # A line is never listed as a credit to something outside the story.
    assert all(
        c["kind"] != "line" for c in show.describe_cluster(fx.db, cluster_id)["credits_outside"]
    )


@pytest.mark.parametrize(
    "href",
    [
        "http://valleygazette.example/rescue",
        "https://www.valleygazette.example/rescue/",
        "http://www.valleygazette.example/rescue?utm_source=copier",
    ],
)
def test_a_body_link_to_another_form_of_a_members_url_credits_it(fx, href):
    """A backdated copy links the original as http://, with www. or a trailing slash: the same
    page, so the link is a credit and, a credit outweighing dates, the copy stays a copy."""
    original = fx.page(
        "https://valleygazette.example/rescue",
        "valleygazette.example",
        published="2024-07-05T00:00:00+00:00",
        first_seen="2024-07-05T01:00:00+00:00",
    )
    copy = fx.page(
        "https://copier.example/rescue",
        "copier.example",
        published="2024-07-01T00:00:00+00:00",
        first_seen="2024-07-06T00:00:00+00:00",
    )
    fx.credit(copy, kind="link", evidence="Valley Gazette", target_url=href)
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.cluster_row(cluster_id)["origin_page_id"] == original
    assert fx.members(cluster_id)[copy]["credits_page_id"] == original


def test_a_texts_six_grams_rule_out_exactly_the_names_it_does_not_hold():
    """Clusters of many members read a naming page's text through its 6-grams first
    (``mentions._Grams``): the answer is the substring test's, whatever the needle's length or
    script."""
    import random

    from tracker.mentions import _Grams

    rng = random.Random(7)
    alphabet = "abcdefgh .-éü新华网"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        grams = _Grams(text)
        needles = ["", text[3:9], text[:2], text[-7:], text[5:30]]
        needles += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 9)))]
        for needle in needles:
            assert (needle in grams) == (needle in text), (text, needle)


def test_mentions_in_a_large_cluster_are_read_as_in_a_small_one(fx, monkeypatch):
    """The 6-gram shortcut for clusters of many members changes no judgement: a cluster of 60
    (the original, 30 copies naming it in a line of their own, 29 silent ones) judged with and
    without it gives the same roles, credits and evidence."""
    from tracker import mentions

    body = "\n\n".join(STORY)
    origin = fx.page(
        "https://harbourvoice.example/ferry",
        "harbourvoice.example",
        published="2024-03-01T08:00:00+00:00",
        site_name="Harbour Voice",
    )
    pages = [origin]
    for i in range(59):
        line = f"\n\nThis story first appeared in the Harbour Voice, issue {i}." if i % 2 else ""
        pages.append(
            fx.page(
                f"https://copy{i}.example/ferry",
                f"copy{i}.example",
                text=body + line,
                published=f"2024-03-{2 + i % 20:02d}T08:00:00+00:00",
            )
        )
    cluster_id = fx.cluster(*pages)

    def judged(many: int) -> dict:
        monkeypatch.setattr(mentions, "_MANY", many)
        provenance.assign(fx.db, [cluster_id])
        return {
            page: (row["role"], row["credited"], row["credits_page_id"], row["credit_evidence"])
            for page, row in fx.members(cluster_id).items()
        }

    small, large = judged(10_000), judged(0)
    assert small == large
    assert fx.cluster_row(cluster_id)["origin_page_id"] == origin
    credited = [page for page, row in small.items() if row[1] == 1]
    assert len(credited) == 29 and all(small[page][2] == origin for page in credited)


@pytest.mark.parametrize(
    "line",
    [
        "Article courtesy of @HarbourVoice",
        "Reproduzido de @harbourvoice.",
        "منقول من @HarbourVoice",
    ],
)
def test_a_copy_naming_the_original_by_its_handle_credits_it(fx, line):
    """A site's social handle ("@HarbourVoice") names it as its name or domain does."""
    original = fx.page(
        "https://harbourvoice.example/ferry",
        "harbourvoice.example",
        published="2024-03-01T08:00:00+00:00",
        site_name="Harbour Voice",
    )
    copy = fx.page(
        "https://basaltwire.example/ferry",
        "basaltwire.example",
        text="\n\n".join([*STORY, line]),
        published="2024-03-02T08:00:00+00:00",
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    member = fx.members(cluster_id)[copy]
    assert (member["credited"], member["credits_page_id"]) == (1, original)


def test_an_email_address_or_another_handle_names_no_site(fx):
    original = fx.page(
        "https://harbourvoice.example/ferry",
        "harbourvoice.example",
        published="2024-03-01T08:00:00+00:00",
        site_name="Harbour Voice",
    )
    copy = fx.page(
        "https://basaltwire.example/ferry",
        "basaltwire.example",
        text="\n\n".join([*STORY, "Write to desk@harbourvoice or follow @HarbourVoiceFans"]),
        published="2024-03-02T08:00:00+00:00",
    )
    cluster_id = fx.cluster(original, copy)
    provenance.assign(fx.db, [cluster_id])
    assert fx.members(cluster_id)[copy]["credited"] == 0
