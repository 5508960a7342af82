"""Construction checks of the held-out sets built the holdout4 way (``bench/scenario_holdout4.py``,
``bench/scenario_holdout5.py``): what was built against what its labels say. Nothing here runs
tracker. Each set's module gives its families, charsets and written credit lines."""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from types import ModuleType

from scenario_pages import ScenarioPage, ScenarioSet

# The credited labels of each family's copies, in the order they are built (noise: all False).
WANT: dict[str, list[bool | None]] = {
    "silent-intermediary": [False, True],
    "bare-link": [True, True],
    "unlinked-phrase": [True],
    "canonical-syndication": [None],
    "backdated-credit": [True],
    "re-paragraphed": [False],
    "unicode-credit-target": [True],
    "header-charset": [False],
    "new-disclaimer": [False, True],
}
_SHAPES = ("skin", "placement", "link_form", "charset")


def _want(family: str, key: str, copies: list[ScenarioPage]) -> list[bool | None]:
    if family == "noise":
        return [False for _ in copies]
    if family == "seed-chain":
        return [key.endswith("-1"), True]
    return WANT[family]


def _unicode_problems(key: str, origin: ScenarioPage, copy: ScenarioPage) -> list[str]:
    problems = []
    if copy.expect_credit_target != origin.url:
        problems.append(f"{key}: credit target is not the stored origin")
    if not re.search(r'href="https://[^"]*[^\x00-\x7f]', copy.html or ""):
        problems.append(f"{key}: the credit link is not in its Unicode form")
    if not origin.url.isascii():
        problems.append(f"{key}: the origin is not stored at its ASCII address")
    return problems


def _site_problems(scenarios: ScenarioSet) -> list[str]:
    problems = []
    named = Counter(p.site_name for p in scenarios.pages if p.role != "origin" and p.family != "canonical-syndication")  # fmt: skip
    unnamed = Counter(p.site_name for p in scenarios.pages if p.family == "canonical-syndication" and p.role != "origin")  # fmt: skip
    for name, count in unnamed.items():
        if named[name] <= count:
            problems.append(f"syndicator {name}: {named[name]} named pages against {count} unnamed")
    hosts = Counter(p.url.split("/")[2] for p in scenarios.pages if p.expect_absent is not None)
    for host, count in sorted(hosts.items()):
        if count < 10:
            problems.append(f"disclaimer site {host}: {count} pages, want 10+")
    if len(hosts) < 2:
        problems.append(f"{len(hosts)} disclaimer sites, want 2")
    served = Counter(p.url.split("/")[2] for p in scenarios.pages)
    for host in hosts:
        if served[host] != hosts[host]:
            problems.append(f"disclaimer site {host}: a page without the disclaimer")
    for page in scenarios.pages:
        if page.expect_absent is not None and page.html is not None:
            if not all(html_lib.escape(line, quote=False) in page.html for line in page.expect_absent):  # fmt: skip
                problems.append(f"{page.url}: disclaimer not in the page")
    urls = Counter(p.url for p in scenarios.pages)
    problems.extend(f"{url}: built twice" for url, n in urls.items() if n > 1)
    return problems


class SetChecks:
    """The checks of one set: ``built`` is its scenario module (``ALL_FAMILIES``, ``CHARSETS``,
    ``PHRASINGS``, ``template_of``, ``templates``); ``shortener`` is the host of the
    unresolvable link its noise family writes."""

    def __init__(self, built: ModuleType, shortener: str) -> None:
        self.built = built
        self.shortener = shortener

    def family_counts(self, scenarios: ScenarioSet) -> dict[str, dict[str, int]]:
        """Articles and pages per family, pages per disclaimer site, and the shapes written."""
        out: dict[str, dict[str, int]] = {}
        for family in self.built.ALL_FAMILIES:
            pages = [p for p in scenarios.pages if p.family == family]
            out[family] = {"articles": len({p.key for p in pages}), "pages": len(pages)}
        hosts = Counter(p.url.split("/")[2] for p in scenarios.pages if p.expect_absent is not None)
        out["disclaimer sites"] = dict(sorted(hosts.items()))
        for name in _SHAPES:
            values = Counter(getattr(p, name, None) for p in scenarios.pages)
            out[name + "s"] = dict(sorted((k, v) for k, v in values.items() if k))
        forms = Counter(
            p.credit_phrasing.split(": ", 1)[0] for p in scenarios.pages if p.credit_phrasing
        )
        out["credit forms"] = dict(sorted(forms.items()))
        return out

    def construction_problems(self, scenarios: ScenarioSet) -> list[str]:
        """Where the built set breaks its own labelling rules (empty when consistent)."""
        problems = []
        templates = self.built.templates
        known = set(templates("site")) | set(templates("bare_link")) | set(templates("seed"))
        for key, pages in sorted(scenarios.groups().items()):
            family = pages[0].family
            origins = [p for p in pages if p.role == "origin"]
            if len(origins) != 1:
                problems.append(f"{key}: {len(origins)} origins")
                continue
            origin = origins[0]
            if any(p.family != family for p in pages):
                problems.append(f"{key}: pages of several families")
            copies = [p for p in pages if p.role != "origin"]
            want = _want(family, key, copies)
            if [p.credited for p in copies] != want:
                problems.append(
                    f"{key}: credited labels {[p.credited for p in copies]}, want {want}"
                )
            for page in copies:
                problems.extend(self._copy_problems(page, known))
            if any((p.published or "") < (origin.published or "") for p in copies if p.published) and family != "backdated-credit":  # fmt: skip
                problems.append(f"{key}: a copy dated before its origin")
            if family == "backdated-credit" and not (copies[0].published or "") < (origin.published or ""):  # fmt: skip
                problems.append(f"{key}: copy not dated before its origin")
            if family == "header-charset":
                problems.extend(self.charset_problems(key, origin))
            if family == "re-paragraphed" and copies[0].expect_retained != 1.0:
                problems.append(f"{key}: re-paragraphed copy without its retained label")
            if family == "unicode-credit-target":
                problems.extend(_unicode_problems(key, origin, copies[0]))
            if family == "canonical-syndication":
                html = copies[0].html or ""
                if f'rel="canonical" href="{html_lib.escape(origin.url)}"' not in html or "og:site_name" in html or '"publisher"' in html:  # fmt: skip
                    problems.append(f"{key}: syndicated copy not canonical to its origin or names its site")  # fmt: skip
        problems.extend(_site_problems(scenarios))
        return problems

    def _copy_problems(self, page: ScenarioPage, known: set[str]) -> list[str]:
        problems = []
        if page.credited and not page.credit_phrasing:
            problems.append(f"{page.url}: credited without a written credit line")
        if page.credit_phrasing and self.built.template_of(page.credit_phrasing) not in known:
            problems.append(f"{page.url}: credit line not from {self.built.PHRASINGS.name}")
        if not page.credited and page.credit_phrasing:
            problems.append(f"{page.url}: uncredited copy carries a credit line")
        if page.html is None:
            problems.append(f"{page.url}: no page")
        noise = getattr(page, "noise_line", None)
        if noise and (self.shortener not in noise or page.credited):
            problems.append(f"{page.url}: a noise line that is not an unresolvable bare link")
        return problems

    def charset_problems(self, key: str, origin: ScenarioPage) -> list[str]:
        """Where a header-charset origin is not what its label says (bytes, header, words)."""
        label: str = getattr(origin, "charset", None) or ""
        codec = next((c for name, c, _ in self.built.CHARSETS if name == label), None)
        if codec is None or origin.body_bytes is None or not origin.expect_words or not origin.content_type:  # fmt: skip
            return [
                f"{key}: header-charset origin without charset, bytes, header or words to check"
            ]
        problems = []
        text = origin.body_bytes.decode(codec)
        if "\ufffd" in text:
            problems.append(f"{key}: a replacement character in the page before encoding")
        if re.search(rb"<meta[^>]+charset", origin.body_bytes, re.I):
            problems.append(f"{key}: a charset declared inside the page")
        if label not in origin.content_type.lower():
            problems.append(f"{key}: header {origin.content_type!r} does not name {label}")
        if len(origin.expect_words) < 5:
            problems.append(f"{key}: only {len(origin.expect_words)} words to check")
        missing = [w for w in origin.expect_words if w not in text]
        if missing:
            problems.append(f"{key}: words missing from the {label} bytes: {missing[:3]}")
        try:
            origin.body_bytes.decode("utf-8")
            problems.append(f"{key}: the {label} bytes are valid UTF-8")
        except UnicodeDecodeError:
            pass
        return problems
