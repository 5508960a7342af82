"""What to crawl and when to look again: the sources file (YAML) and the recheck schedule.

A sources file lists the watched sites, how many credit hops to follow off them, and when to
recheck a page for edits after it was first seen::

    sites:
      - name: TRANSCEND Media Service
        domain: transcend.org
        feeds: [https://www.transcend.org/tms/feed/]
        sitemaps: []
        start_urls: [https://www.transcend.org/tms/]
        article_urls: ['/tms/\\d{4}/\\d{2}/']
    follow_credits: 1
    recheck: [1h, 6h, 1d, 3d, 7d]

Internal addresses (loopback, private networks, link-local, ...) are never fetched unless the
file allows them (:mod:`tracker.netguard`): ``allow_private: true`` at the top level allows all
of them, on a site that site's host; ``allow_private_hosts: [intranet.example, 10.0.0.0/8,
127.0.0.1:8080]`` allows the hosts (optionally one port) and networks listed.

Every problem (unknown key, bad URL, bad domain, bad regex, bad duration, a name or domain
listed twice, a file that is not UTF-8) is one :class:`SourcesError` naming the file, the line
and the key, read from the YAML node marks.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tracker.urls import is_http_url, normalize_url, site_of

DEFAULT_RECHECK = ("1h", "6h", "1d", "3d", "7d")
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

_SITE_KEYS = {
    "name",
    "domain",
    "feeds",
    "sitemaps",
    "start_urls",
    "article_urls",
    "max_depth",
    "max_pages",
    "allow_private",
}
_TOP_KEYS = {"sites", "follow_credits", "recheck", "allow_private", "allow_private_hosts"}


# One DNS label: letters (any script, for IDNs), digits, hyphens, underscores.
_LABEL = re.compile(r"^[\w-]+$")


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names file, line and key."""


