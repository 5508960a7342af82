"""Bytes to one parsed page: the character set found the way browsers find it, then one lxml tree.

Every reader of a page (trafilatura, the markup metadata reader, the credit reader) works on the
tree parsed here, so a page is decoded and parsed once.

The character set comes from, in order (w3lib's rules, which follow the WHATWG sniffing steps):
a byte-order mark, the HTTP ``Content-Type`` charset, the page's ``<meta charset>`` / XML
declaration, then detection. Bytes are decoded strictly with the charset found; when they do not
fit it (a page served as UTF-8 that is really windows-1252), the next candidate is tried, and only
the last resort replaces undecodable bytes.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import lxml.etree
import lxml.html
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# trafilatura's own parser settings: the tree it gets from us is the tree it would have built.
_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
# Every element an HtmlElement, its class told in C: lxml.html's own lookup is a Python method,
# called for each element object lxml makes (thousands per page: every XPath result, every walk),
# and only gives form controls classes of their own, which no reader here uses.
_PARSER.set_element_class_lookup(
    lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
    )
)
_DETECT_SAMPLE = 64_000


@dataclass
class ParsedPage:
    """A page's text, the character set it was decoded with, and its parsed tree (None when
    there is nothing to parse)."""

    text: str
    encoding: str
    tree: lxml.html.HtmlElement | None


def has_bom(body: bytes) -> bool:
    """True when ``body`` starts with a UTF-8/16/32 byte-order mark."""
    return read_bom(body)[0] is not None


def _detect(body: bytes) -> str:
    """The charset of undeclared bytes: UTF-8 when they are valid UTF-8, else charset-normalizer's
    guess, else windows-1252 (the browsers' fallback for legacy pages)."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:_DETECT_SAMPLE]).best()
        if best is not None and best.encoding:
            return best.encoding
    except ImportError:  # pragma: no cover (installed with trafilatura)
        pass
    return "cp1252"


def _known(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        name = codecs.lookup(resolve_encoding(encoding) or encoding).name
    except LookupError:
        return None
    # A BOM-less "utf-16"/"utf-32" declaration means big-endian (as w3lib reads it).
    return name + "-be" if name in ("utf-16", "utf-32") else name


def decode_html(body: bytes | str, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page's bytes as a browser would; returns ``(text, encoding)``.

    Args:
        body: the page as fetched (a ``str`` is returned as it is).
        content_type: the HTTP ``Content-Type`` header, when known.

    Examples:
        >>> decode_html("café crème".encode("cp1252"), "text/html; charset=windows-1252")[0]
        'café crème'
        >>> decode_html("\\ufeff<p>été</p>".encode("utf-16-le"))
        ('<p>été</p>', 'utf-16-le')
    """
    if isinstance(body, str):
        return body, "utf-8"
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        try:
            return body[len(bom) :].decode(bom_encoding), bom_encoding
        except UnicodeDecodeError:  # the BOM is authoritative: nothing better to try
            return body[len(bom) :].decode(bom_encoding, "replace"), bom_encoding
    candidates: list[str] = []
    for source, declared in (
        ("header", http_content_type_encoding(content_type) if content_type else None),
        ("markup", html_body_declared_encoding(body)),
    ):
        name = _known(declared)
        if source == "markup" and name and name.startswith(("utf-16", "utf-32")):
            name = "utf-8"  # markup read as ASCII cannot be UTF-16 (WHATWG: treat as UTF-8)
        if name and name not in candidates:
            candidates.append(name)
    for name in candidates:
        try:
            return body.decode(name), name
        except UnicodeDecodeError:  # noqa: PERF203 (declared, but the bytes say otherwise)
            continue
    detected = _known(_detect(body)) or "cp1252"
    try:
        return body.decode(detected), detected
    except UnicodeDecodeError:
        fallback = candidates[0] if candidates else detected
        return body.decode(fallback, "replace"), fallback


def parse_html(html: str | bytes, content_type: str | None = None) -> lxml.html.HtmlElement | None:
    """Parse a page leniently into a document tree; None when there is nothing to parse."""
    if isinstance(html, bytes):
        html = decode_html(html, content_type)[0]
    html = html.strip()
    if not html:
        return None
    html = _repaired(html)
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        # lxml refuses str input with an XML encoding declaration; UTF-8 bytes are fine.
        try:
            tree = lxml.html.document_fromstring(
                html.encode("utf-8", "surrogatepass"), parser=_PARSER
            )
        except (lxml.etree.ParserError, ValueError):
            return None
    _drop_code(tree)
    return tree


# What trafilatura's repair deletes anywhere in a page (XML-invalid control characters), as
# single characters: ``in`` finds one in C at memory speed, its character-class regex does not.
_INVALID_XML_CHARS = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + [
    "\ufffe",
    "\uffff",
]
# trafilatura's repair reads the first 4096 characters for its other fixes (a self-closing
# DOCTYPE on the first line, a self-closing <html/> in the first lines).
_REPAIR_HEAD = 4096


def _repaired(html: str) -> str:
    """``html`` after trafilatura's ``repair_faulty_html``, which a parse must see first. Its
    regex over the whole page costs half a parse; a page without control characters (nearly all)
    only needs it on the head, cut after a line end so the first-line fix sees whole lines."""
    # Imported here: a process that stores pages parses one only now and then (a saved file's
    # declared URL), and need not load trafilatura before.
    from trafilatura.utils import repair_faulty_html

    cut = html.find("\n", _REPAIR_HEAD)
    if cut < 0 or any(char in html for char in _INVALID_XML_CHARS):
        return repair_faulty_html(html, html[:50].lower())
    return repair_faulty_html(html[: cut + 1], html[:50].lower()) + html[cut + 1 :]


def _drop_code(tree: lxml.html.HtmlElement) -> None:
    """Remove scripts and style sheets, which no reader needs (trafilatura drops them from its
    copy too) and which hold most of a page's text; JSON-LD data blocks stay (metadata)."""
    for element in list(tree.iter("script", "style")):
        if element.tag == "script" and "json" in (element.get("type") or "").lower():
            continue
        element.drop_tree()  # keeps the element's tail text in place


def parse_page(body: bytes | str, content_type: str | None = None) -> ParsedPage:
    """Decode and parse a page once, for every reader that follows."""
    text, encoding = decode_html(body, content_type)
    return ParsedPage(text=text, encoding=encoding, tree=parse_html(text))
