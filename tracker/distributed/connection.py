"""Redis connections from URLs: ``redis://[:password@]host:port/db`` or ``rediss://`` (TLS).

A URL may carry a password, so it is never logged or printed as given: :func:`redact` replaces
the password with ``***`` wherever a URL reaches a person.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: The environment variable through which ``tracker crawl --redis`` hands the URL to Scrapy's
#: components (not a Scrapy setting: Scrapy logs its overridden settings, password included).
URL_ENV = "TRACKER_REDIS_URL"
#: The prefix of every key tracker writes in Redis.
PREFIX = "tracker"


class RedisURLError(ValueError):
    """A Redis URL that cannot be used; the message names it without its password."""


def redact(url: str) -> str:
    """The URL with its password (and a user name's password part) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable Redis URL>"
    if parts.password is not None:
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    if parts.query:
        # redis-py also takes the password as a query argument (?password=...).
        query = parse_qsl(parts.query, keep_blank_values=True)
        hidden = [(k, "***" if k.lower() == "password" else v) for k, v in query]
        parts = parts._replace(query=urlencode(hidden, safe="*/"))
    return urlunsplit(parts)


def check_url(url: str) -> str:
    """The URL, if it is a ``redis://``, ``rediss://`` or ``unix://`` URL.

    Raises:
        RedisURLError: naming the URL (redacted) and what is expected.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("redis", "rediss", "unix"):
        raise RedisURLError(
            f"--redis {redact(url)}: expected redis://HOST:PORT/DB or rediss:// (TLS)"
        )
    return url


def connect(url: str, **options: Any) -> Any:
    """A :class:`redis.Redis` client for ``url`` (bytes replies), checked with a PING.

    Raises:
        RedisURLError: when the URL is not a Redis URL, or the server cannot be reached or
            refuses the password (the message never contains the password).
    """
    import redis

    check_url(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, **options)
        client.ping()
    except redis.AuthenticationError:
        raise RedisURLError(f"Redis {redact(url)}: authentication failed") from None
    except redis.RedisError as exc:
        # The exception text may repeat the URL: only its type and a redacted URL are shown.
        raise RedisURLError(f"Redis {redact(url)}: cannot connect ({type(exc).__name__})") from None
    except ValueError:
        raise RedisURLError(f"--redis {redact(url)}: not a valid Redis URL") from None
    return client


def url_from_env() -> str:
    """The Redis URL a worker's Scrapy components use (``TRACKER_REDIS_URL``).

    Raises:
        RedisURLError: when it is not set.
    """
    url = os.environ.get(URL_ENV, "")
    if not url:
        raise RedisURLError(f"{URL_ENV} is not set: run the crawl with tracker crawl --redis URL")
    return url
