"""The server-side fragment cache: rendered HTML kept in a Django cache under a readable key.

A fragment opts in with ``server_cache = ServerCache(timeout=...)`` and says what its HTML
depends on in ``get_dependencies()``. Its HTML is then stored under
``composekit:<fragment>:<params, who asks, dependencies>:<their versions>`` (``versions.py``)
in the cache ``COMPOSEKIT_CACHE`` names; ``expire()`` moves a version and the next request
renders anew. With ``stale_while_revalidate`` an entry past its timeout is still served at
once while one request (holding a lock in the cache) renders it again after its response.

Never a shared key for per-user HTML: a private fragment's key holds who asks (the user, or
a digest of the session key). A render that used the CSRF token, messages or set a cookie is
not stored at all, nor is a public fragment's render that touched per-user state. And a
cache that fails is logged and skipped: the fragment renders as if it had no cache.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.http.response import HttpResponseBase
from rest_framework.request import Request

from . import requeststate
from .conf import conf
from .keys import entry_key, lock_key, param_part
from .policy import CachePolicy
from .purity import SESSION, VARY_COOKIE, per_user_state
from .signing import ParamValue
from .timing import RenderMeasure
from .versions import cache_backend, versions

__all__ = ["ERROR", "HIT", "MISS", "REGENERATED", "STALE", "CachedFragment", "Lookup", "ServerCache"]

logger = logging.getLogger("composekit")

# What the cache did for a response (Server-Timing ``cache;desc=...``, the signal's ``cache``).
HIT, MISS, STALE, ERROR = "hit", "miss", "stale", "error"
REGENERATED = "regenerated"  # the signal only: a stale entry rendered again after its response
# What a private fragment's render may touch and still be stored (per user, under its key).
_PRIVATE_MAY_TOUCH = frozenset({SESSION, VARY_COOKIE})


class CachedFragment(Protocol):
    """What a lookup reads of the fragment (a ``Fragment``; ``fragment.py`` imports this module)."""

    @property
    def name(self) -> str: ...
    @property
    def cache(self) -> CachePolicy: ...
    @property
    def params(self) -> dict[str, ParamValue]: ...
    def dependency_labels(self, request: Request) -> list[str]: ...


@dataclass(frozen=True)
class ServerCache:
    """How long a fragment's HTML is kept on the server (whole seconds).

    ``timeout``: fresh for this long. ``stale_while_revalidate``: then served for this much
    longer while one request renders it again (0, the default: rendered on the request that
    finds it expired). ``lock_timeout``: how long that regeneration may hold its lock.
    """

    timeout: int
    stale_while_revalidate: int = 0
    lock_timeout: int = 30

    def __post_init__(self) -> None:
        for name, minimum in (("timeout", 1), ("stale_while_revalidate", 0), ("lock_timeout", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(
                    f"ServerCache: {name} must be a whole number of seconds >= {minimum}, not {value!r}"
                )


class Lookup:
    """One response's use of the server cache for one fragment."""

    def __init__(self, fragment: CachedFragment, request: Request, config: ServerCache) -> None:
        self.fragment = fragment
        self.request = request
        self.config = config
        self.status: str | None = None
        self.key: str | None = None
        self._fresh: str | None = None  # rendered here: stored once the response is judged
        self._regenerate: Callable[[], str] | None = None
        self._before = requeststate.touched_before_fragment(request._request)
        parts, labels = self._parts(), fragment.dependency_labels(request)
        self.labels = labels
        # With dependencies the key changes whenever the HTML may: it is the validator (ETag).
        self.dependent = bool(labels)
        try:
            self.key = entry_key(fragment.name, [*parts, *labels], versions(labels))
        except Exception as error:
            self._failed(error)

    @property
    def validator(self) -> str | None:
        """What the ETag derives from, when the key says it all; else None (the fragment's own)."""
        return self.key if self.dependent else None

    def html(self, render: Callable[[], str]) -> str:
        """The fragment's HTML: from the cache when it holds it, else ``render()``."""
        if self.key is None:
            return render()
        try:
            entry = cache_backend().get(self.key)
            html, fresh_until = (None, 0.0) if entry is None else entry  # what _store() wrote
        except Exception as error:  # unreachable, or something else under the key
            self._failed(error)
            return render()
        now = time.time()
        if entry is not None:
            if now < fresh_until:
                self.status = HIT
                return str(html)
            if self.config.stale_while_revalidate:
                self.status = STALE
                if self._lock():
                    self._regenerate = render
                return str(html)
        self.status = MISS
        self._fresh = render()
        return self._fresh

    def finish(self, response: HttpResponseBase) -> None:
        """Store what was rendered if ``response`` may be shared under the key; schedule a
        regeneration after the response (before returning, inside a page's sub-request)."""
        if self._fresh is not None and response.status_code == 200 and self._storable(response):
            self._store(self._fresh)
        if self._regenerate is not None:
            if requeststate.is_inline(self.request._request):
                self._regenerate_now()
            else:
                # Run by response.close(): after the server sent the response, before Django's
                # request_finished closes the database connections.
                response._resource_closers.append(self._regenerate_now)  # type: ignore[attr-defined]

    # -- key -------------------------------------------------------------------------

    def _parts(self) -> list[str]:
        parts = [param_part(name, value) for name, value in sorted(self.fragment.params.items())]
        if not self.fragment.cache.is_public:
            parts.append(self._who())
        return parts

    def _who(self) -> str:
        """Who asks, for a private fragment's key: the user, else the session, else nobody."""
        user = self.request.user
        if user is not None and user.is_authenticated:
            return f"user={user.pk}"
        session_key = getattr(getattr(self.request._request, "session", None), "session_key", None)
        if session_key:
            # Never the session key itself: it is a credential, and keys are readable.
            return "session=" + hashlib.sha256(session_key.encode()).hexdigest()[:16]
        return "user=anonymous"

    # -- storing and regenerating ---------------------------------------------------------

    def _storable(self, response: HttpResponseBase | None) -> bool:
        touched = set(per_user_state(self.request._request, response)) - self._before
        allowed = frozenset() if self.fragment.cache.is_public else _PRIVATE_MAY_TOUCH
        refused = touched - allowed
        if refused:
            logger.warning(
                "fragment %r not kept in the server cache: its render touched %s",
                self.fragment.name,
                ", ".join(sorted(refused)),
                extra={"fragment": self.fragment.name},
            )
        return not refused

    def _store(self, html: str) -> None:
        assert self.key is not None
        try:
            cache_backend().set(
                self.key,
                (html, time.time() + self.config.timeout),
                self.config.timeout + self.config.stale_while_revalidate,
            )
        except Exception as error:
            self._failed(error)

    def _regenerate_now(self) -> None:
        render = self._regenerate
        assert render is not None and self.key is not None
        self._regenerate = None
        self._before = frozenset(per_user_state(self.request._request))  # after the response: anew
        try:
            # Stored inside the measure, as a response's lookup is inside Fragment.dispatch()'s.
            with RenderMeasure() as measure:
                html = render()
                if self._storable(None):
                    self._store(html)
            measure.send(
                type(self.fragment),
                self.fragment.name,
                self.request._request,
                status=200,
                response=None,
                cache=REGENERATED,
            )
        except Exception as error:
            logger.error(
                "fragment %r raised %s while regenerating; the stale entry stays",
                self.fragment.name,
                type(error).__name__,
                exc_info=error,
                extra={"fragment": self.fragment.name},
            )
        finally:
            self._unlock()

    def _lock(self) -> bool:
        """Take the key's regeneration lock, unless it is taken or the entry is fresh again: a
        request that read the stale entry just before another stored the new one must not
        regenerate it a second time."""
        assert self.key is not None
        try:
            if not cache_backend().add(lock_key(self.key), 1, timeout=self.config.lock_timeout):
                return False
            entry = cache_backend().get(self.key)
            fresh_until = 0.0 if entry is None else entry[1]
        except Exception as error:
            self._failed(error)
            return False
        if time.time() < fresh_until:
            self._unlock()
            return False
        return True

    def _unlock(self) -> None:
        assert self.key is not None
        try:
            cache_backend().delete(lock_key(self.key))
        except Exception as error:
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        """A cache outage degrades to rendering: say so, never raise."""
        self.status = ERROR
        logger.warning(
            "server cache %r failed for fragment %r (%s: %s); rendering without it",
            conf.CACHE,
            self.fragment.name,
            type(error).__name__,
            error,
            extra={"fragment": self.fragment.name},
        )
