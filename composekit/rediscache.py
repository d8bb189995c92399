"""Django's Redis cache backend, with one redis-py client per server instead of one per call.

Django's ``RedisCache`` keeps a connection pool per server but builds a new ``redis.Redis``
around it for every cache operation; building one costs more CPU than many a cache hit
(about 170 µs here, docs/benchmarks.md). A client is only a handle on its pool and is safe to
share between threads, so this backend builds it once per pool and reuses it. Everything
else is Django's: same ``LOCATION``, ``OPTIONS``, serializer and behaviour. It helps every
cache call in the project, not only composekit's::

    CACHES = {"default": {"BACKEND": "composekit.rediscache.RedisCache",
                          "LOCATION": "redis://127.0.0.1:6379/1"}}
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

__all__ = ["RedisCache", "ReusedClient"]


class ReusedClient(RedisCacheClient):
    """``RedisCacheClient`` whose ``get_client()`` returns one client per connection pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # not in the stubs
        client = self._clients.get(index)
        if client is None:
            # Two threads may both build one; the second simply replaces the first.
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    """Django's ``RedisCache`` reusing its redis-py clients (``ReusedClient``)."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClient
