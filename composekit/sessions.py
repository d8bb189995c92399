"""Sessions in the database, read through the cache, that a cache outage cannot break.

``SESSION_ENGINE = "composekit.sessions"``: Django's ``cached_db`` store whose cache calls
degrade. A cache read that fails reads the database; a cache write or delete that fails is
logged (a warning on the ``composekit`` logger) after the database write has happened. So
while the cache (``SESSION_CACHE_ALIAS``) is down, logged-in users stay logged in, their
session changes are kept, and each request costs one more query.

A failed write leaves the cache behind the database: a logout whose cache delete failed
would leave the logged-in session in the cache, and a change whose cache write failed the
older data. When the cache answers again, such an entry must not be served. Checking the
database on each read would make the cache pointless, so entries are stamped instead: each
is stored with the cache's current *epoch* (a random token under ``composekit:sessions:epoch``,
read in the same round trip as the entry), and an entry whose stamp is not the current epoch
is a miss. A process that saw any session cache call fail owes a new epoch: its first cache
call once the cache answers again sets one, and every entry written before is refused (read
from the database and stored again). An outage costs one database read per active session
afterwards, never stale data.

The limit: the epoch moves when a process that *saw* the failure reaches the cache again.
In an outage of the cache every busy process sees it. If the cache stays reachable for some
hosts while one host is cut off (a partition), the others may serve the entry that host could
not delete until it reaches the cache again, or until the entry expires.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.cache.backends.base import BaseCache

__all__ = ["EPOCH_KEY", "KEY_PREFIX", "SessionStore"]

logger = logging.getLogger("composekit")

KEY_PREFIX = "composekit:sessions:"
# Session keys are 32 characters: no session can have this key.
EPOCH_KEY = KEY_PREFIX + "epoch"

_lock = threading.Lock()
_owed: set[str] = set()  # cache aliases whose epoch this process must move before using them


class SessionStore(CachedDBStore):
    """Django's ``cached_db`` store, with a database fallback for every cache call."""

    cache_key_prefix = KEY_PREFIX
    # What Django's stores have and django-stubs does not declare.
    _cache: BaseCache  # caches[SESSION_CACHE_ALIAS]
    _session: dict[str, Any]
    _get_session_from_db: Callable[[], AbstractBaseSession | None]

    def load(self) -> dict[str, Any]:
        data = self._cached()
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        self._store(data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key: str) -> bool:
        # Asked only when making a new key: a stale entry costs another key, nothing more.
        try:
            cached = bool(session_key) and f"{KEY_PREFIX}{session_key}" in self._cache
        except Exception as error:
            self._failed("look up", error)
            cached = False
        return cached or DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)  # the database first: it is the truth
        self._store(self._session, self.get_expiry_age())

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._settle()
            self._cache.delete(KEY_PREFIX + session_key)
        except Exception as error:
            self._failed("delete", error)

    # Each of Django's async methods runs the sync one: one code path to get right.
    async def aload(self) -> dict[str, Any]:
        return await sync_to_async(self.load)()

    async def aexists(self, session_key: str) -> bool:
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)

    # -- the cache, guarded ---------------------------------------------------------------

    def _cached(self) -> dict[str, Any] | None:
        """The session's data from the cache, or None: not there, stale, or the cache failed."""
        try:
            self._settle()
            found = self._cache.get_many([EPOCH_KEY, self.cache_key])
        except Exception as error:
            self._failed("read", error)
            return None
        entry, epoch = found.get(self.cache_key), found.get(EPOCH_KEY)
        if isinstance(entry, tuple) and len(entry) == 2 and epoch is not None and entry[0] == epoch:
            data: dict[str, Any] = entry[1]
            return data
        return None

    def _store(self, data: dict[str, Any], expiry_age: int) -> None:
        try:
            self._settle()
            epoch = self._cache.get(EPOCH_KEY)
            if epoch is None:  # the cache's first session, or it lost everything
                self._cache.add(EPOCH_KEY, uuid.uuid4().hex, None)
                epoch = self._cache.get(EPOCH_KEY)
            self._cache.set(self.cache_key, (epoch, data), expiry_age)
        except Exception as error:
            self._failed("write", error)

    def _settle(self) -> None:
        """Moves the epoch if this process owes it (it saw the cache fail); raises if that fails."""
        alias = self._alias
        if alias in _owed:
            self._cache.set(EPOCH_KEY, uuid.uuid4().hex, None)
            with _lock:
                _owed.discard(alias)
            logger.warning(
                "session cache %r answers again: entries written before its failure are refused", alias
            )

    def _failed(self, what: str, error: Exception) -> None:
        with _lock:
            _owed.add(self._alias)
        logger.warning(
            "session cache %r failed to %s (%s: %s); using the database",
            self._alias,
            what,
            type(error).__name__,
            error,
        )

    @property
    def _alias(self) -> str:
        alias: str = settings.SESSION_CACHE_ALIAS
        return alias
