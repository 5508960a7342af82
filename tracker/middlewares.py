"""tracker's downloader middlewares: no internal fetches (:mod:`tracker.netguard`), and
politeness when a site is in trouble (robots.txt unavailable, ``Retry-After``).

Both sit after Scrapy's ``HttpProxyMiddleware`` (750): they see the proxy a request will go
through, and their ``process_exception`` runs before ``RetryMiddleware`` retries anything. The
guard (770) sits nearer the downloader than politeness (760), so a robots.txt request refused
as internal is not mistaken for a host whose robots.txt did not answer.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxt
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from tracker.items import UrlNoteItem
from tracker.netguard import GUARD, NetPolicy, parse_ip, resolve

log = logging.getLogger(__name__)

REFUSED_STAT = "tracker/refused_internal"


class RobotsTxtMiddleware(ScrapyRobotsTxt):
    """Scrapy's robots.txt middleware, with every request that waits for a host's robots.txt
    checked against it.

    Scrapy 2.19's ``robot_parser`` has the requests that arrive while a host's robots.txt is
    being fetched await the same Deferred; awaiting a Deferred as a future leaves ``None`` as its
    result, so only the first of them got the parser and the others were let through unchecked
    ("None": no robots.txt). A distributed worker that takes several of a host's URLs from the
    shared frontier at once fetched a disallowed page that way. Each waiter here gets a Deferred
    of its own, relayed from the host's, which keeps the parser as its result for the next.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        pending = self._parsers.get(netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred[RobotParser | None] = Deferred()

        def relay(parser: RobotParser | None) -> RobotParser | None:
            mine.callback(parser)
            return parser

        pending.addCallback(relay)
        return await maybe_deferred_to_future(mine)


class InternalAddressRefused(IgnoreRequest):
    """A request for an internal address the sources file does not allow."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already on the request's redirect chain."""


class RobotsUnavailable(IgnoreRequest):
    """A request to a host whose robots.txt answered 5xx or did not answer (RFC 9309 2.3.1.4)."""


