"""composekit.rediscache: Django's Redis cache with one redis-py client per server, on a real
redis-server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from composekit.rediscache import RedisCache, ReusedClient


def reused(cache: RedisCache) -> ReusedClient:
    client = cache._cache
    assert isinstance(client, ReusedClient)
    return client


@pytest.fixture
def cache(redis_url: str) -> Iterator[RedisCache]:
    backend = RedisCache(redis_url, {"KEY_PREFIX": "rediscache-test"})
    backend.clear()
    yield backend
    backend.clear()


def test_it_is_djangos_cache_with_a_client_built_once(cache: RedisCache, redis_url: str) -> None:
    assert isinstance(cache._cache, ReusedClient)
    first = cache._cache.get_client()
    assert cache._cache.get_client() is first
    assert cache._cache.get_client("a-key", write=True) is first  # one server: one pool, one client
    # Django's own builds a client per call: the cost this backend saves.
    django = DjangoRedisCache(redis_url, {})
    assert django._cache.get_client() is not django._cache.get_client()


def test_every_operation_behaves_as_djangos(cache: RedisCache) -> None:
    cache.set("a", {"html": "<p>x</p>", "n": 1}, 30)
    assert cache.get("a") == {"html": "<p>x</p>", "n": 1}
    assert cache.add("a", "other") is False
    cache.set_many({"b": 2, "c": 3})
    assert cache.get_many(["a", "b", "c", "missing"]) == {"a": {"html": "<p>x</p>", "n": 1}, "b": 2, "c": 3}
    assert cache.incr("b") == 3
    assert cache.delete("a") is True
    assert cache.get("a", "gone") == "gone"
    assert cache.touch("c", 60) is True
    assert cache.has_key("c")


def test_threads_share_the_client_safely(cache: RedisCache) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"t{n}:{i}", i)
                assert cache.get(f"t{n}:{i}") == i
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(reused(cache)._clients) == 1


def test_several_servers_get_a_client_each(redis_url: str) -> None:
    # Writes go to the first server, reads to the others: each pool has its own client.
    cache = RedisCache([redis_url, redis_url], {})
    writer = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is writer
    cache.set("k", 1)
    assert cache.get("k") == 1
    clients = reused(cache)._clients
    assert sorted(clients) == [0, 1]
    assert clients[0] is writer and clients[1] is not writer
