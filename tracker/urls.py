"""URL normalisation and site identity (registrable domain from the bundled public-suffix list)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from publicsuffixlist import PublicSuffixList

# Query parameters that only track a click; dropping them makes one page one row.
_TRACKING_PARAMS = {"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "_ga", "igshid"}

_psl = PublicSuffixList()  # the list ships inside the package: no download at run time


def normalize_url(url: str) -> str:
    """Return the canonical form of ``url``: lower-case scheme and host, no fragment,
    no ``utm_*`` or click-tracking parameters, no default port.

    Examples:
        >>> normalize_url("HTTPS://Example.com:443/a?utm_source=x&id=2#top")
        'https://example.com/a?id=2'
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


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
    return _psl.privatesuffix(host) or host


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
    host = (parts.hostname or "").lower()
    site = site_of_host(host)
    # Loopback test webs tell sites apart by port; real sites never do.
    if parts.port and (host.startswith("127.") or host == "localhost"):
        return f"{host}:{parts.port}"
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
        return normalize_url(absolute) if is_http_url(absolute) else None
    except ValueError:  # malformed ports and hosts
        return None
