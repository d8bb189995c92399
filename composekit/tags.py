"""Cache tags: what a shared copy depends on, in the header its cache reads, so a purge finds it.

A response a shared cache may keep (a public fragment, an ESI include of one, a shell from
``@cacheable_shell``) carries the labels of what it depends on (``versions.label()``: the
ones ``expire()`` takes) as tags: ``("product", "CK-3005")`` is the tag ``product:CK-3005``,
``"products"`` is ``products``. Every tagged response also carries ``composekit``, the tag of
everything composekit tagged (``manage.py composekit_purge composekit`` after a deploy).

The headers are the configured purge backends' (``xkey`` for Varnish, ``Surrogate-Key`` for
Fastly, ``Cache-Tag`` for Cloudflare) or ``COMPOSEKIT_TAG_HEADERS``; none configured, no
tags are sent. Each header's value is bounded (``COMPOSEKIT_TAGS_MAX_BYTES``): past it, the
dependency names with the most ids are tagged by their name alone (``product``), which
``expire("product", id)`` purges too; if even that does not fit, the response is not tagged
and keeps its short lifetime. Tags never reach browsers: the VCL and the CDNs strip them.
See docs/caching.md ("Shared caches: tags and purges").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.http.response import HttpResponseBase

from .conf import conf

if TYPE_CHECKING:
    from .purgers import PurgeBackend

__all__ = [
    "SITE_TAG",
    "header_specs",
    "labels_of",
    "purge_tags",
    "purging",
    "response_tags",
    "strip",
    "tag",
    "write",
]

logger = logging.getLogger("composekit")

SITE_TAG = "composekit"
# How each known cache separates tags in its header; any other header: a space.
SEPARATORS = {"xkey": " ", "surrogate-key": " ", "cache-tag": ","}
_LABELS_ATTR = "_composekit_labels"


def tag(dependency_label: str) -> str:
    """``product=CK-3005`` (a label) is ``product:CK-3005``; ``products`` stays ``products``."""
    return conf.TAG_PREFIX + dependency_label.replace("=", ":", 1)


def _broad(dependency_label: str) -> str:
    """The tag of every copy of a dependency name: ``product=CK-3005`` is ``product``."""
    return conf.TAG_PREFIX + dependency_label.partition("=")[0]


def purge_tags(labels: Iterable[str]) -> list[str]:
    """The tags a change to ``labels`` purges: each one's own, and, for a label with ids, its
    name's (the tag of responses whose tags were broadened to fit the header)."""
    found: dict[str, None] = {}
    for dependency_label in labels:
        found[tag(dependency_label)] = None
        if "=" in dependency_label:
            found[_broad(dependency_label)] = None
    return list(found)


def response_tags(labels: Iterable[str]) -> list[str] | None:
    """The tags of a response depending on ``labels``, within ``COMPOSEKIT_TAGS_MAX_BYTES``; None
    when even the names alone do not fit."""
    limit = conf.TAGS_MAX_BYTES
    by_name = {
        name: sorted(set(group))
        for name, group in groupby(sorted(set(labels)), key=lambda value: value.partition("=")[0])
    }
    while True:
        tags = sorted(
            {conf.TAG_PREFIX + SITE_TAG, *(tag(lab) for group in by_name.values() for lab in group)}
        )
        if _length(tags) <= limit:
            return tags
        widest = max(
            (name for name, group in by_name.items() if any("=" in lab for lab in group)),
            key=lambda name: (len(by_name[name]), name),
            default=None,
        )
        if widest is None:
            return None
        by_name[widest] = [widest]


def write(response: HttpResponseBase, labels: Sequence[str], what: str) -> bool:
    """Put the tags of ``labels`` in ``response``'s tag headers; whether it is tagged (and so
    may be kept until purged). ``what`` names the fragment or view, for the log."""
    setattr(response, _LABELS_ATTR, tuple(labels))  # for a server-side cache of it, tags or not
    specs = header_specs()
    if not specs:
        return False
    tags = response_tags(labels)
    if tags is None:
        logger.warning(
            "%s depends on more than COMPOSEKIT_TAGS_MAX_BYTES (%d) of tags, even by dependency "
            "name alone; it is sent untagged, with its short lifetime",
            what,
            conf.TAGS_MAX_BYTES,
            extra={"view": what},
        )
        return False
    for header, separator in specs:
        response[header] = separator.join(tags)
    return True


def strip(response: HttpResponseBase) -> None:
    """Remove the tag headers (from a response that turned out per-user)."""
    for header, _ in header_specs():
        if header in response:
            del response[header]
    if hasattr(response, _LABELS_ATTR):
        delattr(response, _LABELS_ATTR)


def labels_of(response: HttpResponseBase) -> tuple[str, ...] | None:
    """The dependency labels of a shareable ``response`` (tagged or not: ``write()`` saw it);
    None for any other response."""
    labels: tuple[str, ...] | None = getattr(response, _LABELS_ATTR, None)
    return labels


def header_specs() -> list[tuple[str, str]]:
    """``(header, separator)`` of every tag header to send: ``COMPOSEKIT_TAG_HEADERS``, else the
    configured purge backends'."""
    names = conf.TAG_HEADERS
    if names is None:
        return list(dict.fromkeys((backend.header, backend.separator) for backend in _backends()))
    return [(name, SEPARATORS.get(name.lower(), " ")) for name in names]


def purging() -> bool:
    """Whether a purge backend is configured: only then are copies kept until purged."""
    return bool(_backends())


def _backends() -> list[PurgeBackend]:
    """The configured purge backends; none, and an error logged, if the setting is malformed
    (check E008 says how at start-up): a request must not fail over it."""
    from .purge import configured

    try:
        return configured()
    except ImproperlyConfigured as error:
        logger.error("no cache tags or purges: %s", error)
        return []


def _length(tags: list[str]) -> int:
    return len(" ".join(tags).encode())
