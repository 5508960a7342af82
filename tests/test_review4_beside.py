"""Review of attribution.beside_lines: text no reader sees is neither a line nor where the
article is found."""

from __future__ import annotations

import json

from tracker.attribution import beside_lines
from tracker.html import parse_html

_LONG = (
    "The harbour ferry crew counted gulls near the pier while the night clerk logged every "
    "crossing in a green ledger."
)
_LD = json.dumps(
    {"@type": "NewsArticle", "articleBody": _LONG, "publisher": {"name": "Basalt Wire"}},
    separators=(",", ":"),
)


def test_json_ld_before_the_article_is_not_taken_for_its_start():
    """The page's JSON-LD (in <head> or at the top of <body>) repeats the article's text: the
    lines before the article are those beside its first paragraph, not the <head>'s text."""
    for where in ("head", "body"):
        script = f'<script type="application/ld+json">{_LD}</script>'
        head = script if where == "head" else ""
        top = script if where == "body" else ""
        html = (
            f"<html><head><title>Ferry story</title>{head}</head><body>{top}<article>"
            f"<p>Courtesy of Harbour Voice</p><p>{_LONG}</p></article></body></html>"
        )
        lines = [c.evidence for c in beside_lines(parse_html(html), [_LONG])]
        assert lines == ["Courtesy of Harbour Voice"], where


def test_a_json_data_block_beside_the_article_is_no_line():
    """Parsing keeps JSON scripts (metadata); their text is no line a reader sees."""
    html = (
        f"<html><body><article><p>{_LONG}</p><div>"
        '<script type="application/json">{"tags": ["ferries"], "env": "prod"}</script>'
        "<span>Thanks to Harbour Voice</span></div></article></body></html>"
    )
    lines = [c.evidence for c in beside_lines(parse_html(html), [_LONG])]
    assert lines == ["Thanks to Harbour Voice"]
