"""Keep the crawler off internal addresses: loopback, private, link-local, unique-local,
multicast, reserved and unspecified, in any spelling (``2130706433``, ``0x7f000001``,
``0177.0.0.1``, ``[::ffff:127.0.0.1]``, ``localhost``, a DNS name that resolves there).

Pages are written by strangers: a credit link, a canonical link or a redirect can name any
address. Two checks keep the crawl on the public web:

* :class:`GuardedResolver` (Scrapy's ``TWISTED_DNS_RESOLVER``) filters every name resolution
  made for a connection, so the address checked is the address connected to; a DNS answer that
  changes between a check and the connection cannot slip through.
* :class:`tracker.middlewares.NetGuardMiddleware` refuses non-HTTP schemes and literal internal
  addresses before any connection, and behind an HTTP proxy (where the proxy, not tracker,
  resolves the target) resolves the target name itself.

The sources file can allow internal addresses (the tests and the demo crawl loopback servers):
``allow_private: true`` at the top level (everything), per site (that site's host and port), or
``allow_private_hosts: [host, host:port, 10.0.0.0/8]``. A proxy tracker is configured to use is
infrastructure, not a target, and is always allowed.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IHostResolution, IResolutionReceiver
from zope.interface import implementer

if TYPE_CHECKING:
    from tracker.sources import Sources

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# inet_aton's spellings of an IPv4 address: decimal, hex and octal parts, 1 to 4 of them.
_LOOSE_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def parse_ip(host: str) -> IPAddress | None:
    """The IP address a URL host spells, in any of the forms resolvers accept, else ``None``.

    Examples:
        >>> str(parse_ip("2130706433")), str(parse_ip("0x7f000001")), str(parse_ip("0177.0.0.1"))
        ('127.0.0.1', '127.0.0.1', '127.0.0.1')
        >>> str(parse_ip("[::ffff:127.0.0.1]")), parse_ip("example.org")
        ('::ffff:7f00:1', None)
    """
    text = host.strip().strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    if _LOOSE_IPV4.match(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def is_internal(address: IPAddress) -> bool:
    """True for an address that is not on the public internet (or hides one that is not).

    Examples:
        >>> [is_internal(ipaddress.ip_address(a)) for a in ("127.0.0.1", "169.254.169.254",
        ...  "10.1.2.3", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1", "0.0.0.0", "93.184.216.34")]
        [True, True, True, True, True, True, True, False]
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is not None and is_internal(embedded):
            return True
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def _host_port(text: str) -> tuple[str, int | None]:
    """``host`` or ``host:port`` (IPv6 in brackets) as a lower-case host and optional port."""
    text = text.strip().lower()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
        return host, int(port) if port.isdigit() else None
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return text, None


@dataclass
class NetPolicy:
    """Which internal addresses a crawl may reach (none, unless the sources file says so)."""

    allow_all: bool = False
    #: (host, port) pairs; a ``None`` port allows every port of that host.
    hosts: set[tuple[str, int | None]] = field(default_factory=set)
    networks: list[IPNetwork] = field(default_factory=list)
    #: Proxies the crawl is configured to use: infrastructure, not targets.
    infrastructure: set[tuple[str, int]] = field(default_factory=set)

    def allow_host(self, text: str) -> None:
        """Allow ``host``, ``host:port`` or a network such as ``10.0.0.0/8``."""
        if "/" in text:
            self.networks.append(ipaddress.ip_network(text.strip(), strict=False))
            return
        host, port = _host_port(text)
        address = parse_ip(host)
        self.hosts.add((str(address) if address else host, port))

    def allow_setting(self, value: Any) -> None:
        """Add the ``TRACKER_ALLOW_PRIVATE`` setting: true (everything), or hosts and networks
        (a list, or one string separated by commas)."""
        if value in (None, "", False):
            return
        if value is True or str(value).strip().lower() in ("1", "true", "yes", "on"):
            self.allow_all = True
            return
        if str(value).strip().lower() in ("0", "false", "no", "off"):
            return
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        for item in items:
            if str(item).strip():
                self.allow_host(str(item))

    def trusts_name(self, host: str, port: int) -> bool:
        """Whether ``host`` may be internal by name, so that resolving it cannot matter."""
        host = host.lower().rstrip(".")
        return self.allow_all or self._listed(host, port)

    def _listed(self, host: str, port: int) -> bool:
        return (host, port) in self.hosts or (host, None) in self.hosts

    def allows(self, host: str, port: int, address: IPAddress, target: bool = False) -> bool:
        """Whether a connection for ``host:port`` may go to ``address``.

        With ``target=True`` (a URL to fetch, not a connection being made) the proxies do not
        count: a page linking to the proxy's own address is refused like any other.
        """
        if not is_internal(address) or self.allow_all:
            return True
        host = host.strip("[]").lower().rstrip(".")
        if not target and (
            (host, port) in self.infrastructure or (str(address), port) in self.infrastructure
        ):
            return True
        literal = parse_ip(host)
        return (
            self._listed(host, port)
            or self._listed(str(literal or address), port)
            or any(address in network for network in self.networks)
        )

    @classmethod
    def from_sources(cls, sources: Sources | None) -> NetPolicy:
        """The policy a sources file asks for (``allow_private`` / ``allow_private_hosts``)."""
        policy = cls()
        if sources is None:
            return policy
        policy.allow_all = sources.allow_private
        for text in sources.allow_private_hosts:
            policy.allow_host(text)
        for site in sources.sites:
            if site.allow_private:
                policy.allow_host(site.domain)
                for url in (*site.feeds, *site.sitemaps, *site.start_urls):
                    policy.allow_host(url.split("//", 1)[1].split("/", 1)[0].rpartition("@")[2])
        return policy


class Guard:
    """The policy in force in this process and the refusals the resolver made under it.

    Scrapy builds one resolver per process (not per spider), so the policy is process-wide:
    the middleware sets it when a spider opens.
    """

    def __init__(self) -> None:
        self.policy = NetPolicy()
        self._refused: dict[tuple[str, int], str] = {}

    def set_policy(self, policy: NetPolicy) -> None:
        infrastructure = self.policy.infrastructure
        self.policy = policy
        policy.infrastructure |= infrastructure
        self._refused.clear()

    def add_proxy(self, host: str, port: int) -> None:
        """A proxy the crawl goes through: connections to it are allowed."""
        self.policy.infrastructure.add((host.lower(), port))

    def check(
        self, host: str, port: int, addresses: Iterable[IPAddress], target: bool = False
    ) -> IPAddress | None:
        """The first address the policy refuses for ``host:port`` (remembered), or ``None``."""
        for address in addresses:
            if not self.policy.allows(host, port, address, target=target):
                self._refused[(host.lower(), port)] = str(address)
                return address
        return None

    def refused(self, host: str, port: int) -> str | None:
        """The internal address a connection for ``host:port`` was refused, if it was."""
        return self._refused.get((host.lower(), port))


GUARD = Guard()


def _ip_of(address: Any) -> IPAddress | None:
    try:
        return ipaddress.ip_address(str(address.host).split("%", 1)[0])
    except (AttributeError, ValueError):
        return None


@implementer(IResolutionReceiver)
class _GuardingReceiver:
    """Holds a resolution's addresses back until all are known, then passes on all or none."""

    def __init__(self, receiver: Any, host: str, port: int) -> None:
        self.receiver = receiver
        self.host = host
        self.port = port
        self.addresses: list[Any] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 (Twisted's name)
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:  # noqa: N802
        self.addresses.append(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        ips = [ip for ip in map(_ip_of, self.addresses) if ip is not None]
        refused = GUARD.check(self.host, self.port, ips)
        if refused is None:
            for address in self.addresses:
                self.receiver.addressResolved(address)
        else:
            log.debug("resolver: %s:%s resolves to %s, refused", self.host, self.port, refused)
        self.receiver.resolutionComplete()


class GuardedResolver(CachingHostnameResolver):
    """Scrapy's caching resolver (IPv4 and IPv6), with every answer checked against the policy.

    Every connection Scrapy's HTTP handler makes, literal addresses included, asks this
    resolver; when any address a name resolves to is internal and not allowed, the resolver
    answers with no address at all and the connection fails (``DNSLookupError``), which the
    middleware reports as a refusal.
    """

    def resolveHostName(  # noqa: N802 (Twisted's name)
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[Any]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        guarded = _GuardingReceiver(resolutionReceiver, hostName, portNumber)
        name = hostName.rstrip(".").lower()
        if name == "localhost" or name.endswith(".localhost"):
            # Loopback by definition (RFC 6761), even where no resolver knows the spelling.
            name = "localhost"
        return super().resolveHostName(
            cast(IResolutionReceiver, guarded), name, portNumber, addressTypes, transportSemantics
        )


def resolve(host: str) -> list[IPAddress]:
    """Every address ``host`` resolves to (blocking; ``[]`` when it does not resolve).

    ``localhost`` and its subdomains are loopback by definition (RFC 6761), whatever a resolver
    says; a trailing dot is dropped (``localhost.`` is ``localhost``).
    """
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")]
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found: list[IPAddress] = []
    for info in infos:
        try:
            ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            continue
        if ip not in found:
            found.append(ip)
    return found
