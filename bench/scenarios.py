"""The repost scenario set built from real pages, LABELLED AS BUILT, for the clustering evaluation.

No person labelled these pages and no public dataset of one article reposted across sites was
found. The labels are true by construction, and none of them comes from tracker: this module
takes real article pages of the Scrapinghub benchmark (``../shared/corpus``, read at run time,
never copied into the repository), chosen and cut by the benchmark's hand-checked article bodies
(not by tracker's extractor), moves those bodies into other real pages' chrome, cuts excerpts,
edits headlines and bylines, adds, removes and chains credit lines (written in phrasings drawn
from ``bench/phrasings.yml``, a list kept apart from tracker's attribution module, so many are
phrasings it does not know), and records for every page which article it carries (``key``), its
``role`` (``origin``, ``repost``, ``excerpt``, or ``single`` for a negative control), whether the
builder wrote a credit into it (``credited``) and, for each origin, the evidence that should
decide it.

Families per article (round robin): an excerpt with a linked pointer to the origin; a headline and
byline edit; a credit chain (B credits the origin, C credits B, D copies without credit); light
edits; a credit added in plain text beside an uncredited copy; a plain-text excerpt with an
explicit credit record. Negative controls: the most similar pairs of different articles, short
pages of one hub site sharing only a chrome block, an aggregator of first sentences; and the
copietje near-duplicate variants. The judgement families of issue 11 live in
``bench/scenario_families.py``.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scenario_pages import (
    LABEL,
    Cycle,
    Distinct,
    ScenarioPage,
    ScenarioSet,
    Source,
    chrome_lines,
    corpus_sources,
    credit_line,
    fold,
    good_body,
    grams,
    latin,
    load_source,
    main_node,
    parse,
    phrasing_of,
    rehost,
    transplant,
    words,
)

__all__ = ["LABEL", "ScenarioPage", "ScenarioSet", "Site", "build", "iso", "slug"]

_FIRST = "Morning Evening Harbour Valley River Northern Southern Central Coastal Capital Prairie Lakeside".split()
_SECOND = "Ledger Herald Courier Tribune Chronicle Post Gazette Observer Review Dispatch Times Sentinel".split()
_FAMILIES = ("excerpt", "headline-byline", "chain", "light-edits", "credit-added", "plain-excerpt")
_START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
_STOP = frozenset(
    "about after again against their there these those which while would could should because before being "
    "between other under where other people said says years first still also since many most more some than "
    "them then they this that what when with from have were will your into over only just very like make".split()
)
_MAX_DONOR_BYTES = 400_000
_MAX_SOURCE_BYTES = 700_000


class Site:
    """A synthetic site: a name, a host, and (for reposting sites) the real page lending its chrome."""

    def __init__(self, name: str, donor: Source | None = None) -> None:
        self.name = name
        self.host = name.lower().replace(" ", "") + ".example"
        self.donor = donor

    def url(self, path: str, when: datetime) -> str:
        """A dated article address on this site."""
        return f"https://{self.host}/{when:%Y/%m}/{path}"


def slug(title: str | None, key: str) -> str:
    """A URL slug from a headline and the truth key."""
    return "-".join([*words(title or "")[:6], key.rsplit("-", 1)[-1][:10]])


def iso(when: datetime) -> str:
    """ISO 8601 with the UTC offset."""
    return when.isoformat()


def site_names(seed: int) -> list[str]:
    """Synthetic site names in a seeded order."""
    names = [f"{a} {b}" for a in _FIRST for b in _SECOND]
    random.Random(seed).shuffle(names)
    return names


def pick_sources(
    corpus: Path, order: str, bodies: int, donors: int, distinct: Distinct
) -> tuple[list[Source], list[Source], list[tuple[str, Path, str, list[str]]]]:
    """Article bodies and chrome donors, chosen by the ground truth; the rest of the corpus."""
    chosen: list[Source] = []
    lenders: list[Source] = []
    rest = []
    for key, path, url, paragraphs in corpus_sources(corpus, order):
        size = path.stat().st_size * 4
        want_body = len(chosen) < bodies and size <= _MAX_SOURCE_BYTES
        want_donor = len(lenders) < donors and size <= _MAX_DONOR_BYTES
        if not (want_body or want_donor) or not good_body(paragraphs):
            rest.append((key, path, url, paragraphs))
            continue
        source = load_source(key, path, url, paragraphs)
        if source is None or not distinct.admit(source.text):
            rest.append((key, path, url, paragraphs))
            continue
        # Donors alternate with bodies so both draw from the whole corpus.
        if want_donor and (not want_body or len(lenders) * bodies <= len(chosen) * donors):
            tree = parse(source.html)
            if (
                tree is not None
                and main_node(tree, paragraphs) is not None
                and chrome_lines(source)
            ):
                lenders.append(source)
                continue
        if want_body:
            chosen.append(source)
        else:
            rest.append((key, path, url, paragraphs))
    return chosen, lenders, rest


def excerpt(paragraphs: list[str]) -> list[str]:
    """The first paragraphs, at least two, until about a third of the words."""
    total = sum(len(p.split()) for p in paragraphs)
    taken, count = [], 0
    for paragraph in paragraphs:
        taken.append(paragraph)
        count += len(paragraph.split())
        if len(taken) >= 2 and count >= total / 3:
            break
    return taken


def _typos(paragraphs: list[str], rng: random.Random, every: int = 40) -> list[str]:
    """Swap two inner letters in about one word in ``every``."""
    out = []
    for paragraph in paragraphs:
        tokens = paragraph.split(" ")
        for i, token in enumerate(tokens):
            if len(token) >= 6 and token.isalpha() and rng.randrange(every) == 0:
                j = rng.randrange(1, len(token) - 2)
                tokens[i] = token[:j] + token[j + 1] + token[j] + token[j + 2 :]
        out.append(" ".join(tokens))
    return out


def _similar_pairs(texts: dict[str, str], count: int) -> list[tuple[str, str]]:
    """The ``count`` most similar disjoint pairs of different articles (content-word overlap)."""
    sets = {
        k: {w for w in words(v) if len(w) >= 5 and w not in _STOP and not w.isdigit()}
        for k, v in texts.items()
    }
    scored = []
    keys = sorted(sets)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if sets[a] and sets[b]:
                overlap = len(sets[a] & sets[b]) / (len(sets[a]) * len(sets[b])) ** 0.5
                # Same story twice (two copies in the corpus) would not be a negative control.
                if overlap < 0.5:
                    scored.append((overlap, a, b))
    scored.sort(reverse=True)
    used: set[str] = set()
    pairs = []
    for _, a, b in scored:
        if a not in used and b not in used:
            pairs.append((a, b))
            used.update((a, b))
            if len(pairs) == count:
                break
    return pairs


class _Builder:
    def __init__(self, corpus: Path, seed: int) -> None:
        self.corpus = corpus
        self.rng = random.Random(seed)
        self.pages: list[ScenarioPage] = []
        self.sources: dict[str, str] = {}
        # A chrome block (comment policy, footer) that a network of sites prints inside the
        # article container of every page, and the hub pages print beside a short text.
        self.block: list[str] = []
        self.network: set[str] = set()
        self.distinct = Distinct()
        self._names = iter(site_names(seed))
        self.linked = Cycle("linked", seed)
        self.unlinked = Cycle("unlinked", seed)

    def site(self, donor: Source | None = None) -> Site:
        return Site(next(self._names), donor)

    def tail(self, site: Site) -> list[str]:
        """What a site prints under every article inside the article container."""
        return list(self.block) if site.host in self.network else []

    def add(self, **fields) -> ScenarioPage:
        fields.setdefault("source", self.sources.get(fields["key"], fields["key"]))
        page = ScenarioPage(**fields)
        self.pages.append(page)
        return page


def build(
    corpus: Path,
    articles: int = 24,
    donors: int = 8,
    similar_pairs: int = 5,
    hub_pages: int = 8,
    seed: int = 7,
) -> ScenarioSet:
    """Build the labelled-as-built scenario set from the corpus at ``corpus``.

    Args:
        corpus: the folder holding the corpus sub-folders (``../shared/corpus``).
        articles: how many real articles are reposted.
        donors: how many real pages lend their chrome to the reposting sites.
        similar_pairs: negative controls: pairs of different articles on close topics.
        hub_pages: negative controls: short pages sharing only a chrome block.
        seed: the order in which corpus pages are taken, and the typos.

    Returns:
        The pages with their labels (the set is the same for the same arguments).
    """
    b = _Builder(corpus, seed)
    bodies, donor_sources, rest = pick_sources(corpus, str(seed), articles, donors, b.distinct)
    sites = [b.site(d) for d in donor_sources]
    if len(sites) < 4:
        raise ValueError(f"only {len(sites)} usable donor pages in {corpus}")
    avoid = set().union(*(grams(fold(f"{s.title}\n{s.text}"), 4) for s in bodies))
    blocks = [chrome_lines(site.donor, avoid=avoid) for site in sites if site.donor]
    b.block = max(blocks, key=lambda lines: sum(len(x.split()) for x in lines))
    b.network = {sites[0].host, sites[1].host}
    for index, source in enumerate(bodies):
        _article_group(b, index, source, sites)
    _negative_controls(b, rest, sites, similar_pairs, hub_pages, bodies)
    _copietje_groups(b)
    return ScenarioSet(b.pages, b.sources)


def _article_group(b: _Builder, index: int, source: Source, sites: list[Site]) -> None:
    key = f"article-{index:02d}"
    b.sources[key] = source.source
    family = _FAMILIES[index % len(_FAMILIES)]
    title = source.title
    body = source.paragraphs
    day = _START + timedelta(days=index)
    home = b.site()
    origin_url = home.url(slug(title, key), day)
    linked, unlinked = b.linked, b.unlinked
    # Each family has its own dating, so that the evidence named in the label is what decides.
    credits_decide = family in ("chain", "credit-added")
    no_dates = family == "headline-byline"
    if credits_decide:
        origin_published, origin_seen = None, day + timedelta(days=3)
    elif no_dates:
        origin_published, origin_seen = None, day
    else:
        origin_published, origin_seen = iso(day), day + timedelta(days=2)
    if credits_decide or family in ("plain-excerpt", "excerpt"):
        evidence = "credits"
    else:
        evidence = "first_seen" if no_dates else "published"
    b.add(
        url=origin_url, site_name=home.name, key=key, role="origin", family=family,
        fetched_at=iso(origin_seen), published=origin_published, title=title,
        html=rehost(source, origin_url, home.name), origin_evidence=evidence,
    )  # fmt: skip
    copy = 0
    used: set[str] = set()

    def repost(
        paragraphs, role="repost", new_title=None, byline=None, credit_html=None, credited=False
    ):
        nonlocal copy
        copy += 1
        # A different site for every copy of one article while there are enough sites.
        rotation = [sites[(index + 3 * copy + step) % len(sites)] for step in range(len(sites))]
        site = next((s for s in rotation if s.host not in used), rotation[0])
        used.add(site.host)
        seen = day + timedelta(hours=6 * copy)
        published = None if no_dates else iso(day + timedelta(hours=2 + 6 * copy))
        url = site.url(f"{slug(new_title or title, key)}-{copy}", seen)
        content = list(paragraphs) + ([credit_html] if credit_html else []) + b.tail(site)
        assert site.donor is not None
        html = transplant(site.donor, url, site.name, new_title or title, content)
        if html is None:
            return None
        b.add(
            url=url, site_name=site.name, key=key, role=role, family=family, fetched_at=iso(seen),
            published=published, title=new_title or title, byline=byline, html=html, credited=credited,
            credit_phrasing=phrasing_of(content),
        )  # fmt: skip
        return url, site

    # Two plain reposts in two different sites' chrome: the same article with other boilerplate.
    repost(body)
    repost(body)
    if family == "excerpt":
        line = credit_line(linked(), home.name, origin_url, linked=True)
        repost(excerpt(body), role="excerpt", credit_html=line, credited=True)
    elif family == "headline-byline":
        repost(
            body,
            new_title=f"{title.split(':')[0]}: what we know so far",
            byline="By Staff and Agencies",
        )
    elif family == "chain":
        line = credit_line(linked(), home.name, origin_url, linked=True)
        first = repost(body, credit_html=line, credited=True)
        if first:
            middle_url, middle = first
            line = credit_line(linked(), middle.name, middle_url, linked=True)
            repost(body, credit_html=line, credited=True)
        repost(body[:-1])  # the credit line and the closing paragraph removed: an uncredited copy
    elif family == "light-edits":
        cut = len(body) // 2
        edited = _typos(body[:cut] + body[cut + 1 :], b.rng)
        edited.insert(1, "Editor's note: this story has been updated with additional reporting.")
        repost(edited)
    elif family == "credit-added":
        line = credit_line(unlinked(), home.name, None, linked=False)
        repost(body, credit_html=line, credited=True)
    elif family == "plain-excerpt":
        site = sites[(index + 5) % len(sites)]
        seen = day + timedelta(hours=30)
        text = unlinked().replace("{site}", home.name)
        # A plain-text record (a JSON Lines import) carries its credit as a record of its own.
        b.add(
            url=site.url(slug(title, key) + "-teaser", seen), site_name=site.name, key=key, role="excerpt",
            family=family, fetched_at=iso(seen), published=iso(day + timedelta(hours=26)), title=title,
            paragraphs=[*excerpt(body), text, *b.tail(site)],
            credits=[{"kind": "first-appeared", "evidence": text, "target_url": None, "target_site": None, "target_name": home.name}],
            credited=True,
        )  # fmt: skip


def _negative_controls(
    b: _Builder,
    rest: list[tuple[str, Path, str, list[str]]],
    sites: list[Site],
    pairs: int,
    hub_pages: int,
    bodies: list[Source],
) -> None:
    pool = {key: (path, url, paragraphs) for key, path, url, paragraphs in rest}
    texts = {
        key: "\n".join(item[2])
        for key, item in sorted(pool.items())
        if 250 <= len(" ".join(item[2]).split()) <= 3000
        and len(item[2]) >= 3
        and latin(" ".join(item[2]))
    }
    texts = {key: text for key, text in texts.items() if b.distinct.admit(text)}
    day = _START + timedelta(days=60)
    used: set[str] = set()
    for number, (first, second) in enumerate(_similar_pairs(texts, pairs)):
        used.update((first, second))
        for side, sid in enumerate((first, second)):
            path, url, paragraphs = pool[sid]
            source = load_source(sid, path, url, paragraphs)
            if source is None:
                continue
            key = f"single-{sid[:12]}"
            b.sources[key] = source.source
            seen = day + timedelta(days=number, hours=side)
            if side == 0:
                home = b.site()
                page_url = home.url(slug(source.title, key), seen)
                page_html: str | None = rehost(source, page_url, home.name)
                name = home.name
            else:
                site = sites[number % len(sites)]
                page_url = site.url(slug(source.title, key), seen)
                assert site.donor is not None
                page_html = transplant(
                    site.donor, page_url, site.name, source.title, paragraphs + b.tail(site)
                )
                name = site.name
            if page_html is None:
                continue
            b.add(
                url=page_url, site_name=name, key=key, role="single", family="similar-topic", fetched_at=iso(seen),
                published=iso(seen), title=source.title, html=page_html,
            )  # fmt: skip
    # Short pages of one hub site sharing a long chrome block (a comment policy, a footer)
    # with each other and with every page of the network sites.
    hub = b.site()
    shorts = [sid for sid in sorted(texts) if sid not in used][:hub_pages]
    for number, sid in enumerate(shorts):
        paragraphs = [p for p in texts[sid].split("\n") if len(p.split()) >= 12][:2]
        if not paragraphs:
            continue
        key = f"single-{sid[:12]}"
        b.sources[key] = f"scrapinghub/{sid}"
        seen = day + timedelta(days=20 + number)
        b.add(
            url=hub.url(f"brief-{number}", seen), site_name=hub.name, key=key, role="single", family="shared-boilerplate",
            fetched_at=iso(seen), published=iso(seen), title=f"Brief {number}", paragraphs=[*paragraphs, *b.block],
        )  # fmt: skip
    # An aggregator: the first sentence of every reposted article, and the hub's chrome.
    leads = [re.split(r"(?<=[.!?])\s", s.paragraphs[0], maxsplit=1)[0] for s in bodies]
    seen = day + timedelta(days=40)
    b.add(
        url=hub.url("todays-headlines", seen), site_name=hub.name, key="single-aggregator", role="single",
        family="aggregator", fetched_at=iso(seen), published=iso(seen), title="Today's headlines",
        paragraphs=[*leads, *b.block],
    )  # fmt: skip


def _copietje_groups(b: _Builder) -> None:
    folder = b.corpus / "copietje-neardup-variants-and-newsedits" / "variants"
    files = sorted(folder.glob("*.txt")) if folder.exists() else []
    origins = {
        "1": "1_txt",
        "2": "2_fulltext_odt",
        "3": "3_fulltext_odt",
        "4": "4_fulltext_odt",
        "5": "5_fulltext_odt",
    }
    day = _START + timedelta(days=120)
    for number, path in enumerate(files):
        group, stem = path.name.split("_")[0], path.stem
        text = path.read_text(encoding="utf-8", errors="replace")
        key = f"copietje-{group}"
        b.sources[key] = f"copietje/variants/{group}_*"
        is_origin = origins.get(group) == stem
        role = (
            "origin"
            if is_origin
            else ("excerpt" if ("partial" in stem or "within" in stem) else "repost")
        )
        site = b.site()
        when = day + timedelta(days=int(group), hours=0 if is_origin else 1 + number)
        seen = day + timedelta(days=int(group) + 5, hours=number)
        paragraphs = [
            p for p in (" ".join(block.split()) for block in re.split(r"\n\s*\n", text)) if p
        ]
        b.add(
            url=site.url(stem.replace("_", "-"), when), site_name=site.name, key=key, role=role, family="copietje",
            fetched_at=iso(seen), published=iso(when), title=f"Story {group}", paragraphs=paragraphs,
            origin_evidence="published" if is_origin else None, credited=None if is_origin else False,
        )  # fmt: skip
