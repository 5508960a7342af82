"""A repost scenario set built from real pages, LABELLED AS BUILT, for the clustering evaluation.

No person labelled these pages and no public dataset of one article reposted across sites was
found. The labels are true by construction: this module takes real article pages from the local
corpus (``../shared/corpus``, read at run time, never copied into the repository), moves their
extracted bodies into other real pages' chrome, cuts excerpts, edits headlines and bylines, adds,
removes and chains attribution lines, and records, for every page it makes, which article it
carries (``key``), its ``role`` (``origin``, ``repost``, ``excerpt``, or ``single`` for a negative
control) and, for each article's origin, the evidence that should decide it.

What it builds (``build``):

* **origins**: real scrapinghub/readability pages, re-hosted on a synthetic site
  (``https://<name>.example/...``; their own canonical and ``og:`` tags are replaced).
* **reposts**: the origin's body (``tracker.extraction.extract``) moved into the page of another
  real site: the donor page keeps its navigation, sidebars, footers and comment blocks, its own
  article is replaced. Each donor is one synthetic site that carries many different articles, so
  its chrome recurs across its pages (the boilerplate clustering must ignore).
* per article, one family of variants (round robin): an excerpt (first paragraphs, ~1/3 of the
  text, "Read more" link); a headline and byline edit; a credit chain (C credits B with
  "Go to Original – B", B credits the origin with "originally published by" and a link; D copies
  with no credit); light edits (typos, one paragraph cut, one sentence added); a credit added
  ("Republished from ...") beside a copy whose credit was removed; a plain-text excerpt with an
  explicit credit record.
* **negative controls** (role ``single``, one key each): the most similar pairs of different
  real articles (by content-word overlap), one of each pair placed in a donor site's chrome; short
  pages on one hub site that share a long chrome block and nothing else; an aggregator page
  carrying the first sentence of many articles.
* **copietje variants**: the labelled near-duplicate files of the copietje test data (format
  conversions, excerpt, text embedded among other texts, mangled full stops, OCR-like errors).

Dates are part of the construction: where credits decide the origin, the origin has no published
date and is first seen last (so dates alone would pick a copy); where dates decide, the origin has
the earliest published date but is first seen after its copies; where only first-seen times exist,
the origin is seen first.
"""

from __future__ import annotations

import gzip
import hashlib
import html as html_lib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html

from tracker.attribution import find_credits
from tracker.extraction import Extracted, extract, parse_html
from tracker.normalize import normalize_text, words

LABEL = "LABELLED AS BUILT: synthetic repost scenarios made from real corpus pages; labels are true by construction"

_FIRST = "Morning Evening Harbour Valley River Northern Southern Central Coastal Capital Prairie Lakeside".split()
_SECOND = "Ledger Herald Courier Tribune Chronicle Post Gazette Observer Review Dispatch Times Sentinel".split()
_FAMILIES = ("excerpt", "headline-byline", "chain", "light-edits", "credit-added", "plain-excerpt")
_START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
_BLOCK_TAGS = (
    "p",
    "li",
    "blockquote",
    "pre",
    "h2",
    "h3",
    "h4",
    "td",
    "dd",
    "figcaption",
    "div",
    "span",
)
_STRIP_META = re.compile(
    r"^(og:|article:|twitter:|parsely|sailthru|dc\.|citation_)|^(author|date|pubdate|description)$",
    re.I,
)
_STOP = frozenset(
    "about after again against their there these those which while would could should because before being "
    "between other under where other people said says years first still also since many most more some than "
    "them then they this that what when with from have were will your into over only just very like make".split()
)
_MAX_DONOR_BYTES = 400_000
_MAX_SOURCE_BYTES = 700_000


@dataclass
class ScenarioPage:
    """One page of the scenario set, with its label.

    ``html`` pages are extracted and their credits found like crawled pages; ``paragraphs`` pages
    are stored as given with the explicit ``credits``. ``published`` and ``title`` are the values
    the scenario declares and override what extraction reads.
    """

    url: str
    site_name: str
    key: str
    role: str
    family: str
    fetched_at: str
    published: str | None
    title: str | None
    byline: str | None = None
    html: str | None = None
    paragraphs: list[str] | None = None
    credits: list[dict] = field(default_factory=list)
    origin_evidence: str | None = None
    credited: bool | None = None


