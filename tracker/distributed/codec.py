"""JSON in and out of Redis, never pickle: Scrapy requests for the frontier, page records for
the results stream.

Whatever is read back is checked: a payload that is not our JSON (a planted pickle, a truncated
or foreign entry) raises :class:`BadEntry` with a one-line reason, and the caller moves it to a
dead-letter stream. Nothing read from Redis names a class to load or code to run: callbacks are
looked up by name on the running spider, the request class is always :class:`scrapy.Request`.
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
import json
from datetime import datetime
from typing import Any

from tracker.store import PageRecord

#: The version of the entry format; an entry of another version is rejected.
FORMAT = 1
_RECORD_FIELDS = {f.name: f for f in dataclasses.fields(PageRecord)}
# How pickles start: the protocol 2+ marker, or a protocol 0/1 opcode (MARK, GLOBAL, list,
# dict); each ends with STOP (".").
_PICKLE_STARTS = (b"\x80", b"(", b"c", b"]", b"}")


class BadEntry(ValueError):
    """An entry read from Redis that is not ours to trust; the message says why (one line)."""


def _plain(value: Any) -> Any:
    """``value`` as JSON-able data: bytes and datetimes tagged, tuples as lists."""
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, bytes):
                key = key.decode("latin-1")
            if not isinstance(key, str):
                raise TypeError(f"a key of type {type(key).__name__}")
            out[key] = _plain(item)
        return out
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a value of type {type(value).__name__}")


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b"} and isinstance(value["$b"], str):
            return base64.b64decode(value["$b"])
        if set(value) == {"$dt"} and isinstance(value["$dt"], str):
            return datetime.fromisoformat(value["$dt"])
        return {key: _unplain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unplain(item) for item in value]
    return value


def _load(raw: bytes | str | None, what: str) -> dict[str, Any]:
    if raw is None:
        raise BadEntry(f"no {what} field")
    if isinstance(raw, bytes):
        if raw[:1] in _PICKLE_STARTS and raw.rstrip().endswith(b"."):
            raise BadEntry("looks like a pickle; only JSON is accepted (not unpickled)")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadEntry(f"{what} is not UTF-8 text") from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadEntry(f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise BadEntry(f"{what} is not a JSON object")
    if data.get("format") != FORMAT:
        raise BadEntry(f"{what} has format {data.get('format')!r}, expected {FORMAT}")
    return data


# -- page records ------------------------------------------------------------------------------


def encode_record(record: PageRecord) -> bytes:
    """One page record (page, version, credits) as the results stream's JSON."""
    payload = {"format": FORMAT, "record": dataclasses.asdict(record)}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def decode_record(raw: bytes | str | None) -> PageRecord:
    """The page record in a results-stream entry.

    Raises:
        BadEntry: when the entry is not a JSON page record of this format.
    """
    data = _load(raw, "record")
    fields = data.get("record")
    if not isinstance(fields, dict):
        raise BadEntry("record is not a JSON object")
    unknown = set(fields) - set(_RECORD_FIELDS)
    if unknown:
        raise BadEntry(f"record has unknown fields: {', '.join(sorted(unknown))[:100]}")
    for name in ("url", "site", "fetched_at"):
        if not isinstance(fields.get(name), str) or not fields[name]:
            raise BadEntry(f"record field {name} is missing or not text")
    paragraphs = fields.get("paragraphs")
    if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
        raise BadEntry("record field paragraphs is not a list of text")
    credits = fields.get("credits")
    if credits is not None and (
        not isinstance(credits, list) or not all(isinstance(c, dict) for c in credits)
    ):
        raise BadEntry("record field credits is not a list of objects")
    for name in ("title", "byline", "published", "language", "site_name", "description",
                 "canonical_url", "etag", "last_modified"):  # fmt: skip
        if fields.get(name) is not None and not isinstance(fields[name], str):
            raise BadEntry(f"record field {name} is not text")
    if fields.get("http_status") is not None and not isinstance(fields["http_status"], int):
        raise BadEntry("record field http_status is not a number")
    try:
        return PageRecord(**fields)
    except TypeError as exc:
        raise BadEntry(f"record does not fit a page record: {exc}") from None


# -- requests ----------------------------------------------------------------------------------

#: Request attributes carried through the frontier (never ``_class``: no class is loaded by name).
_REQUEST_KEYS = ("url", "method", "headers", "body", "cookies", "meta", "encoding", "priority",
                 "dont_filter", "callback", "errback", "flags", "cb_kwargs")  # fmt: skip
#: Meta keys that belong to one worker's handling of a request, not to the request.
LOCAL_META = ("tracker_frontier", "tracker_frontier_parent", "download_slot", "download_latency")


def encode_request(request: Any, spider: Any) -> bytes:
    """A Scrapy request as frontier JSON (callbacks by name).

    Raises:
        TypeError: when the request carries something JSON cannot hold (its meta, a callback
            that is not a spider method); the caller keeps such a request local.
    """
    data = request.to_dict(spider=spider)
    data = {key: data[key] for key in _REQUEST_KEYS if key in data}
    data["meta"] = {k: v for k, v in (data.get("meta") or {}).items() if k not in LOCAL_META}
    payload = {"format": FORMAT, "request": _plain(data)}
    return json.dumps(payload, sort_keys=True).encode("utf-8")


def decode_request(raw: bytes | str | None, spider: Any) -> Any:
    """The Scrapy request in a frontier entry, its callbacks looked up on ``spider``.

    Raises:
        BadEntry: when the entry is not a frontier request of this format.
    """
    import scrapy

    data = _load(raw, "request")
    fields = data.get("request")
    if not isinstance(fields, dict) or not isinstance(fields.get("url"), str):
        raise BadEntry("request has no URL")
    fields = _unplain({key: fields[key] for key in _REQUEST_KEYS if key in fields})
    for name in ("callback", "errback"):
        if fields.get(name) is not None:
            method = fields[name]
            found = getattr(spider, method, None) if isinstance(method, str) else None
            if method.startswith("_") or not inspect.ismethod(found):
                raise BadEntry(f"request {name} {str(method)[:60]!r} is no spider method")
            fields[name] = found
    try:
        return scrapy.Request(**fields)
    except (TypeError, ValueError) as exc:
        raise BadEntry(f"request does not fit a Scrapy request: {str(exc)[:100]}") from None
