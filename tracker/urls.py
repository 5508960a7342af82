"""URL normalisation and site identity (registrable domain from the bundled public-suffix list)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote_plus, urljoin, urlsplit, urlunsplit

from publicsuffixlist import PublicSuffixList
from w3lib.url import canonicalize_url

# Query parameters that only track a click or carry a visitor's session; dropping them makes one
# page one row.
_TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "mc_cid",
    "mc_eid",
    "ocid",
    "cmpid",
    "_ga",
    "igshid",
    "phpsessid",
    "jsessionid",
    "aspsessionid",
    "cfid",
    "cftoken",
    # HubSpot's email and CTA tracking; The Guardian's campaign code
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsctatracking",
    "cmp",
}
# A link through a redirector ("https://www.google.com/url?q=<the page>", "l.facebook.com/l.php?u=
# <the page>") names the page in one of these query arguments, when its value is an http(s) URL.
_REDIRECT_ARGS = (
    "url",
    "q",
    "u",
    "target",
    "dest",
    "destination",
    "redirect",
    "redirect_url",
    "to",
    "link",
    "goto",
)

# The list ships inside the package: no download at run time. Its internationalised suffixes
# are kept as written (building their xn-- forms too costs every process ~50 ms at start-up):
# an xn-- host is looked up in Unicode (:func:`_private_suffix`).
_psl = PublicSuffixList(accept_encoded_idn=False)


def _private_suffix(host: str, accept_unknown: bool = True) -> str | None:
    """The public suffix list's registrable domain of ``host``, for xn-- hosts too."""
    if "xn--" in host:
        try:
            found = _psl.privatesuffix(host.encode("ascii").decode("idna"), accept_unknown)
            return found.encode("idna").decode("ascii") if found else None
        except (UnicodeError, ValueError):
            pass  # not valid IDNA 2003: looked up as written
    return _psl.privatesuffix(host, accept_unknown)


def listed_domain(host: str) -> str | None:
    """The registrable domain of ``host`` when the public suffix list holds its suffix; None for
    an unknown last label ("photo.jpg", "U.S") or a bare suffix.

    Examples:
        >>> listed_domain("www.bbc.co.uk"), listed_domain("photo.jpg")
        ('bbc.co.uk', None)
    """
    return _private_suffix(host, accept_unknown=False)


def normalize_url(url: str) -> str:
    """Return the canonical form of ``url``: w3lib's ``canonicalize_url`` (percent-encoded UTF-8
    path and query, sorted query arguments, IDNA host, no fragment) plus tracker's own choices:
    lower-case scheme and host, no default port, no ``utm_*`` or click-tracking parameters.
    IPv6 literals keep their brackets.

    Examples:
        >>> normalize_url("HTTPS://Example.com:443/a?utm_source=x&id=2#top")
        'https://example.com/a?id=2'
        >>> normalize_url("https://x.example/actualités/été") == normalize_url(
        ...     "https://x.example/actualit%C3%A9s/%C3%A9t%C3%A9")
        True
        >>> normalize_url("http://[2001:DB8::1]:80/x")
        'http://[2001:db8::1]/x'
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = f"[{host}]" if ":" in host else host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{netloc}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = "&".join(
        piece for piece in parts.query.split("&") if piece and not _is_tracking(*_argument(piece))
    )
    path = _PATH_SESSION.sub("", parts.path) or "/"
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def _argument(piece: str) -> tuple[str, str]:
    """A query piece's lower-cased name and its value."""
    name, _, value = piece.partition("=")
    return unquote_plus(name).lower(), unquote_plus(value)


# A Java server's session in the path ("/story;jsessionid=0A1B…"): the same page for everyone.
_PATH_SESSION = re.compile(r";jsessionid=[^/?#;]*", re.IGNORECASE)


# Host prefixes under which a site serves the same pages to phones or as AMP.
_ALTERNATE_HOSTS = ("www.", "m.", "mobile.", "amp.")
# The AMP form of a page: an "amp" path segment at the start or end of the path
# (/amp/2024/x, /2024/x/amp), a ".amp" or ".amp.html" ending, or an AMP query argument.
_AMP_QUERY = {"amp", "amp=", "amp=1", "amp=true", "outputtype=amp", "output=amp"}