@dataclass
class ScenarioSet:
    """The pages and where each article came from (corpus ids only, never text)."""

    pages: list[ScenarioPage]
    sources: dict[str, str]

    def groups(self) -> dict[str, list[ScenarioPage]]:
        """Pages by truth key."""
        out: dict[str, list[ScenarioPage]] = {}
        for page in self.pages:
            out.setdefault(page.key, []).append(page)
        return out

    def counts(self) -> Counter:
        """Pages per role."""
        return Counter(page.role for page in self.pages)


@dataclass
class _Source:
    source: str
    html: str
    url: str
    extracted: Extracted


@dataclass
class _Site:
    name: str
    host: str
    donor: _Source | None = None

    def url(self, slug: str, when: datetime) -> str:
        return f"https://{self.host}/{when:%Y/%m}/{slug}"


def _order(seed: int, name: str) -> str:
    return hashlib.sha1(f"{seed}:{name}".encode()).hexdigest()


def _slug(title: str | None, key: str) -> str:
    parts = words(title or "")[:6]
    return "-".join([*parts, key.rsplit("-", 1)[-1][:10]])


def _iso(when: datetime) -> str:
    return when.isoformat()


def _corpus_pages(corpus: Path, seed: int) -> list[tuple[str, Path, str]]:
    """(source id, file, original URL) of every real article page, in a seeded order."""
    found: list[tuple[str, Path, str]] = []
    shub = corpus / "scrapinghub-article-extraction-benchmark"
    if (shub / "ground-truth.json").exists():
        truth = json.loads((shub / "ground-truth.json").read_text(encoding="utf-8"))
        for key in truth:
            path = shub / "html" / f"{key}.html.gz"
            if path.exists():
                found.append((f"scrapinghub/{key[:12]}", path, truth[key].get("url") or ""))
    readability = corpus / "mozilla-readability-test-pages" / "pages"
    if readability.exists():
        for case in sorted(readability.iterdir()):
            if (case / "source.html").exists():
                found.append(
                    (
                        f"readability/{case.name}",
                        case / "source.html",
                        f"https://{case.name}.invalid/",
                    )
                )
    return sorted(found, key=lambda item: _order(seed, item[0]))


