"""Construction checks shared by the held-out sets' build tests (``test_holdout6_build.py``,
``test_holdout7_build.py``): the same checks of wordings, charsets, Unicode links, determinism
and corpus text, each given what differs from one set to another."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from tests.conftest import ROOT, corpus_path

sys.path.insert(0, str(ROOT / "bench"))
import scenario_holdout5  # noqa: E402


def words(template: str) -> str:
    """A wording's words, lower-cased, placeholders and link brackets left out."""
    return " ".join(re.findall(r"\w+", re.sub(r"\{\w+\}|\[\[|\]\]", "", template))).lower()


def check_wording_overlap(
    phrasings: dict[str, Any], groups: Iterable[str], earlier_files: Iterable[str]
) -> None:
    """Every wording that repeats an earlier file's is marked ``overlap``; near-repeats are
    marked too, and all of them together stay under a quarter; every disclaimer says where it
    was found and repeats no earlier disclaimer line."""
    groups, earlier_files = tuple(groups), tuple(earlier_files)
    first = yaml.safe_load((ROOT / "bench" / "phrasings.yml").read_text(encoding="utf-8"))
    earlier = {t for g in ("linked", "unlinked", "bare_link") for t in first[g]}
    for name in earlier_files:
        data = yaml.safe_load((ROOT / "bench" / name).read_text(encoding="utf-8"))
        earlier |= {e["template"] for g in groups if g in data for e in data[g]}
    seen = {words(t) for t in earlier}
    entries = [e for g in groups for e in phrasings[g]]
    repeated = {e["template"] for e in entries if words(e["template"]) in seen}
    marked = {e["template"] for e in entries if e.get("overlap")}
    assert repeated <= marked
    assert len(marked) * 4 <= len(entries)
    old_lines = set()
    for name in ("phrasings_disclaimers.yml", *earlier_files):
        data = yaml.safe_load((ROOT / "bench" / name).read_text(encoding="utf-8"))
        for entry in data.get("disclaimers", []) + data.get("sites", []):
            old_lines |= set(entry["paragraphs"] if isinstance(entry, dict) else entry)
    for entry in phrasings["disclaimers"]:
        assert entry["found"] and not set(entry["paragraphs"]) & old_lines


def check_header_charsets(
    built: Any, charsets: Iterable[tuple[str, str, Any]], earlier: Iterable[ModuleType]
) -> None:
    """The header-charset origins: at least six pages in four charsets no earlier set used,
    encoded in their charset (not valid UTF-8), the charset only in the HTTP header."""
    origins = [p for p in built.pages if p.family == "header-charset" and p.role == "origin"]
    assert len(origins) >= 6 and len({p.charset for p in origins}) >= 4
    used = {name for module in earlier for name, _, _ in module.CHARSETS}
    assert not {p.charset for p in origins} & used
    codecs = {name: codec for name, codec, _ in charsets}
    for page in origins:
        assert page.charset in page.content_type.lower()
        assert not re.search(rb"<meta[^>]+charset", page.body_bytes, re.I)
        text = page.body_bytes.decode(codecs[page.charset])
        assert len(page.expect_words) >= 5
        assert all(word in text for word in page.expect_words)
        with pytest.raises(UnicodeDecodeError):
            page.body_bytes.decode("utf-8")


def check_unicode_links(built: Any) -> None:
    """The Unicode credit targets: stored percent-encoded, linked in Unicode in the copy's HTML,
    one of them on an internationalised host."""
    pairs = [
        (pages[0], pages[1])
        for pages in built.groups().values()
        if pages[0].family == "unicode-credit-target"
    ]
    hosts = []
    for origin, copy in pairs:
        assert origin.role == "origin" and copy.expect_credit_target == origin.url
        assert origin.url.isascii() and "%" in origin.url and origin.url not in (copy.html or "")
        host = origin.url.split("/")[2]
        shown = host.encode("ascii").decode("idna")
        hosts.append(shown != host)
        written = origin.url.replace(host, shown, 1)
        assert f'href="{unquote(written)}"' in (copy.html or "")
    assert len(pairs) >= 6 and hosts.count(True) == 1


def check_deterministic(built: Any, build: Callable[[Any], Any], module: ModuleType) -> None:
    """Building again gives the same pages, byte for byte, and the same JSON."""
    again = build(corpus_path())
    for first, second in zip(built.pages, again.pages, strict=True):
        assert (first.url, first.html, first.body_bytes) == (second.url, second.html, second.body_bytes)  # fmt: skip
    assert module.write_json(again) == module.write_json(built)


def _shingles(text: str, size: int = 8) -> set[str]:
    tokens = text.lower().split()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def check_no_corpus_text(built: Any, own_files: Iterable[str], seed: int) -> None:
    """No sentence of an article body is written into the set's files (the corpus is read at run
    time): no eight-word run of a chosen article's paragraph openings is in them."""
    own = _shingles(" ".join((ROOT / name).read_text(encoding="utf-8") for name in own_files))
    chosen = set(built.sources.values())
    openings = {
        " ".join(paragraph.split()[:8]).lower()
        for source in scenario_holdout5.all_sources(corpus_path(), seed)
        if source.source in chosen
        for paragraph in source.paragraphs
        if len(paragraph.split()) >= 8
    }
    assert len(openings) >= 500
    assert not openings & own


def check_family_counts(
    counts: dict[str, Any],
    sizes: dict[str, tuple[int, int | None]],
    families: Iterable[str],
    built: Any,
) -> None:
    """Every family built, with at least its articles and its pages per article; the seed chain
    in its two variants; 60–90 articles and 150 pages or more; two disclaimer sites of 10+ pages."""
    assert set(sizes) == set(families)
    for family, (articles, pages_each) in sizes.items():
        got = counts[family]
        assert got["articles"] >= articles, family
        if pages_each:
            assert got["pages"] == pages_each * got["articles"], family
    assert counts["seed-chain"]["articles"] == 2
    assert 60 <= len(built.groups()) <= 90 and len(built.pages) >= 150
    sites = counts["disclaimer sites"]
    assert len(sites) == 2 and min(sites.values()) >= 10


def check_roles(built: Any, problems: list[str]) -> list[Any]:
    """No construction problem; one origin per article, one family per article, no page
    declaring a site name; the noise copies credit nobody. Returns the noise copies."""
    assert problems == []
    for key, pages in built.groups().items():
        roles = sorted(p.role for p in pages)
        assert roles[0] == "origin" and roles.count("origin") == 1, key
        assert {p.family for p in pages} == {pages[0].family}, key
        assert not any(p.declare_site_name for p in pages), key
    copies = [p for p in built.pages if p.family == "noise" and p.role == "repost"]
    assert copies and not any(p.credited or p.credit_phrasing for p in copies)
    return copies
