"""Django's cache for ``monolithic-cache``: the ``{% cache %}`` tags' parts kept until changed.

The demo's templates say ``{% cache 300 ... %}``; composed's shells are kept by Varnish until
purged (a day at most). Kept 300 s, the parts would expire within a slow round and be
rendered again in it, so the comparison would depend on how long a round takes. Here they are
kept a day, like composed's shells; nothing they show changes during the rounds (they are
keyed by what they show: the product, the category, the sort, the page). Every other entry
(sessions, the picks ``bench.variants.tags`` keeps) keeps the timeout it is given.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

KEPT_S = 86_400  # as composed's shells in Varnish: until purged, a day at most
TEMPLATE_PARTS = "template.cache."  # the prefix of every {% cache %} key (Django's)


class KeptTemplateParts(RedisCache):
    """Redis, with ``{% cache %}`` parts kept ``KEPT_S`` whatever the tag's timeout."""

    def _timeout(self, key: str, timeout: float | None | object) -> Any:
        return KEPT_S if key.startswith(TEMPLATE_PARTS) else timeout

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        super().set(key, value, self._timeout(key, timeout), version)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return super().add(key, value, self._timeout(key, timeout), version)