@lru_cache(maxsize=65536)
def page_key(url: str) -> str:
    """The form under which two links name the same page: :func:`normalize_url` without the
    scheme, a leading ``www.``, ``m.``, ``mobile.`` or ``amp.`` of a subdomain (``amp.co.uk`` and
    ``m.github.io`` are sites of their own), the marks of a page's AMP form
    (an ``amp`` path segment at either end of the path, an ``.amp`` ending, an ``amp`` query
    argument) or a trailing slash: ``http://www.x.example/a/``, ``https://m.x.example/a`` and
    ``https://x.example/amp/a`` are one page on every site that serves them.

    Examples:
        >>> page_key("http://www.Example.com/a/?utm_source=x") == page_key("https://example.com/a")
        True
        >>> page_key("https://m.example.com/amp/a/?amp=1") == page_key("https://example.com/a/amp")
        True
    """
    normal = normalize_url(url)
    rest = normal.split("://", 1)[-1]
    host, slash, path = rest.partition("/")
    for prefix in _ALTERNATE_HOSTS:
        # Only a subdomain is a site's other form: "amp.co.uk" or "m.github.io" is a site itself.
        if host.startswith(prefix) and _private_suffix(host[len(prefix) :].partition(":")[0]):
            host = host[len(prefix) :]
            break
    path, mark, query = path.partition("?")  # the slash before a query is the path's too
    segments = [s for s in path.split("/") if s]
    if len(segments) > 1 and segments[0] == "amp":
        segments = segments[1:]
    if len(segments) > 1 and segments[-1] == "amp":
        segments = segments[:-1]
    if segments:
        last = segments[-1]
        for ending, plain in ((".amp.html", ".html"), (".amp", "")):
            if last.endswith(ending) and len(last) > len(ending):
                segments[-1] = last[: -len(ending)] + plain
                break
    query = "&".join(a for a in query.split("&") if a and a.lower() not in _AMP_QUERY)
    path = "/".join(segments)
    return f"{host}{slash}{path}".rstrip("/") + ("?" + query if query else "")


def _is_tracking(key: str, value: str = "") -> bool:
    if key == "sessionid":  # a programme's "?sessionid=45" names a talk, not a visitor
        return bool(_SESSION_TOKEN.fullmatch(value))
    if key == "ref":  # Ghost's "?ref=<the linking site>"; a "?ref=1234" may name a record
        return bool(_HOST_NAME.fullmatch(value))
    return key.startswith("utm_") or key in _TRACKING_PARAMS


# A host name as a referrer gives it ("kinlochpacket.example", "www.example.co.uk").
_HOST_NAME = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")


# A visitor's session token: long and opaque, unlike a record number.
_SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}")


@lru_cache(maxsize=65536)
def site_of_host(host: str) -> str:
    """Registrable domain of a host name ("www.bbc.co.uk" -> "bbc.co.uk").

    IP addresses and single-label hosts (``localhost``) are their own site.
    """
    host = host.lower().strip().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host or host.replace(".", "").isdigit() or "." not in host:
        return host
    return _private_suffix(host) or host


def site_of(url_or_host: str) -> str:
    """Registrable domain of a URL or a bare host name, with any port kept for loopback hosts.

    Examples:
        >>> site_of("https://www.transcend.org/tms/2024/01/x/")
        'transcend.org'
        >>> site_of("defenddemocracy.press")
        'defenddemocracy.press'
    """
    text = url_or_host.strip()
    if "//" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    try:
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # an unbracketed IPv6 literal or a malformed port: the whole host part
        host, port = parts.netloc.rsplit("@", 1)[-1].strip("[]").lower(), None
        if host.count(":") == 1:
            host = host.split(":")[0]
    site = site_of_host(host)
    # Loopback test webs tell sites apart by port; real sites never do.
    if port and (host.startswith("127.") or host == "localhost"):
        return f"{host}:{port}"
    return site


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host and, if any, a valid port.

    Examples:
        >>> is_http_url("https://example.com/a"), is_http_url("http://x:99999/"), is_http_url("http://[::1")
        (True, False, False)
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for an out-of-range port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def resolve_link(base: str | None, href: str | None) -> str | None:
    """A link found in a page as an absolute, normalised http(s) URL; None when it is not one
    (fragments, ``javascript:``, ``mailto:``, malformed hosts or ports).

    Examples:
        >>> resolve_link("https://a.example/news/x", "../story/?utm_source=t")
        'https://a.example/story/'
        >>> resolve_link("https://a.example/", "javascript:alert(1)") is None
        True
    """
    if not href or not href.strip():
        return None
    href = href.strip()
    if href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        absolute = urljoin(base, href) if base else href
        if not is_http_url(absolute):
            return None
        return normalize_url(_unwrapped(absolute))
    except ValueError:  # malformed ports and hosts
        return None


# A page that takes a URL to act on it, not to send the reader there: a share or "click to tweet"
# button copied with an article's text carries the original's URL, and is no credit of it; a
# search, an archive's "save", a submit form.
_NOT_A_REDIRECT = re.compile(
    r"/(?:share\w*|sharer(?:\.php)?|intent|submit\w*|search|save|bookmark\w*|pin|compose|send)"
    r"(?=[/.?]|$)",
    re.IGNORECASE,
)


