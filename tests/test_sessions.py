"""composekit.sessions: cached_db sessions that a cache outage cannot break or make stale."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from composekit import sessions
from composekit.sessions import EPOCH_KEY, KEY_PREFIX, SessionStore
from tests import aio

pytestmark = pytest.mark.django_db


class SwitchableCache(LocMemCache):
    """Local memory that raises like an unreachable Redis while ``down`` is set; keeps its
    entries meanwhile, as a Redis that persists (or a partition) would."""

    down = False

    def _check(self) -> None:
        if SwitchableCache.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().get(*args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().get_many(*args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._check()
        super().set(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        self._check()
        return super().add(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        self._check()
        return super().delete(*args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        self._check()
        return super().has_key(*args, **kwargs)


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {"BACKEND": "tests.test_sessions.SwitchableCache", "LOCATION": "sessions"},
}


@pytest.fixture(autouse=True)
def _sessions_on_a_switchable_cache() -> Iterator[None]:
    with override_settings(
        CACHES=CACHES, SESSION_CACHE_ALIAS="sessions", SESSION_ENGINE="composekit.sessions"
    ):
        SwitchableCache.down = False
        caches["sessions"].clear()
        sessions._owed.clear()
        yield
        SwitchableCache.down = False
        sessions._owed.clear()


def saved(**data: Any) -> str:
    store = SessionStore()
    store.update(data)
    store.save(must_create=True)
    assert store.session_key
    return store.session_key


def load(key: str) -> dict[str, Any]:
    return dict(SessionStore(key).load())


def test_a_session_is_read_from_the_cache_without_a_query(django_assert_num_queries: Any) -> None:
    key = saved(user="ada")
    with django_assert_num_queries(0):
        assert load(key) == {"user": "ada"}
    epoch = caches["sessions"].get(EPOCH_KEY)
    assert caches["sessions"].get(KEY_PREFIX + key) == (epoch, {"user": "ada"})


def test_a_cache_that_fails_to_read_falls_back_to_the_database(caplog: pytest.LogCaptureFixture) -> None:
    key = saved(user="ada")
    SwitchableCache.down = True
    with caplog.at_level(logging.WARNING, logger="composekit"):
        assert load(key) == {"user": "ada"}
    assert [r.getMessage() for r in caplog.records] == [
        "session cache 'sessions' failed to read (ConnectionError: Error 111 connecting to 127.0.0.1:6379. "
        "Connection refused.); using the database",
        "session cache 'sessions' failed to write (ConnectionError: Error 111 connecting to 127.0.0.1:6379. "
        "Connection refused.); using the database",
    ]


def test_a_session_made_while_the_cache_is_down_is_kept_in_the_database() -> None:
    SwitchableCache.down = True
    key = saved(user="ada")
    assert Session.objects.filter(session_key=key).exists()
    assert load(key) == {"user": "ada"}
    SwitchableCache.down = False
    assert load(key) == {"user": "ada"}


def test_a_change_whose_cache_write_failed_is_not_undone_when_the_cache_returns() -> None:
    key = saved(cart=1)
    assert load(key) == {"cart": 1}  # in the cache
    SwitchableCache.down = True
    store = SessionStore(key)
    store["cart"] = 2
    store.save()  # the database has 2; the cache still holds 1
    SwitchableCache.down = False
    assert load(key) == {"cart": 2}
    assert caches["sessions"].get(KEY_PREFIX + key)[1] == {"cart": 2}, "stored again"


def test_a_logout_deletes_the_cache_entry() -> None:
    key = saved(_auth_user_id="1")
    store = SessionStore(key)
    store.load()
    store.flush()
    assert caches["sessions"].get(KEY_PREFIX + key) is None
    assert load(key) == {}


def test_a_logout_whose_cache_delete_failed_does_not_log_in_again_when_the_cache_returns() -> None:
    key = saved(_auth_user_id="1")
    assert load(key) == {"_auth_user_id": "1"}
    SwitchableCache.down = True
    store = SessionStore(key)
    store.load()
    store.flush()  # logout: the database row goes, the cache delete fails
    assert not Session.objects.filter(session_key=key).exists()
    SwitchableCache.down = False
    assert caches["sessions"].get(KEY_PREFIX + key) is not None, "the old entry is still there"
    assert load(key) == {}


def test_the_epoch_moves_once_on_return_then_the_cache_serves_again(
    django_assert_num_queries: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = saved(user="ada")
    before = caches["sessions"].get(EPOCH_KEY)
    SwitchableCache.down = True
    load(key)
    SwitchableCache.down = False
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="composekit"), django_assert_num_queries(1):
        assert load(key) == {"user": "ada"}  # refused from the cache, read and stored again
    assert [r.getMessage() for r in caplog.records] == [
        "session cache 'sessions' answers again: entries written before its failure are refused"
    ]
    assert caches["sessions"].get(EPOCH_KEY) not in (None, before)
    with django_assert_num_queries(0):
        assert load(key) == {"user": "ada"}


def test_a_lost_epoch_refuses_every_entry() -> None:
    key = saved(user="ada")
    caches["sessions"].delete(EPOCH_KEY)  # evicted, or the cache restarted with its data
    assert SessionStore(key)._cached() is None
    assert load(key) == {"user": "ada"}
    assert SessionStore(key)._cached() == {"user": "ada"}


def test_an_entry_of_another_shape_is_a_miss() -> None:
    key = saved(user="ada")
    caches["sessions"].set(KEY_PREFIX + key, {"user": "mallory"})  # Django's cached_db format
    assert load(key) == {"user": "ada"}


def test_exists_asks_the_database_when_the_cache_fails() -> None:
    key = saved(user="ada")
    SwitchableCache.down = True
    assert SessionStore().exists(key)
    assert not SessionStore().exists("x" * 32)
    SwitchableCache.down = False
    assert SessionStore().exists(key)


def test_deleting_without_a_key_does_nothing() -> None:
    SessionStore().delete()


@pytest.mark.django_db(transaction=True)  # the async methods query from another thread
def test_the_async_methods_run_the_guarded_ones() -> None:
    SwitchableCache.down = True
    store = SessionStore()
    store["user"] = "ada"
    aio.run(store.asave(must_create=True))  # a thread of its own: pytest-playwright's loop may run here
    key = store.session_key
    assert key
    assert aio.run(SessionStore(key).aload()) == {"user": "ada"}
    assert aio.run(SessionStore().aexists(key))
    aio.run(SessionStore(key).adelete())
    assert not Session.objects.filter(session_key=key).exists()


def test_a_redis_nobody_listens_on_costs_no_session() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    with override_settings(CACHES={**CACHES, "sessions": redis}):
        key = saved(user="ada")
        assert load(key) == {"user": "ada"}
        store = SessionStore(key)
        store.load()
        store.cycle_key()  # a login
        assert load(store.session_key or "") == {"user": "ada"}
        store.flush()
        assert load(key) == {} and Session.objects.count() == 0