def _read_html(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


def _good_article(extracted: Extracted) -> bool:
    text = extracted.text
    return (
        len(extracted.paragraphs) >= 6
        and 300 <= len(text.split()) <= 3000
        and bool(extracted.title)
        and extracted.language not in ("zh", "ja", "ko", "th")
    )


def _hits(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> list[lxml.html.HtmlElement]:
    """For each article paragraph, the smallest block element holding it."""
    snippets = [normalize_text(p)[:70] for p in paragraphs if len(p.split()) >= 8][:40]
    blocks = []
    for el in tree.iter(*_BLOCK_TAGS):
        text = el.text_content()
        if 20 <= len(text) <= 6000:
            blocks.append((len(text), normalize_text(text), el))
    blocks.sort(key=lambda item: item[0])
    found = []
    for snippet in snippets:
        for _, text, el in blocks:
            if snippet in text:
                found.append(el)
                break
    return found


def _main_node(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> lxml.html.HtmlElement | None:
    """The deepest element holding most of the page's article paragraphs."""
    hits = _hits(tree, paragraphs)
    if len(hits) < 3:
        return None
    counts: Counter = Counter()
    depth: dict[lxml.html.HtmlElement, int] = {}
    for el in hits:
        chain = [el, *el.iterancestors()]
        for level, ancestor in enumerate(reversed(chain)):
            counts[ancestor] += 1
            depth[ancestor] = level
    need = 0.8 * len(hits)
    best = max((a for a, n in counts.items() if n >= need), key=lambda a: depth[a])
    if best.tag in ("html", "body"):
        return None
    return best


def _grams(normalized: str, k: int = 6) -> set[str]:
    tokens = normalized.split()
    return {" ".join(tokens[i : i + k]) for i in range(max(1, len(tokens) - k + 1))}


def _chrome_lines(
    tree: lxml.html.HtmlElement,
    main: lxml.html.HtmlElement,
    article_text: str,
    limit_words: int = 260,
    avoid: set[str] | None = None,
) -> list[str]:
    """Visible text lines of a page outside its article: its navigation, footers, disclaimers.

    Lines sharing a 6-word run with ``avoid`` (the articles of the scenario set: a donor's
    "related stories" may quote one) are left out, so chrome never carries a labelled article."""
    inside = set(main.iter())
    article = normalize_text(article_text)
    lines: list[str] = []
    seen: set[str] = set()
    total = 0
    for el in tree.iter("p", "li", "h2", "h3", "h4", "span", "a", "div", "footer", "small"):
        if el in inside or any(child.tag in ("p", "div", "li", "ul", "section") for child in el):
            continue
        if any(a.tag in ("script", "style", "noscript", "head") for a in el.iterancestors()):
            continue
        text = " ".join(el.text_content().split())
        norm = normalize_text(text)
        # One line is one piece of furniture (a policy, a footer); long runs are other content.
        if not 6 <= len(norm.split()) <= 60 or norm in seen or norm in article:
            continue
        if avoid and _grams(norm, 4) & avoid:
            continue
        seen.add(norm)
        lines.append(text)
        total += len(text.split())
        if total >= limit_words:
            break
    return lines


def _rehost(tree: lxml.html.HtmlElement, url: str, site_name: str, title: str | None) -> None:
    """Make a real page claim its new address: own canonical, own site name, no donor metadata."""
    head = tree.find("head")
    if head is None:
        head = lxml.html.Element("head")
        tree.insert(0, head)
    for el in list(tree.iter("link", "meta", "script")):
        drop = False
        if el.tag == "link":
            drop = any(
                r in (el.get("rel") or "").lower().split()
                for r in ("canonical", "amphtml", "alternate", "shortlink")
            )
        elif el.tag == "meta":
            drop = bool(
                _STRIP_META.search(el.get("property") or el.get("name") or el.get("itemprop") or "")
            )
        else:
            drop = (el.get("type") or "").lower() == "application/ld+json"
        if drop and el.getparent() is not None:
            el.getparent().remove(el)
    head.append(lxml.html.Element("link", rel="canonical", href=url))
    head.append(lxml.html.Element("meta", property="og:site_name", content=site_name))
    if title:
        for el in tree.iter("title"):
            el.text = title
            for child in list(el):
                el.remove(child)
        h1 = next(iter(tree.iter("h1")), None)
        if h1 is not None:
            for child in list(h1):
                h1.remove(child)
            h1.text = title


def _paragraph_element(paragraph: str) -> lxml.html.HtmlElement:
    if paragraph.startswith("<"):
        return lxml.html.fragment_fromstring(paragraph)
    el = lxml.html.Element("p")
    el.text = paragraph
    return el


def transplant(
    donor: _Source, url: str, site_name: str, title: str, paragraphs: list[str]
) -> str | None:
    """The donor page with its article replaced by ``paragraphs`` (strings; ones starting with
    ``<`` are HTML, for credit lines with links). None when the donor's article cannot be found."""
    tree = parse_html(donor.html)
    if tree is None:
        return None
    main = _main_node(tree, donor.extracted.paragraphs)
    if main is None:
        return None
    for child in list(main):
        main.remove(child)
    main.text = None
    for paragraph in paragraphs:
        main.append(_paragraph_element(paragraph))
    _rehost(tree, url, site_name, title)
    return lxml.html.tostring(tree, encoding="unicode")


def rehost(source: _Source, url: str, site_name: str) -> str:
    """A real page as it would be served from ``url``."""
    tree = parse_html(source.html)
    assert tree is not None
    _rehost(tree, url, site_name, None)
    return lxml.html.tostring(tree, encoding="unicode")


def _excerpt(paragraphs: list[str]) -> list[str]:
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


def _content_words(text: str) -> set[str]:
    return {w for w in words(text) if len(w) >= 5 and w not in _STOP and not w.isdigit()}


def _similar_pairs(texts: dict[str, str], count: int) -> list[tuple[str, str]]:
    """The ``count`` most similar disjoint pairs of different articles (content-word overlap)."""
    sets = {k: _content_words(v) for k, v in texts.items()}
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


def _copietje(corpus: Path) -> list[tuple[str, str, str]]:
    """(group, file stem, text) of the copietje variants."""
    folder = corpus / "copietje-neardup-variants-and-newsedits" / "variants"
    if not folder.exists():
        return []
    return [
        (p.name.split("_")[0], p.stem, p.read_text(encoding="utf-8", errors="replace"))
        for p in sorted(folder.glob("*.txt"))
    ]


def _text_paragraphs(text: str) -> list[str]:
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if p]


class _Distinct:
    """Keeps the stories of a scenario set apart: the corpus holds a few stories twice (two saved
    copies of one lifehacker article), and labelling those as different articles would be false."""

    def __init__(self) -> None:
        self.seen: list[set[str]] = []

    def admit(self, text: str) -> bool:
        """True (and remembered) when ``text`` shares no real part with an admitted text."""
        grams = _grams(normalize_text(text), 5)
        for other in self.seen:
            if len(grams & other) >= 0.2 * min(len(grams), len(other)):
                return False
        self.seen.append(grams)
        return True


class _Builder:
    def __init__(self, corpus: Path, seed: int) -> None:
        self.corpus = corpus
        self.rng = random.Random(seed)
        self.seed = seed
        self.pages: list[ScenarioPage] = []
        self.sources: dict[str, str] = {}
        # A chrome block (comment policy, footer) that a network of sites prints inside the
        # article container of every page, and the hub pages print beside a short text.
        self.block: list[str] = []
        self.network: set[str] = set()
        self.distinct = _Distinct()
        names = [f"{a} {b}" for a in _FIRST for b in _SECOND]
        random.Random(seed).shuffle(names)
        self._names = iter(names)

    def site(self, donor: _Source | None = None) -> _Site:
        name = next(self._names)
        return _Site(name=name, host=name.lower().replace(" ", "") + ".example", donor=donor)

    def tail(self, site: _Site) -> list[str]:
        """What a site prints under every article inside the article container."""
        return list(self.block) if site.host in self.network else []

    def add(self, **fields) -> ScenarioPage:
        page = ScenarioPage(**fields)
        self.pages.append(page)
        return page


def _keeps_outside_credit(paragraphs: list[str], url: str) -> bool:
    """Whether copied paragraphs carry a credit line of their own (the origin's source)."""
    page = "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)
    return bool(find_credits(page, url))


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
    candidates = _corpus_pages(corpus, seed)
    if not candidates:
        raise FileNotFoundError(f"no corpus pages under {corpus}")
    bodies: list[_Source] = []
    donor_sources: list[_Source] = []
    rest: list[tuple[str, Path, str]] = []
    for source_id, path, url in candidates:
        size = path.stat().st_size * (4 if path.suffix == ".gz" else 1)
        wanted_body = len(bodies) < articles and size <= _MAX_SOURCE_BYTES
        wanted_donor = len(donor_sources) < donors and size <= _MAX_DONOR_BYTES
        if not (wanted_body or wanted_donor):
            rest.append((source_id, path, url))
            continue
        html = _read_html(path)
        extracted = extract(html, url)
        if not _good_article(extracted) or not b.distinct.admit(extracted.text):
            rest.append((source_id, path, url))
            continue
        source = _Source(source_id, html, url, extracted)
        tree = parse_html(html)
        # Donors alternate with bodies so both draw from the whole corpus.
        if wanted_donor and (
            not wanted_body or len(donor_sources) * articles <= len(bodies) * donors
        ):
            main = _main_node(tree, extracted.paragraphs) if tree is not None else None
            if main is not None and _chrome_lines(tree, main, extracted.text):
                donor_sources.append(source)
                continue
        if wanted_body:
            bodies.append(source)
        else:
            rest.append((source_id, path, url))
    sites = [b.site(d) for d in donor_sources]
    if len(sites) < 4:
        raise ValueError(f"only {len(sites)} usable donor pages in {corpus}")
    avoid = set().union(
        *(
            _grams(normalize_text(f"{source.extracted.title}\n{source.extracted.text}"), 4)
            for source in bodies
        )
    )
    blocks = [_donor_chrome(site.donor, avoid=avoid) for site in sites]
    b.block = max(blocks, key=lambda lines: sum(len(x.split()) for x in lines))
    b.network = {sites[0].host, sites[1].host}

    for index, source in enumerate(bodies):
        _article_group(b, index, source, sites)
    _negative_controls(b, rest, sites, similar_pairs, hub_pages, bodies)
    _copietje_groups(b)
    return ScenarioSet(b.pages, b.sources)


def _article_group(b: _Builder, index: int, source: _Source, sites: list[_Site]) -> None:
    key = f"article-{index:02d}"
    b.sources[key] = source.source
    family = _FAMILIES[index % len(_FAMILIES)]
    title = source.extracted.title or "Untitled"
    body = source.extracted.paragraphs
    day = _START + timedelta(days=index)
    home = b.site()
    slug = _slug(title, key)
    origin_url = home.url(slug, day)
    # Each family has its own dating, so that the evidence named in the label is what decides.
    credits_decide = family in ("chain", "credit-added")
    no_dates = family == "headline-byline"
    if credits_decide:
        origin_published, origin_seen = None, day + timedelta(days=3)
    elif no_dates:
        origin_published, origin_seen = None, day
    else:
        origin_published, origin_seen = _iso(day), day + timedelta(days=2)
    # The excerpts credit their origin too (a credit line, or a linked "Read more at" line):
    # credits come first even where the dates agree.
    if credits_decide or family in ("plain-excerpt", "excerpt"):
        evidence = "credits"
    else:
        evidence = "first_seen" if no_dates else "published"
    b.add(
        url=origin_url, site_name=home.name, key=key, role="origin", family=family,
        fetched_at=_iso(origin_seen), published=origin_published, title=title,
        byline=source.extracted.byline, html=rehost(source, origin_url, home.name), origin_evidence=evidence,
    )  # fmt: skip
    copy = 0
    used: set[str] = set()

    def repost(
        paragraphs, role="repost", new_title=None, byline=None, credit_html=None, credited=None
    ):
        nonlocal copy
        copy += 1
        # A different site for every copy of one article while there are enough sites.
        rotation = [sites[(index + 3 * copy + step) % len(sites)] for step in range(len(sites))]
        site = next((s for s in rotation if s.host not in used), rotation[0])
        used.add(site.host)
        seen = day + timedelta(hours=6 * copy)
        published = None if no_dates else _iso(day + timedelta(hours=2 + 6 * copy))
        url = site.url(f"{_slug(new_title or title, key)}-{copy}", seen)
        if credited is None:
            # A copy that keeps the origin's own credit line ("This article was originally
            # published by Futurism") credits the origin's source, which is upstream of it.
            credited = _keeps_outside_credit(paragraphs, url)
        content = list(paragraphs) + ([credit_html] if credit_html else []) + b.tail(site)
        html = transplant(site.donor, url, site.name, new_title or title, content)
        if html is None:
            return None
        b.add(
            url=url, site_name=site.name, key=key, role=role, family=family, fetched_at=_iso(seen),
            published=published, title=new_title or title, byline=byline or source.extracted.byline, html=html,
            credited=credited,
        )  # fmt: skip
        return url, site

    link = f'<a href="{html_lib.escape(origin_url)}">{html_lib.escape(home.name)}</a>'
    # Two plain reposts in two different sites' chrome: the same article with other boilerplate.
    repost(body)
    repost(body)
    if family == "excerpt":
        # A linked "Read more at" line points readers to the full text: a credit (kind read-more).
        repost(
            _excerpt(body),
            role="excerpt",
            credit_html=f"<p>Read more at {link}.</p>",
            credited=True,
        )
    elif family == "headline-byline":
        repost(
            body,
            new_title=f"{title.split(':')[0]}: what we know so far",
            byline="By Staff and Agencies",
        )
    elif family == "chain":
        first = repost(
            body,
            credit_html=f"<p>This article was originally published by {link}.</p>",
            credited=True,
        )
        if first:
            _, middle = first
            repost(body, credit_html=f"<p>Go to Original – {middle.name}</p>", credited=True)
        repost(body[:-1])  # the credit line and the closing paragraph removed: an uncredited copy
    elif family == "light-edits":
        cut = len(body) // 2
        edited = _typos(body[:cut] + body[cut + 1 :], b.rng)
        edited.insert(1, "Editor's note: this story has been updated with additional reporting.")
        repost(edited)
    elif family == "credit-added":
        line = f"<p>Republished from {html_lib.escape(home.name)} under a Creative Commons license.</p>"
        repost(body, credit_html=line, credited=True)
    elif family == "plain-excerpt":
        site = sites[(index + 5) % len(sites)]
        seen = day + timedelta(hours=30)
        url = site.url(_slug(title, key) + "-teaser", seen)
        line = f"Read more: this story first appeared on {home.name}."
        b.add(
            url=url, site_name=site.name, key=key, role="excerpt", family=family, fetched_at=_iso(seen),
            published=_iso(day + timedelta(hours=26)), title=title, paragraphs=[*_excerpt(body), line, *b.tail(site)],
            credits=[{"kind": "first-appeared", "evidence": line, "target_url": None, "target_site": None, "target_name": home.name}],
            credited=True,
        )  # fmt: skip


def _negative_controls(
    b: _Builder,
    rest: list[tuple[str, Path, str]],
    sites: list[_Site],
    pairs: int,
    hub_pages: int,
    bodies: list[_Source],
) -> None:
    shub = b.corpus / "scrapinghub-article-extraction-benchmark" / "ground-truth.json"
    truth = json.loads(shub.read_text(encoding="utf-8")) if shub.exists() else {}
    by_prefix = {k[:12]: v.get("articleBody") or "" for k, v in truth.items()}
    pool = {sid: path for sid, path, _ in rest if sid.startswith("scrapinghub/")}
    texts = {sid: by_prefix.get(sid.split("/", 1)[1], "") for sid in pool}
    texts = {
        sid: t
        for sid, t in sorted(texts.items())
        if 250 <= len(t.split()) <= 3000 and b.distinct.admit(t)
    }
    day = _START + timedelta(days=60)
    used: set[str] = set()
    for number, (first, second) in enumerate(_similar_pairs(texts, pairs)):
        used.update((first, second))
        for side, sid in enumerate((first, second)):
            html = _read_html(pool[sid])
            extracted = extract(html)
            if len(extracted.paragraphs) < 3:
                continue
            key = f"single-{sid.split('/', 1)[1]}"
            b.sources[key] = sid
            seen = day + timedelta(days=number, hours=side)
            if side == 0:
                home = b.site()
                url = home.url(_slug(extracted.title, key), seen)
                page_html, name = (
                    rehost(_Source(sid, html, "", extracted), url, home.name),
                    home.name,
                )
            else:
                site = sites[number % len(sites)]
                url = site.url(_slug(extracted.title, key), seen)
                content = extracted.paragraphs + b.tail(site)
                page_html = transplant(
                    site.donor, url, site.name, extracted.title or "Untitled", content
                )
                name = site.name
                if page_html is None:
                    continue
            b.add(
                url=url, site_name=name, key=key, role="single", family="similar-topic", fetched_at=_iso(seen),
                published=_iso(seen), title=extracted.title, html=page_html,
            )  # fmt: skip
    # Short pages of one hub site sharing a long chrome block (a comment policy, a footer)
    # with each other and with every page of the network sites.
    hub = b.site()
    block = b.block
    shorts = [sid for sid in sorted(texts) if sid not in used][:hub_pages]
    for number, sid in enumerate(shorts):
        paragraphs = [p for p in texts[sid].split("\n") if len(p.split()) >= 12][:2]
        if not paragraphs:
            continue
        key = f"single-{sid.split('/', 1)[1]}"
        b.sources[key] = sid
        seen = day + timedelta(days=20 + number)
        b.add(
            url=hub.url(f"brief-{number}", seen), site_name=hub.name, key=key, role="single", family="shared-boilerplate",
            fetched_at=_iso(seen), published=_iso(seen), title=f"Brief {number}", paragraphs=[*paragraphs, *block],
        )  # fmt: skip
    # An aggregator: the first sentence of every reposted article, and the hub's chrome.
    leads = []
    for source in bodies:
        first = re.split(r"(?<=[.!?])\s", source.extracted.paragraphs[0], maxsplit=1)[0]
        leads.append(first)
    seen = day + timedelta(days=40)
    b.add(
        url=hub.url("todays-headlines", seen), site_name=hub.name, key="single-aggregator", role="single",
        family="aggregator", fetched_at=_iso(seen), published=_iso(seen), title="Today's headlines",
        paragraphs=[*leads, *block],
    )  # fmt: skip


def _donor_chrome(
    donor: _Source, limit_words: int = 220, avoid: set[str] | None = None
) -> list[str]:
    """A donor page's chrome as text lines (its navigation, footer, comment policy...)."""
    tree = parse_html(donor.html)
    main = _main_node(tree, donor.extracted.paragraphs) if tree is not None else None
    return (
        _chrome_lines(tree, main, donor.extracted.text, limit_words, avoid)
        if main is not None
        else []
    )


def _copietje_groups(b: _Builder) -> None:
    variants = _copietje(b.corpus)
    origins = {
        "1": "1_txt",
        "2": "2_fulltext_odt",
        "3": "3_fulltext_odt",
        "4": "4_fulltext_odt",
        "5": "5_fulltext_odt",
    }
    day = _START + timedelta(days=120)
    for number, (group, stem, text) in enumerate(variants):
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
        paragraphs = _text_paragraphs(text)
        b.add(
            url=site.url(stem.replace("_", "-"), when), site_name=site.name, key=key, role=role, family="copietje",
            fetched_at=_iso(seen), published=_iso(when), title=f"Story {group}", paragraphs=paragraphs,
            origin_evidence="published" if is_origin else None, credited=None if is_origin else False,
        )  # fmt: skip
