"""Cache policies for fragments, turned into exact ``Cache-Control`` and ``Vary``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

__all__ = ["DOWNGRADED", "SCOPES_HEADER", "SCOPE_RE", "CachePolicy"]

# Every fragment URL answers HTML or JSON by Accept, so any cache must key on it.
_BASE_VARY = ("Accept",)
SCOPES_HEADER = "CK-Scopes"
SCOPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class CachePolicy:
    """How a fragment's responses may be cached. Build one with the class methods."""

    kind: str
    max_age: int = 0
    s_maxage: int | None = None
    stale_while_revalidate: int | None = None
    vary: tuple[str, ...] = ()
    stale_if_error: int | None = None
    # What the user's writes must leave alone for a kept copy to stay valid (generations.py);
    # None: any write. Sent as CK-Scopes.
    scopes: tuple[str, ...] | None = None
    # Public only: with a purge backend configured, shared caches keep it until its tags are
    # purged (COMPOSEKIT_PURGED_MAX_AGE at most) instead of for s_maxage (tags.py).
    keep_until_purged: bool = False
    # Private only: seconds a shared cache may keep it for the session that asked
    # (persession.py); None: no shared cache keeps it.
    per_session: int | None = None

    @classmethod
    def private(
        cls,
        max_age: int = 0,
        stale_while_revalidate: int | None = None,
        vary: Iterable[str] = (),
        stale_if_error: int | None = None,
        scopes: Iterable[str] | None = None,
        per_session: int | None = None,
    ) -> CachePolicy:
        """Per-user: only the user's browser may keep it; ``max_age=0`` revalidates every time.

        The loader keeps it for the tab's next page views for ``max_age`` seconds, until the
        user's own writes change it: any write, or with ``scopes`` (``("cart",)``) only writes
        that name one of them (``composekit.invalidate(request, "cart")``); ``scopes=()``
        for content no write of the user changes (their name, say).

        ``per_session=600``: a shared cache that honours ``CK-Per-Session`` (the reference
        VCL) may also keep it, for the session that asked alone, up to 600 seconds and never
        past the session's expiry, until that session ends or ``get_dependencies()`` change
        (purged by tag). Needs ``COMPOSEKIT_PURGE_BACKENDS``; see docs/caching.md.
        """
        return cls(
            "private",
            _seconds("max_age", max_age),
            None,
            _optional_seconds("stale_while_revalidate", stale_while_revalidate),
            tuple(vary),
            _optional_seconds("stale_if_error", stale_if_error),
            None if scopes is None else tuple(_scope(scope) for scope in scopes),
            per_session=_per_session(per_session),
        )

    @classmethod
    def public(
        cls,
        max_age: int = 0,
        s_maxage: int | None = None,
        stale_while_revalidate: int | None = None,
        vary: Iterable[str] = (),
        stale_if_error: int | None = None,
        keep_until_purged: bool = False,
    ) -> CachePolicy:
        """The same for every visitor: shared caches may keep it. Never reads the session.

        ``keep_until_purged=True``: where a purge backend is configured, shared caches keep it
        until what it depends on changes (its tags are purged), ``COMPOSEKIT_PURGED_MAX_AGE``
        at most; elsewhere ``s_maxage`` (else ``max_age``) stays its lifetime.
        """
        vary = tuple(vary)
        if any(v.lower() == "cookie" for v in vary):
            raise ValueError("a public fragment cannot vary on Cookie; use CachePolicy.private()")
        return cls(
            "public",
            _seconds("max_age", max_age),
            _optional_seconds("s_maxage", s_maxage),
            _optional_seconds("stale_while_revalidate", stale_while_revalidate),
            vary,
            _optional_seconds("stale_if_error", stale_if_error),
            keep_until_purged=bool(keep_until_purged),
        )

    @classmethod
    def no_store(cls) -> CachePolicy:
        """Never stored by any cache."""
        return cls("no-store")

    @property
    def is_public(self) -> bool:
        return self.kind == "public"

    def until_purged(self, max_age: int) -> CachePolicy:
        """This policy as sent when its response is tagged and purges are sent: shared caches
        keep it for ``max_age`` (the safety net); itself when it does not ask for that."""
        if not self.keep_until_purged:
            return self
        return _until_purged(self, max_age)

    def cache_control(self) -> str:
        if self.kind == "no-store":
            return "no-store"
        parts = [self.kind]
        if self.kind == "private" and self.max_age == 0:
            parts.append("no-cache")
        else:
            parts.append(f"max-age={self.max_age}")
        if self.s_maxage is not None:
            parts.append(f"s-maxage={self.s_maxage}")
        if self.stale_while_revalidate is not None:
            parts.append(f"stale-while-revalidate={self.stale_while_revalidate}")
        if self.stale_if_error is not None:
            parts.append(f"stale-if-error={self.stale_if_error}")
        return ", ".join(parts)

    def vary_header(self) -> str:
        names = list(_BASE_VARY)
        if self.kind != "public":
            names.append("Cookie")
        for name in self.vary:
            if name.lower() not in {n.lower() for n in names}:
                names.append(name)
        return ", ".join(names)

    def headers(self) -> dict[str, str]:
        return dict(self._headers)

    @cached_property
    def _headers(self) -> tuple[tuple[str, str], ...]:
        # Computed once per policy: every response of a fragment sends the same headers.
        headers = [("Cache-Control", self.cache_control()), ("Vary", self.vary_header())]
        if self.scopes is not None:
            headers.append((SCOPES_HEADER, ", ".join(self.scopes)))
        return tuple(headers)


@lru_cache(maxsize=256)
def _until_purged(policy: CachePolicy, max_age: int) -> CachePolicy:
    # One policy object per (policy, lifetime): its headers are computed once, as for any policy.
    return replace(policy, s_maxage=max(max_age, policy.s_maxage or 0))


def _seconds(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of seconds >= 0, not {value!r}")
    return value


def _optional_seconds(name: str, value: object) -> int | None:
    return None if value is None else _seconds(name, value)


def _per_session(value: object) -> int | None:
    if value == 0 and not isinstance(value, bool):
        raise ValueError("per_session must be None (not kept) or at least 1 second, not 0")
    return _optional_seconds("per_session", value)


def _scope(value: object) -> str:
    if not isinstance(value, str) or not SCOPE_RE.match(value):
        raise ValueError(f"a scope is lowercase letters, digits and hyphens, like 'cart', not {value!r}")
    return value


# What a public fragment that touched per-user state is downgraded to.
DOWNGRADED = CachePolicy.private()
