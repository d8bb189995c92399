"""Conditional GET for fragments: strong ETags, and whether a request's validators still match."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from django.http import HttpRequest
from django.utils.http import parse_etags, parse_http_date_safe, quote_etag

__all__ = ["body_etag", "digest_etag", "is_conditional", "not_modified"]


def digest_etag(parts: Iterable[str]) -> str:
    """A strong ETag: the SHA-256 of ``parts`` (joined by NUL), 32 hex digits, quoted."""
    return quote_etag(hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32])


def body_etag(content: bytes) -> str:
    """A strong ETag of a body: with no cheap validator, the hash still saves the transfer."""
    return quote_etag(hashlib.sha256(content).hexdigest()[:32])


def is_conditional(request: HttpRequest) -> bool:
    """Whether ``request`` carries a validator (``If-None-Match`` or ``If-Modified-Since``)."""
    meta = request.META
    return "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta


def not_modified(request: HttpRequest, etag: str | None, last_modified: datetime | None) -> bool:
    """Whether ``request``'s ``If-None-Match`` (else ``If-Modified-Since``) still holds.

    As RFC 9110 says, ``If-Modified-Since`` is ignored when ``If-None-Match`` is sent;
    ETags compare weakly (a ``W/`` prefix from a proxy still matches).
    """
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if etag is None:
            return False
        wanted = parse_etags(if_none_match)
        return "*" in wanted or _weak(etag) in {_weak(e) for e in wanted}
    since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if since is not None and last_modified is not None:
        since_ts = parse_http_date_safe(since)
        return since_ts is not None and int(last_modified.timestamp()) <= since_ts
    return False


def _weak(etag: str) -> str:
    return etag.removeprefix("W/")