def url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL, or ``None`` when it is one.

    Examples:
        >>> url_problem("https://example.org/a") is None
        True
        >>> url_problem("http://example.org:99999/")
        'port 99999 is out of range 0-65535'
        >>> url_problem("http://[::1/")
        'broken IPv6 address: unmatched [ or ]'
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        # urlsplit only raises here for a bracket without its partner.
        return "broken IPv6 address: unmatched [ or ]"
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL"
    try:
        parts.port  # noqa: B018 (the property validates the port)
    except ValueError:
        port = parts.netloc.rpartition(":")[2]
        if port.isdigit():
            return f"port {port} is out of range 0-65535"
        return f"bad port {port!r}"
    if not parts.hostname:
        return "no host name"
    if not is_http_url(text):
        return "not an http(s) URL"
    return None


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` is not a bare host name (optionally with a port), or ``None``.

    A bare host name has no scheme and no path, and has a dot, or is ``localhost`` or an IP
    address.

    Examples:
        >>> domain_problem("transcend.org") is None, domain_problem("127.0.0.1:8080") is None
        (True, True)
        >>> domain_problem("http://")
        'has a scheme or a path (give a bare host name such as example.org)'
        >>> domain_problem("intranet")
        'needs a dot (e.g. example.org), unless it is localhost or an IP address'
    """
    if "://" in domain or any(c in domain for c in "/?#@\\") or any(c.isspace() for c in domain):
        return "has a scheme or a path (give a bare host name such as example.org)"
    try:
        parts = urlsplit(f"//{domain}")
        parts.port  # noqa: B018 (the property validates the port)
    except ValueError:
        return "has a bad port or IPv6 address"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "has no host name"
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if host == "localhost":
        return None
    if "." not in host:
        return "needs a dot (e.g. example.org), unless it is localhost or an IP address"
    if not all(_LABEL.match(label) for label in host.split(".")):
        return "is not a valid host name (an empty label or a character not allowed)"
    return None


def _url_host(domain: str) -> str:
    """``domain`` as it goes into a URL: an IPv6 address needs its brackets back."""
    try:
        return f"[{domain}]" if ipaddress.ip_address(domain).version == 6 else domain
    except ValueError:
        return domain


@dataclass
class Site:
    """One watched site and where its articles are listed."""

    name: str
    domain: str
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    start_urls: list[str] = field(default_factory=list)
    article_urls: list[re.Pattern[str]] = field(default_factory=list)
    max_depth: int = 2
    max_pages: int = 1000
    #: Whether this site's host may be an internal address (a test or intranet site).
    allow_private: bool = False

    @property
    def site(self) -> str:
        """The site key used in the ``pages.site`` column."""
        return site_of(_url_host(self.domain))

    def is_article(self, url: str) -> bool:
        """True when ``url`` matches an article pattern (or when the site gives none)."""
        if not self.article_urls:
            return True
        return any(pattern.search(url) for pattern in self.article_urls)


@dataclass
class Sources:
    """A parsed sources file."""

    sites: list[Site] = field(default_factory=list)
    follow_credits: int = 1
    recheck: list[timedelta] = field(
        default_factory=lambda: [parse_duration(d) for d in DEFAULT_RECHECK]
    )
    path: str = "<sources>"
    #: Whether any internal address may be fetched (see :mod:`tracker.netguard`).
    allow_private: bool = False
    #: Hosts (``host`` or ``host:port``) and networks (``10.0.0.0/8``) that may be internal.
    allow_private_hosts: list[str] = field(default_factory=list)

    def site_for(self, url: str) -> Site | None:
        """The listed site a URL belongs to, if any."""
        key = site_of(url)
        for site in self.sites:
            if site.site == key:
                return site
        return None


def parse_duration(text: str) -> timedelta:
    """A duration such as ``90m``, ``6h``, ``1d`` or ``2w``.

    Raises:
        ValueError: when the text is not a number followed by one of s, m, h, d, w.

    Examples:
        >>> parse_duration("6h")
        datetime.timedelta(seconds=21600)
    """
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 1h, 6h, 1d, 3d or 7d")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def next_check(first_seen: str, now: datetime, recheck: list[timedelta]) -> str | None:
    """When a page first seen at ``first_seen`` is due again after a fetch at ``now``.

    The schedule counts from the first sighting; slots already past are skipped, and after
    the last slot the page is not rechecked (``None``).

    Examples:
        >>> from datetime import UTC
        >>> next_check("2024-01-01T00:00:00+00:00", datetime(2024, 1, 1, 2, tzinfo=UTC),
        ...            [timedelta(hours=1), timedelta(hours=6)])
        '2024-01-01T06:00:00+00:00'
    """
    start = datetime.fromisoformat(first_seen)
    if start.tzinfo is None:
        start = start.replace(tzinfo=now.tzinfo)
    for delay in sorted(recheck):
        due = start + delay
        if due > now:
            return due.replace(microsecond=0).isoformat()
    return None


class _Reader:
    """Walks composed YAML nodes, turning every problem into a file:line: key message."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, node: yaml.Node | None, key: str, message: str) -> SourcesError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        where = f" {key}:" if key else ""
        return SourcesError(f"{self.name}{line}:{where} {message}")

    def mapping(
        self, node: yaml.Node, key: str, allowed: set[str]
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, key, "expected a mapping of keys to values")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            name = str(knode.value)
            full = f"{key}.{name}" if key else name
            if name not in allowed:
                raise self.fail(
                    knode, full, f"unknown key (expected one of: {', '.join(sorted(allowed))})"
                )
            if name in out:
                raise self.fail(knode, full, "key given twice")
            out[name] = (knode, vnode)
        return out

    def string(self, node: yaml.Node, key: str) -> str:
        if (
            not isinstance(node, yaml.ScalarNode)
            or node.tag == "tag:yaml.org,2002:null"
            or not str(node.value).strip()
        ):
            raise self.fail(node, key, "expected a non-empty string")
        return str(node.value).strip()

    def boolean(self, node: yaml.Node, key: str) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
            raise self.fail(
                node, key, f"expected true or false, got {getattr(node, 'value', node)!r}"
            )
        return str(node.value).lower() in ("true", "yes", "on", "y")

    def hosts(self, node: yaml.Node, key: str) -> list[str]:
        out = []
        for i, (item, text) in enumerate(self.strings(node, key)):
            if "/" in text and "://" not in text:
                try:
                    ipaddress.ip_network(text, strict=False)
                except ValueError:
                    raise self.fail(item, f"{key}[{i}]", f"{text!r} is not a network") from None
            else:
                problem = domain_problem(text)
                if problem is not None and not text.startswith("["):
                    raise self.fail(item, f"{key}[{i}]", f"{text!r} {problem}")
            out.append(text)
        return out

    def integer(self, node: yaml.Node, key: str, minimum: int = 0) -> int:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:int":
            raise self.fail(
                node, key, f"expected a whole number, got {getattr(node, 'value', node)!r}"
            )
        value = int(node.value)
        if value < minimum:
            raise self.fail(node, key, f"must be at least {minimum}, got {value}")
        return value

    def strings(self, node: yaml.Node, key: str) -> list[tuple[yaml.Node, str]]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, key, "expected a list, e.g. [a, b]")
        return [(item, self.string(item, f"{key}[{i}]")) for i, item in enumerate(node.value)]

    def urls(self, node: yaml.Node, key: str) -> list[str]:
        out = []
        for i, (item, text) in enumerate(self.strings(node, key)):
            problem = url_problem(text)
            if problem is not None:
                detail = "" if problem == "not an http(s) URL" else f" ({problem})"
                raise self.fail(item, f"{key}[{i}]", f"{text!r} is not an http(s) URL{detail}")
            out.append(normalize_url(text))
        return out

    def site(self, node: yaml.Node, key: str) -> Site:
        fields = self.mapping(node, key, _SITE_KEYS)
        if "name" not in fields:
            raise self.fail(node, key, "a site needs a name")
        name = self.string(fields["name"][1], f"{key}.name")
        urls = {
            k: self.urls(fields[k][1], f"{key}.{k}") if k in fields else []
            for k in ("feeds", "sitemaps", "start_urls")
        }
        patterns = []
        if "article_urls" in fields:
            for i, (item, text) in enumerate(
                self.strings(fields["article_urls"][1], f"{key}.article_urls")
            ):
                try:
                    patterns.append(re.compile(text))
                except re.error as exc:
                    raise self.fail(
                        item, f"{key}.article_urls[{i}]", f"bad regular expression {text!r}: {exc}"
                    ) from None
        if "domain" in fields:
            domain = self.string(fields["domain"][1], f"{key}.domain")
            problem = domain_problem(domain)
            if problem is not None:
                raise self.fail(
                    fields["domain"][1],
                    f"{key}.domain",
                    f"{domain!r} {problem}",
                )
            domain = site_of(domain)
        else:
            first = next((u for k in ("start_urls", "feeds", "sitemaps") for u in urls[k]), None)
            if first is None:
                raise self.fail(
                    node, key, "a site needs a domain or at least one feed, sitemap or start URL"
                )
            domain = site_of(first)
        if not any(urls.values()):
            urls["start_urls"] = [normalize_url(f"https://{_url_host(domain)}/")]
        limits = {
            k: self.integer(fields[k][1], f"{key}.{k}", minimum=0 if k == "max_depth" else 1)
            for k in ("max_depth", "max_pages")
            if k in fields
        }
        allow = "allow_private" in fields and self.boolean(
            fields["allow_private"][1], f"{key}.allow_private"
        )
        site = Site(
            name=name,
            domain=domain,
            feeds=urls["feeds"],
            sitemaps=urls["sitemaps"],
            start_urls=urls["start_urls"],
            article_urls=patterns,
            allow_private=allow,
        )
        for limit, value in limits.items():
            setattr(site, limit, value)
        return site

    def unique(self, sites_node: yaml.SequenceNode, sites: list[Site]) -> None:
        """Each name and each domain once: the spiders and the sites table key on them."""
        names: dict[str, int] = {}
        domains: dict[str, int] = {}
        for i, (item, site) in enumerate(zip(sites_node.value, sites, strict=True)):
            fields = {str(k.value): v for k, v in item.value}
            if site.name in names:
                raise self.fail(
                    fields["name"],
                    f"sites[{i}].name",
                    f"{site.name!r} is listed twice (also sites[{names[site.name]}])",
                )
            if site.site in domains:
                first = sites[domains[site.site]]
                raise self.fail(
                    fields.get("domain", item),
                    f"sites[{i}].domain",
                    f"{site.site} is listed twice ({first.name} and {site.name})",
                )
            names[site.name] = i
            domains[site.site] = i

    def sources(self, root: yaml.Node | None) -> Sources:
        if root is None:
            raise SourcesError(f"{self.name}: the file is empty (expected a 'sites:' list)")
        fields = self.mapping(root, "", _TOP_KEYS)
        if "sites" not in fields:
            raise self.fail(root, "sites", "missing (a list of sites to watch)")
        sites_node = fields["sites"][1]
        if not isinstance(sites_node, yaml.SequenceNode):
            raise self.fail(sites_node, "sites", "expected a list of sites")
        sources = Sources(path=self.name)
        sources.sites = [self.site(item, f"sites[{i}]") for i, item in enumerate(sites_node.value)]
        self.unique(sites_node, sources.sites)
        if "follow_credits" in fields:
            sources.follow_credits = self.integer(fields["follow_credits"][1], "follow_credits")
        if "recheck" in fields:
            recheck = []
            for i, (item, text) in enumerate(self.strings(fields["recheck"][1], "recheck")):
                try:
                    recheck.append(parse_duration(text))
                except ValueError as exc:
                    raise self.fail(item, f"recheck[{i}]", str(exc)) from None
            sources.recheck = recheck
        if "allow_private" in fields:
            sources.allow_private = self.boolean(fields["allow_private"][1], "allow_private")
        if "allow_private_hosts" in fields:
            sources.allow_private_hosts = self.hosts(
                fields["allow_private_hosts"][1], "allow_private_hosts"
            )
        return sources


def parse_sources(text: str, name: str = "<sources>") -> Sources:
    """Parse and validate the text of a sources file.

    Raises:
        SourcesError: naming ``name``, the line and the key of the first problem.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise SourcesError(
            f"{name}{line}: YAML syntax error: {exc.problem or exc.context}"
        ) from None
    except yaml.YAMLError as exc:
        raise SourcesError(f"{name}: YAML error: {exc}") from None
    except RecursionError:
        raise SourcesError(f"{name}: YAML nested too deeply to be a sources file") from None
    try:
        return _Reader(name).sources(root)
    except RecursionError:
        raise SourcesError(f"{name}: YAML nested too deeply to be a sources file") from None


def load_sources(path: str | Path) -> Sources:
    """Read and validate a sources file.

    Raises:
        SourcesError: when the file is missing or invalid (message names file, line, key).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read sources file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourcesError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    return parse_sources(text, str(path))
