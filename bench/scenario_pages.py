"""Building blocks of the LABELLED AS BUILT scenario sets: real corpus pages, read and re-hosted.

Nothing here asks tracker what a page says. Articles are chosen by the Scrapinghub benchmark's
ground truth (its hand-checked article bodies, paragraphs separated by blank lines), titles are
read from the page's own ``og:title`` / ``<title>`` markup, and a page's article container is
found by matching the ground-truth paragraphs against the page's blocks. Credit lines come from
``bench/phrasings.yml``, a list kept apart from tracker's attribution module.
"""

from __future__ import annotations

import gzip
import hashlib
import html as html_lib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import lxml.html
import yaml

BENCH = Path(__file__).resolve().parent
LABEL = "LABELLED AS BUILT: synthetic repost scenarios made from real corpus pages; labels are true by construction"
SHUB = "scrapinghub-article-extraction-benchmark"
# 70 % development, 30 % held out, by a hash of the source article id: fixed before any held-out
# figure was looked at. Change it and every held-out figure measured so far means nothing.
HELDOUT_PERCENT = 30

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
_FOLD = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
_WORD = re.compile(r"\w+", re.UNICODE)
# An article whose own body already credits someone else is not a clean origin: its copies would
# credit a site outside the scenario. The builder's own rule, not tracker's detector.
_OWN_CREDIT = re.compile(
    r"originally (?:published|appeared|posted)|first (?:published|appeared)|appeared first|"
    r"republished|reprinted|this (?:article|story) (?:was|is) (?:produced|published) (?:by|in partnership)",
    re.I,
)


def split_of(source: str) -> str:
    """``dev`` or ``heldout`` for a source article id (stable: a hash, not an order)."""
    bucket = int(hashlib.sha256(f"split:{source}".encode()).hexdigest()[:8], 16) % 100
    return "heldout" if bucket < HELDOUT_PERCENT else "dev"


@dataclass
class ScenarioPage:
    """One page of a scenario set, with its labels.

    ``html`` pages go through tracker's extraction like crawled pages (``body_bytes`` and
    ``content_type`` when the page is served as bytes with its charset in the HTTP header only);
    ``paragraphs`` pages are stored as given with the explicit ``credits``. ``published`` and
    ``title`` are the values the scenario declares. The ``expect_*`` fields are the judgement
    labels of the new families (None: not scored).
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
    source: str = ""
    body_bytes: bytes | None = None
    content_type: str | None = None
    declare_site_name: bool = True
    expect_retained: float | None = None
    expect_credit_target: str | None = None
    expect_words: list[str] | None = None
    expect_absent: list[str] | None = None
    credit_phrasing: str | None = None

    @property
    def split(self) -> str:
        """The split of the article this page carries."""
        return split_of(self.source or self.key)


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

    def only(self, split: str | None) -> ScenarioSet:
        """The pages of one split (``None``: all)."""
        if split is None:
            return self
        return ScenarioSet([p for p in self.pages if p.split == split], self.sources)


@dataclass
class Source:
    """A real corpus page with its hand-checked article body."""

    source: str
    html: str
    url: str
    title: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        """The article body."""
        return "\n".join(self.paragraphs)


def fold(text: str) -> str:
    """Text as the builder compares it: NFKC, typographic quotes and dashes folded, lower case,
    words only."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    return " ".join(_WORD.findall(text))


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()


def grams(folded: str, k: int = 6) -> set[str]:
    """Word ``k``-grams of folded text."""
    tokens = folded.split()
    return {" ".join(tokens[i : i + k]) for i in range(max(1, len(tokens) - k + 1))}


@cache
def phrasings(name: str = "phrasings.yml") -> dict[str, list]:
    """A phrasing data file of ``bench/`` (credit lines, disclaimers)."""
    return yaml.safe_load((BENCH / name).read_text(encoding="utf-8"))


class CreditLine(str):
    """A credit paragraph (HTML) that remembers the phrasing it was written from."""

    phrasing: str = ""


class Cycle:
    """The entries of one phrasing group in turn, from ``start``: every phrasing gets used."""

    def __init__(self, group: str, start: int = 0) -> None:
        self.items: list[str] = list(phrasings()[group])
        self.turn = start

    def __call__(self) -> str:
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        return item