def _host_port(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


def _is_robots(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and urlsplit(request.url).path.endswith(
        "/robots.txt"
    )


class NetGuardMiddleware:
    """Refuse non-HTTP schemes and internal addresses (see :mod:`tracker.netguard`).

    Literal addresses are refused here; names are checked by the resolver where the connection
    is made, except behind a proxy, where the proxy would resolve them: then the name is
    resolved here, and refused when it resolves to an internal address (a name that does not
    resolve goes to the proxy as before). Each refusal is logged once and counted in the
    ``tracker/refused_internal`` stat (``crawl_runs.stats``).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.names: dict[str, list[Any]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> NetGuardMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        policy = NetPolicy.from_sources(getattr(spider, "sources", None))
        try:
            policy.allow_setting(self.crawler.settings.get("TRACKER_ALLOW_PRIVATE"))
        except ValueError as exc:
            raise ValueError(f"setting TRACKER_ALLOW_PRIVATE: {exc}") from None
        GUARD.set_policy(policy)

    def _refuse(self, request: Request, address: str, why: str) -> IgnoreRequest:
        if _is_robots(request):
            # robots.txt of a refused host: the page request itself is refused and counted.
            return IgnoreRequest(f"robots.txt of a refused address ({address})")
        self.crawler.stats.inc_value(REFUSED_STAT)
        log.warning("refused %s: %s", request.url, why)
        return InternalAddressRefused(f"refused: {why}")

    async def process_request(self, request: Request) -> None:
        scheme, host, port = _host_port(request.url)
        if scheme not in ("http", "https"):
            raise self._refuse(request, scheme, f"{scheme or 'no'} scheme (only http and https)")
        proxy = request.meta.get("proxy")
        if proxy:
            _, proxy_host, proxy_port = _host_port(proxy if "://" in proxy else f"http://{proxy}")
            GUARD.add_proxy(proxy_host, proxy_port)
        literal = parse_ip(host)
        if literal is not None:
            refused = GUARD.check(host, port, [literal], target=True)
            if refused is not None:
                raise self._refuse(request, str(refused), f"internal address {refused}")
            return
        if proxy and not GUARD.policy.trusts_name(host, port):
            if host not in self.names:
                from twisted.internet.threads import deferToThread

                self.names[host] = await maybe_deferred_to_future(deferToThread(resolve, host))
            refused = GUARD.check(host, port, self.names[host], target=True)
            if refused is not None:
                raise self._refuse(
                    request, str(refused), f"{host} resolves to internal address {refused}"
                )

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, DNSLookupError | CannotResolveHostError):
            _, host, port = _host_port(request.url)
            refused = GUARD.refused(host, port)
            if refused is not None:
                raise self._refuse(
                    request, refused, f"{host} resolves to internal address {refused}"
                )


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number or an HTTP date), else ``None``.

    Examples:
        >>> retry_after_seconds(b"120")
        120.0
        >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", datetime(2015, 10, 21, 7, 27, tzinfo=UTC))
        60.0
    """
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PolitenessMiddleware:
    """Back off from a site in trouble.

    * robots.txt answering 5xx, or not answering at all: nothing else is fetched from that
      host in this run (RFC 9309, 2.3.1.4: treat an unreachable robots.txt as a full disallow);
      the refused requests count as ``robots_forbidden``.
    * 429 or 503 with ``Retry-After``: the retry waits that long (and the host's download slot
      with it), up to ``TRACKER_RETRY_AFTER_MAX`` seconds and within ``RETRY_TIMES``; a longer
      wait is not retried in this run: the URL's failure is recorded with ``retry_after`` in
      the request meta, which the spider turns into the URL's next check.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.unavailable: dict[str, str] = {}
        self.max_wait = crawler.settings.getfloat("TRACKER_RETRY_AFTER_MAX")
        self.retry_times = crawler.settings.getint("RETRY_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Any) -> PolitenessMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if _is_robots(request):
            return
        netloc = urlsplit(request.url).netloc.lower()
        why = self.unavailable.get(netloc)
        if why is not None:
            raise RobotsUnavailable(f"robots.txt of {netloc} unavailable ({why}): host skipped")

    def process_exception(self, request: Request, exception: Exception) -> None:
        if _is_robots(request) and not isinstance(exception, IgnoreRequest):
            netloc = urlsplit(request.url).netloc.lower()
            if netloc not in self.unavailable:
                log.warning("robots.txt of %s did not answer (%s): host skipped", netloc, exception)
            self.unavailable[netloc] = type(exception).__name__
            # One line above instead of Scrapy's error with a traceback, and no retries: an
            # unreachable robots.txt already means "nothing from this host in this run".
            raise RobotsUnavailable(f"robots.txt of {netloc} unavailable")

    async def process_response(self, request: Request, response: Response) -> Response:
        if _is_robots(request):
            netloc = urlsplit(request.url).netloc.lower()
            if response.status >= 500:
                if netloc not in self.unavailable:
                    log.warning(
                        "robots.txt of %s answered HTTP %s: host skipped", netloc, response.status
                    )
                self.unavailable[netloc] = f"HTTP {response.status}"
            else:
                self.unavailable.pop(netloc, None)
            return response
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(request.url, location.decode("latin-1"))
            chain = {urldefrag(u)[0] for u in (*request.meta.get("redirect_urls", []), request.url)}
            if urldefrag(target)[0] in chain:
                raise RedirectLoop(f"redirect loop: {request.url} -> {target}")
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response
        request.meta["tracker_retry_after"] = wait
        retries = request.meta.get("retry_times", 0)
        if wait > self.max_wait or request.meta.get("dont_retry") or retries >= self.retry_times:
            request.meta["dont_retry"] = True
            return response
        self._hold_slot(request, wait)
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await maybe_deferred_to_future(deferLater(reactor, wait))
        return response

    def _hold_slot(self, request: Request, wait: float) -> None:
        """Make the host's download slot wait too, not only this request's retry."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None:
            return
        previous = slot.delay
        slot.delay = max(previous, wait)
        slot.lastseen = time.monotonic()  # the downloader measures delays on this clock

        def release() -> None:
            if slot.delay == max(previous, wait):
                slot.delay = previous

        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        deferLater(reactor, wait, release)


def give_up_reason(request: Request, exception: BaseException) -> str | None:
    """Why a failed request is not worth asking again soon, or ``None`` for ordinary failures."""
    text = str(exception)
    if isinstance(exception, InternalAddressRefused | RedirectLoop):
        return text
    if isinstance(exception, RobotsUnavailable):
        return None
    if isinstance(exception, IgnoreRequest) and "max redirections" in text:
        return f"too many redirects (more than {len(request.meta.get('redirect_urls', []))})"
    lower = text.lower()
    if "max size" in lower or "maxsize" in lower or "larger than" in lower:
        return f"too large: {text}"[:300]
    response = getattr(exception, "response", None)
    if response is not None and request.meta.get("tracker_retry_after") is not None:
        return f"HTTP {response.status}, Retry-After {request.meta['tracker_retry_after']:.0f} s"
    return None


def give_up_note(request: Request, exception: BaseException) -> UrlNoteItem | None:
    """The note for a request the crawl gave up on (the pipeline records it, and the redirects
    that led to it, in ``crawl_urls`` with a back-off); ``None`` for ordinary failures."""
    reason = give_up_reason(request, exception)
    if reason is None:
        return None
    if reason.startswith(("redirect loop", "too many redirects")):  # Scrapy logs these at DEBUG
        log.warning("%s: %s, given up", request.url, reason)
    response = getattr(exception, "response", None)
    return UrlNoteItem(
        url=request.url,
        status=getattr(response, "status", None),
        note=reason,
        redirected_from=list(request.meta.get("redirect_urls", [])),
        give_up=True,
        retry_after=request.meta.get("tracker_retry_after"),
    )
