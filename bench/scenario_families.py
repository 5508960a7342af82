"""The judgement families of issue 11, built from real pages and LABELLED AS BUILT.

Each family is a shape tracker was not written against, made from the Scrapinghub benchmark's
real pages (bodies from its hand-checked ground truth) re-hosted on synthetic sites and moved into
other real pages' chrome. Every label is what the builder wrote into the pages:

* ``silent-intermediary``: A publishes; B copies A a day later with no credit; C copies B a week
  later crediting B. Origin A; B uncredited; C credited.
* ``bare-link``: the same chain, but B ends with nothing but A's address (a bare link). B credited.
* ``unlinked-phrase``: B ends with a credit phrase naming A's site in plain text (or with a
  ``javascript:`` link). A has no date and is seen after B, so only the credit can decide. B credited.
* ``canonical-syndication``: B's page has ``rel=canonical`` to A and no ``og:site_name``; B's site
  names itself on its other pages. B must keep its own site's name.
* ``backdated-credit``: B claims a publication date before A's but credits A. Origin A, B credited.
* ``re-paragraphed``: B merges A's paragraphs two by two (or A is one long paragraph and B keeps
  the paragraphs): every word kept in order, so the expected retained share is 1.0.
* ``unicode-credit-target``: A is stored at its percent-encoded address (Scrapy's form); B's credit
  links the Unicode form. The credit must resolve to A.
* ``header-charset``: A is served as windows-1252 bytes whose charset is only in the HTTP
  ``Content-Type`` (no ``<meta charset>``). A's stored text must not be garbled.
* ``new-disclaimer``: two republishing sites with 10+ pages each print a disclaimer (worded as in
  ``bench/phrasings_disclaimers.yml``) under every article; their stored texts must be free of it.

Credit lines come from ``bench/phrasings.yml``. Pages carry ``declare_site_name = False``: the site
name under test is what tracker reads from the pages, not a declared value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import lxml.html
from scenario_pages import (
    CreditLine,
    Cycle,
    Distinct,
    ScenarioPage,
    ScenarioSet,
    Source,
    credit_line,
    parse,
    phrasing_of,
    phrasings,
    rehost,
    transplant,
)
from scenarios import Site, iso, pick_sources, site_names, slug

FAMILIES = (
    "silent-intermediary",
    "bare-link",
    "unlinked-phrase",
    "canonical-syndication",
    "backdated-credit",
    "re-paragraphed",
    "unicode-credit-target",
    "header-charset",
)
_START = datetime(2024, 6, 3, 7, 0, tzinfo=UTC)
_UNICODE_PATHS = ("actualités/été", "über-uns/grüße", "noticias/año-señal", "société/numérique")
_HEADER = "text/html; charset=windows-1252"


def _day(days: float) -> timedelta:
    return timedelta(days=days)


class _Families:
    def __init__(self, corpus: Path, seed: int, donors: list[Source]) -> None:
        self.corpus = corpus
        self.pages: list[ScenarioPage] = []
        self.sources: dict[str, str] = {}
        self._names = iter(site_names(seed + 1000))
        # Two sites first seen through their canonical-syndication copies (no og:site_name), which
        # name themselves on the pages they copy later: their own name is the majority's.
        self.syndicators = [Site(next(self._names), d) for d in donors[:2]]
        self.donors = [Site(next(self._names), d) for d in donors[2:]]
        self.turn = 0
        self.linked = Cycle("linked", seed)
        self.unlinked = Cycle("unlinked", seed)
        self.bare = Cycle("bare_link", seed)

    def site(self, donor: Source | None = None) -> Site:
        return Site(next(self._names), donor)

    def donor(self, avoid: set[str]) -> Site:
        """The next chrome-lending site, round robin, other than the ``avoid`` hosts."""
        for _ in range(len(self.donors)):
            self.turn += 1
            site = self.donors[self.turn % len(self.donors)]
            if site.host not in avoid:
                return site
        raise ValueError("not enough donor sites")

    def add(self, key: str, family: str, **fields) -> ScenarioPage:
        page = ScenarioPage(
            key=key, family=family, source=self.sources[key], declare_site_name=False, **fields
        )
        self.pages.append(page)
        return page

    def origin(
        self, key: str, family: str, source: Source, home: Site, url: str, published, seen, **extra
    ) -> ScenarioPage:
        return self.add(
            key, family, url=url, site_name=home.name, role="origin", fetched_at=iso(seen),
            published=iso(published) if published else None, title=source.title,
            html=extra.pop("html", None) or rehost(source, url, home.name), **extra,
        )  # fmt: skip

    def copy(
        self,
        key: str,
        family: str,
        source: Source,
        site: Site,
        paragraphs: list[str],
        published: datetime,
        seen: datetime,
        credited: bool | None,
        name_in_page: bool = True,
        canonical: str | None = None,
        number: int = 1,
        **extra,
    ) -> tuple[str, Site] | None:
        url = site.url(f"{slug(source.title, key)}-{number}", seen)
        assert site.donor is not None
        html = transplant(
            site.donor,
            url,
            site.name if name_in_page else None,
            source.title,
            paragraphs,
            canonical,
        )
        if html is None:
            return None
        self.add(
            key, family, url=url, site_name=site.name, role="repost", fetched_at=iso(seen),
            published=iso(published), title=source.title, html=html, credited=credited,
            credit_phrasing=phrasing_of(paragraphs), **extra,
        )  # fmt: skip
        return url, site


def _cp1252_words(paragraphs: list[str]) -> list[str]:
    """Distinct words of the body holding a non-ASCII character windows-1252 can encode."""
    out: list[str] = []
    for token in " ".join(paragraphs).split():
        token = token.strip(".,;:!?()[]\"'")
        if any(ord(ch) > 127 for ch in token) and token not in out:
            try:
                token.encode("cp1252")
            except UnicodeEncodeError:
                continue
            out.append(token)
    return out


def _header_only_bytes(html: str) -> bytes:
    """The page as windows-1252 bytes with every in-document charset declaration removed."""
    tree = parse(html)
    assert tree is not None
    for meta in list(tree.iter("meta")):
        if (
            meta.get("charset") is not None
            or (meta.get("http-equiv") or "").lower() == "content-type"
        ):
            meta.getparent().remove(meta)
    text = lxml.html.tostring(tree, encoding="unicode")
    return text.encode("cp1252", errors="xmlcharrefreplace")


def _merge_pairs(paragraphs: list[str]) -> list[str]:
    return [" ".join(paragraphs[i : i + 2]) for i in range(0, len(paragraphs), 2)]


def build_families(
    corpus: Path, per_family: int = 5, disclaimer_pages: int = 11, donors: int = 6, seed: int = 11
) -> ScenarioSet:
    """Build the judgement families (see the module docstring) from the corpus at ``corpus``.

    Args:
        corpus: the folder holding the corpus sub-folders (``../shared/corpus``).
        per_family: articles per family.
        disclaimer_pages: pages of each of the two disclaimer sites (10+ so the disclaimer recurs).
        donors: real pages lending their chrome to the copying sites.
        seed: the order in which corpus pages are taken.

    Returns:
        The pages with their labels (the same for the same arguments).
    """
    wanted = per_family * len(FAMILIES) + 2 * disclaimer_pages
    bodies, lenders, _ = pick_sources(corpus, f"families:{seed}", wanted, donors + 2, Distinct())
    if len(lenders) < 4 or len(bodies) < wanted:
        raise ValueError(f"corpus too small: {len(bodies)} bodies, {len(lenders)} donors")
    f = _Families(corpus, seed, lenders[:-2])
    # The header-charset family needs bodies with characters a wrong decoding would garble.
    rich = sorted(
        range(len(bodies)), key=lambda i: (-min(len(_cp1252_words(bodies[i].paragraphs)), 12), i)
    )
    charset_ids = set(rich[:per_family])
    queue = [i for i in range(len(bodies)) if i not in charset_ids]
    index = 0
    for family in FAMILIES:
        for number in range(per_family):
            i = rich[number] if family == "header-charset" else queue.pop(0)
            source = bodies[i]
            key = f"{family}-{number}"
            f.sources[key] = source.source
            _family(f, family, key, source, _START + _day(3 * index), number)
            index += 1
        if family == "canonical-syndication":
            f.donors.extend(f.syndicators)  # from now on they copy with their name in the page
    for site_number, lines in enumerate(phrasings("phrasings_disclaimers.yml")["sites"]):
        site = Site(next(f._names), lenders[-1 - site_number])
        for number in range(disclaimer_pages):
            source = bodies[queue.pop(0)]
            key = f"new-disclaimer-{site_number}-{number}"
            f.sources[key] = source.source
            day = _START + _day(3 * index)
            index += 1
            home = f.site()
            origin_url = home.url(slug(source.title, key), day)
            f.origin(key, "new-disclaimer", source, home, origin_url, day, day + _day(0.5))
            f.copy(
                key, "new-disclaimer", source, site, [*source.paragraphs, *lines], day + _day(1),
                day + _day(1), credited=False, expect_absent=list(lines),
            )  # fmt: skip
    return ScenarioSet(f.pages, f.sources)


def _family(
    f: _Families, family: str, key: str, source: Source, day: datetime, number: int
) -> None:
    body = source.paragraphs
    linked, unlinked, bare = f.linked, f.unlinked, f.bare
    home = f.site()
    origin_url = home.url(slug(source.title, key), day)
    if family in ("silent-intermediary", "bare-link"):
        # Found from the end of the chain: C first, then B, then A (as credit-following finds them).
        f.origin(key, family, source, home, origin_url, day, day + _day(10))
        b_site = f.donor({home.host})
        tail = (
            [credit_line(bare(), home.name, origin_url, linked=True)]
            if family == "bare-link"
            else []
        )
        made = f.copy(
            key,
            family,
            source,
            b_site,
            [*body, *tail],
            day + _day(1),
            day + _day(9),
            credited=bool(tail),
        )
        if made:
            b_url, _ = made
            line = credit_line(linked(), b_site.name, b_url, linked=True)
            c_site = f.donor({home.host, b_site.host})
            f.copy(
                key,
                family,
                source,
                c_site,
                [*body, line],
                day + _day(7),
                day + _day(8),
                credited=True,
                number=2,
            )
    elif family == "unlinked-phrase":
        f.origin(key, family, source, home, origin_url, None, day + _day(3))
        if number % 3 == 2:
            line = CreditLine(
                f'<p>Go to Original – <a href="javascript:void(0)">{home.name}</a></p>'
            )
            line.phrasing = "javascript link: Go to Original – {site}"
        else:
            line = credit_line(unlinked(), home.name, None, linked=False)
        f.copy(
            key,
            family,
            source,
            f.donor({home.host}),
            [*body, line],
            day + _day(1),
            day + _day(1),
            credited=True,
        )
    elif family == "canonical-syndication":
        f.origin(key, family, source, home, origin_url, day, day + _day(1))
        # Whether a canonical link alone is a credit is not what this family asks: not scored.
        syndicator = f.syndicators[number % 2]
        f.copy(
            key, family, source, syndicator, body, day + _day(0.1), day + _day(2), credited=None,
            name_in_page=False, canonical=origin_url,
        )  # fmt: skip
    elif family == "backdated-credit":
        f.origin(key, family, source, home, origin_url, day + _day(3), day + _day(4))
        line = credit_line(linked(), home.name, origin_url, linked=True)
        f.copy(
            key,
            family,
            source,
            f.donor({home.host}),
            [*body, line],
            day,
            day + _day(5),
            credited=True,
        )
    elif family == "re-paragraphed":
        # The origin's own page holds exactly the ground-truth body, so every word of the origin's
        # article is in the copy, in order: the expected retained share is 1.0.
        if number % 2:
            # The origin's body as one long paragraph; the copy keeps the paragraphs.
            origin_html = _body_origin(source, origin_url, home, [" ".join(body)])
            copy_body = body
        else:
            origin_html = _body_origin(source, origin_url, home, body)
            copy_body = _merge_pairs(body)
        f.origin(key, family, source, home, origin_url, day, day + _day(0.1), html=origin_html)
        f.copy(
            key, family, source, f.donor({home.host}), copy_body, day + _day(1), day + _day(1), credited=False,
            expect_retained=1.0,
        )  # fmt: skip
    elif family == "unicode-credit-target":
        path = f"{_UNICODE_PATHS[number % len(_UNICODE_PATHS)]}-{number}/{slug(source.title, key)}"
        unicode_url = f"https://{home.host}/{path}"
        stored_url = f"https://{home.host}/{quote(path, safe='/')}"
        f.origin(key, family, source, home, stored_url, None, day + _day(3))
        line = credit_line(linked(), home.name, unicode_url, linked=True)
        made = f.copy(
            key, family, source, f.donor({home.host}), [*body, line], day + _day(1), day + _day(1), credited=True,
            expect_credit_target=stored_url,
        )  # fmt: skip
        if made:
            # lxml's HTML serialiser percent-encodes non-ASCII in an href: put back the Unicode
            # form the credit is written in, or the family would test nothing (the stored address
            # is nowhere else in the copy).
            copy = f.pages[-1]
            assert copy.html is not None and stored_url in copy.html
            copy.html = copy.html.replace(stored_url, unicode_url)
    elif family == "header-charset":
        html = rehost(source, origin_url, home.name)
        page = f.origin(key, family, source, home, origin_url, day, day + _day(0.2), html=html)
        page.body_bytes = _header_only_bytes(html)
        page.content_type = _HEADER
        page.expect_words = _cp1252_words(body)[:12]
        f.copy(
            key,
            family,
            source,
            f.donor({home.host}),
            body,
            day + _day(1),
            day + _day(1),
            credited=False,
        )


def _body_origin(source: Source, url: str, home: Site, paragraphs: list[str]) -> str:
    """The origin's own page with its article container holding ``paragraphs``."""
    html = rehost(source, url, home.name)
    own = Source(source.source, html, url, source.title, source.paragraphs)
    return transplant(own, url, home.name, source.title, paragraphs) or html


def sentence_of(paragraph: str) -> str:
    """A distinctive part of a disclaimer paragraph (its first ten words), for the absence check."""
    return " ".join(paragraph.split()[:10])
