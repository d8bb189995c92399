"""Reading ``Accept``: whether a fragment request asks for JSON rather than HTML."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["wants_json"]

_JSON_RANGES = frozenset({"application/json", "application/*", "*/*"})
_HTML_RANGES = frozenset({"text/html", "text/*", "*/*"})
_REFUSED = ("q=0", "q=0.0", "q=0.00", "q=0.000")


@lru_cache(maxsize=64)  # a site sees few distinct Accept headers: browsers', the loader's
def wants_json(accept: str) -> bool:
    """Whether an ``Accept`` header takes JSON and not HTML (then the endpoint answers JSON).

    A lean reading of the header: Django's ``request.accepts()`` builds every header and
    media type object, several times the cost of the rest of a 304. A range with ``q=0``
    is refused, as in RFC 9110; no header means ``*/*``, so HTML.
    """
    ranges = set()
    for item in (accept or "*/*").lower().split(","):
        media, *params = item.split(";")
        if not any(p.strip().replace(" ", "") in _REFUSED for p in params):
            ranges.add(media.strip())
    return bool(ranges & _JSON_RANGES) and not ranges & _HTML_RANGES