def credit_line(template: str, name: str, url: str | None, linked: bool) -> CreditLine:
    """One credit paragraph (HTML) from a phrasing template."""
    site = (
        f'<a href="{html_lib.escape(url)}">{html_lib.escape(name)}</a>'
        if linked and url
        else html_lib.escape(name)
    )
    link = f'<a href="{html_lib.escape(url)}">{html_lib.escape(url)}</a>' if url else ""
    line = CreditLine("<p>" + template.replace("{site}", site).replace("{url}", link) + "</p>")
    form = "bare link" if "{site}" not in template else ("linked" if linked and url else "plain")
    line.phrasing = f"{form}: {template}"
    return line


def phrasing_of(paragraphs: list[str]) -> str | None:
    """The phrasing of the credit line among ``paragraphs``, if the builder wrote one."""
    return next((p.phrasing for p in paragraphs if isinstance(p, CreditLine)), None)


def read_html(path: Path) -> str:
    """A saved page as text (the corpus pages are UTF-8)."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


def parse(html: str) -> lxml.html.HtmlElement | None:
    """The page's tree, or None when lxml cannot read it."""
    try:
        return lxml.html.document_fromstring(
            html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except (lxml.etree.ParserError, ValueError):
        return None


def page_title(tree: lxml.html.HtmlElement) -> str:
    """The page's own headline: ``og:title``, else ``<title>``, else the first ``<h1>``."""
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in (
            "og:title",
            "twitter:title",
        ):
            if (meta.get("content") or "").strip():
                return " ".join(meta.get("content").split())
    for tag in ("title", "h1"):
        el = next(iter(tree.iter(tag)), None)
        if el is not None and el.text_content().strip():
            return " ".join(el.text_content().split())
    return ""


def latin(text: str) -> bool:
    """Mostly Latin script (no CJK or Hangul bodies: the scenarios' word counts assume spaces)."""
    return sum(1 for ch in text if ord(ch) >= 0x2E80) < 0.05 * max(1, len(text))


def corpus_sources(corpus: Path, order: str) -> list[tuple[str, Path, str, list[str]]]:
    """(source id, file, URL, ground-truth paragraphs) of the benchmark's pages, in a seeded order."""
    shub = corpus / SHUB
    truth_file = shub / "ground-truth.json"
    if not truth_file.exists():
        raise FileNotFoundError(f"no {SHUB}/ground-truth.json under {corpus}")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    found = []
    for key, item in truth.items():
        path = shub / "html" / f"{key}.html.gz"
        body = item.get("articleBody") or ""
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", body)]
        if path.exists():
            found.append((key, path, item.get("url") or "", [p for p in paragraphs if p]))
    return sorted(found, key=lambda item: hashlib.sha1(f"{order}:{item[0]}".encode()).hexdigest())


def good_body(paragraphs: list[str]) -> bool:
    """An article the scenarios can repost: long enough, not too long, Latin script, no credit of
    its own in its last paragraphs."""
    text = "\n".join(paragraphs)
    count = len(text.split())
    return (
        len(paragraphs) >= 6
        and 300 <= count <= 3000
        and latin(text)
        and not _OWN_CREDIT.search("\n".join(paragraphs[-3:]))
    )


def load_source(key: str, path: Path, url: str, paragraphs: list[str]) -> Source | None:
    """The page with its body and own title; None when the page has no readable title."""
    html = read_html(path)
    tree = parse(html)
    title = page_title(tree) if tree is not None else ""
    if not title:
        return None
    return Source(f"scrapinghub/{key}", html, url, title, paragraphs)


def _hits(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> list[lxml.html.HtmlElement]:
    """For each article paragraph, the smallest block element holding it."""
    snippets = [fold(p)[:70] for p in paragraphs if len(p.split()) >= 8][:40]
    blocks = []
    for el in tree.iter(*_BLOCK_TAGS):
        text = el.text_content()
        if 20 <= len(text) <= 6000:
            blocks.append((len(text), fold(text), el))
    blocks.sort(key=lambda item: item[0])
    found = []
    for snippet in snippets:
        for _, text, el in blocks:
            if snippet in text:
                found.append(el)
                break
    return found


def main_node(tree: lxml.html.HtmlElement, paragraphs: list[str]) -> lxml.html.HtmlElement | None:
    """The deepest element holding most of the page's ground-truth paragraphs."""
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
    return None if best.tag in ("html", "body") else best


def chrome_lines(
    source: Source, limit_words: int = 220, avoid: set[str] | None = None
) -> list[str]:
    """A page's visible text outside its article (navigation, footers, policies), one line per
    piece of furniture; lines sharing a 4-word run with ``avoid`` (the scenario's articles) are
    left out, so chrome never carries a labelled article."""
    tree = parse(source.html)
    main = main_node(tree, source.paragraphs) if tree is not None else None
    if tree is None or main is None:
        return []
    inside = set(main.iter())
    article = fold(source.text)
    lines: list[str] = []
    seen: set[str] = set()
    total = 0
    for el in tree.iter("p", "li", "h2", "h3", "h4", "span", "a", "div", "footer", "small"):
        if el in inside or any(child.tag in ("p", "div", "li", "ul", "section") for child in el):
            continue
        if any(a.tag in ("script", "style", "noscript", "head") for a in el.iterancestors()):
            continue
        text = " ".join(el.text_content().split())
        norm = fold(text)
        if not 6 <= len(norm.split()) <= 60 or norm in seen or norm in article:
            continue
        if avoid and grams(norm, 4) & avoid:
            continue
        seen.add(norm)
        lines.append(text)
        total += len(text.split())
        if total >= limit_words:
            break
    return lines


def _rehost(
    tree: lxml.html.HtmlElement,
    url: str,
    site_name: str | None,
    title: str | None,
    canonical: str | None = None,
) -> None:
    """Make a real page claim its new address: own canonical, own site name, no donor metadata."""
    head = tree.find("head")
    if head is None:
        head = lxml.html.Element("head")
        tree.insert(0, head)
    for el in list(tree.iter("link", "meta", "script")):
        if el.tag == "link":
            rels = (el.get("rel") or "").lower().split()
            drop = any(r in rels for r in ("canonical", "amphtml", "alternate", "shortlink"))
        elif el.tag == "meta":
            name = el.get("property") or el.get("name") or el.get("itemprop") or ""
            drop = bool(_STRIP_META.search(name))
        else:
            drop = (el.get("type") or "").lower() == "application/ld+json"
        if drop and el.getparent() is not None:
            el.getparent().remove(el)
    head.append(lxml.html.Element("link", rel="canonical", href=canonical or url))
    if site_name:
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


def paragraph_element(paragraph: str) -> lxml.html.HtmlElement:
    """A ``<p>`` of text, or the given HTML when the string starts with ``<``."""
    if paragraph.startswith("<"):
        return lxml.html.fragment_fromstring(paragraph)
    el = lxml.html.Element("p")
    el.text = paragraph
    return el


def transplant(
    donor: Source,
    url: str,
    site_name: str | None,
    title: str,
    paragraphs: list[str],
    canonical: str | None = None,
) -> str | None:
    """The donor page with its article replaced by ``paragraphs`` (strings; ones starting with
    ``<`` are HTML, for credit lines with links). None when the donor's article cannot be found."""
    tree = parse(donor.html)
    main = main_node(tree, donor.paragraphs) if tree is not None else None
    if tree is None or main is None:
        return None
    for child in list(main):
        main.remove(child)
    main.text = None
    for paragraph in paragraphs:
        main.append(paragraph_element(paragraph))
    _rehost(tree, url, site_name, title, canonical)
    return lxml.html.tostring(tree, encoding="unicode")


def rehost(source: Source, url: str, site_name: str) -> str:
    """A real page as it would be served from ``url``."""
    tree = parse(source.html)
    assert tree is not None
    _rehost(tree, url, site_name, None)
    return lxml.html.tostring(tree, encoding="unicode")


class Distinct:
    """Keeps the stories of a scenario set apart: the corpus holds a few stories twice, and
    labelling those as different articles would be false."""

    def __init__(self) -> None:
        self.seen: list[set[str]] = []

    def admit(self, text: str) -> bool:
        """True (and remembered) when ``text`` shares no real part with an admitted text."""
        mine = grams(fold(text), 5)
        for other in self.seen:
            if len(mine & other) >= 0.2 * min(len(mine), len(other)):
                return False
        self.seen.append(mine)
        return True