# Archives and caches that serve a copy of another page under its whole URL in their path: the
# Wayback Machine (/web/<timestamp>[flags]/<url>), the archive.today mirrors (/<timestamp>/<url>,
# /newest/<url>), Google's AMP cache (/c/s/<host>/<path> for https, /c/<host>/<path>) and
# Google's AMP viewer (google.com/amp/s/<host>/<path>).
_WAYBACK_HOSTS = frozenset({"web.archive.org", "wayback.archive.org", "archive.org"})
_ARCHIVE_TODAY_HOSTS = frozenset(
    f"archive.{tld}" for tld in ("today", "ph", "is", "li", "vn", "fo", "md")
)
_WAYBACK_PATH = re.compile(r"^https?://[^/]+/web/[0-9*]{1,14}[a-z_]*/(?P<url>.+)$", re.I)
_ARCHIVE_TODAY_PATH = re.compile(
    r"^https?://[^/]+/(?:[0-9]{14}|[0-9]{4}\.[0-9]{2}\.[0-9]{2}-[0-9]{6}|newest|oldest)/(?P<url>.+)$",
    re.I,
)
# Google's AMP viewer: /amp/s/<host>/<path> for https, /amp/<host>/<path>.
_GOOGLE_AMP_PATH = re.compile(
    r"^https?://[^/]+/amp/(?P<secure>s/)?(?P<rest>[^/?#]+\.[^/?#]+.*)$", re.I
)
_AMP_CACHE_PATH = re.compile(
    r"^https?://[^/]+/c/(?P<secure>s/)?(?P<rest>[^/?#]+\.[^/?#]+.*)$", re.I
)


def _archived(url: str, host: str) -> str | None:
    """The page an archive's or a cache's copy is a copy of, when ``url`` is such a copy.

    Examples:
        >>> _archived("https://web.archive.org/web/20240101000000/https://a.example/x", "web.archive.org")
        'https://a.example/x'
        >>> _archived("https://a-example.cdn.ampproject.org/c/s/a.example/amp/x", "a-example.cdn.ampproject.org")
        'https://a.example/amp/x'
    """
    found: str | None = None
    if host in _WAYBACK_HOSTS:
        match = _WAYBACK_PATH.match(url)
        found = match.group("url") if match else None
    elif host in _ARCHIVE_TODAY_HOSTS:
        match = _ARCHIVE_TODAY_PATH.match(url)
        found = match.group("url") if match else None
    elif site_of_host(host).startswith("google.") and "/amp/" in url:
        match = _GOOGLE_AMP_PATH.match(url)
        if match:
            found = ("https://" if match.group("secure") else "http://") + match.group("rest")
    elif host.endswith(".cdn.ampproject.org"):
        match = _AMP_CACHE_PATH.match(url)
        if match:
            found = ("https://" if match.group("secure") else "http://") + match.group("rest")
    if not found:
        return None
    # a path holds "https://" as "https:/" once a server or a client has merged its slashes
    found = re.sub(r"^(https?):/+", r"\1://", found, flags=re.I)
    return found if is_http_url(found) else None


def _unwrapped(url: str) -> str:
    """The page a redirector's link leads to, when the link carries it whole in a query argument
    (``_REDIRECT_ARGS``) and the redirector is another site, or the page an archive's or a
    cache's copy keeps (:func:`_archived`); else ``url`` itself.

    Examples:
        >>> _unwrapped("https://www.google.com/url?q=https%3A%2F%2Fa.example%2Fx&sa=D")
        'https://a.example/x'
        >>> _unwrapped("https://a.example/go?to=https://a.example/b")  # within one site
        'https://a.example/go?to=https://a.example/b'
        >>> _unwrapped("https://twitter.com/intent/tweet?url=https://a.example/x")  # a share
        'https://twitter.com/intent/tweet?url=https://a.example/x'
    """
    parts = urlsplit(url)
    archived = _archived(url, (parts.hostname or "").lower())
    if archived:
        return archived
    if not parts.query or _NOT_A_REDIRECT.search(parts.path):
        return url
    arguments = dict(parse_qsl(parts.query, keep_blank_values=False))
    for name in _REDIRECT_ARGS:
        target = arguments.get(name, "").strip()
        if target.lower().startswith(("http://", "https://")) and is_http_url(target):
            host = (parts.hostname or "").lower()
            if site_of_host(host) != site_of_host((urlsplit(target).hostname or "").lower()):
                return target
    return url
