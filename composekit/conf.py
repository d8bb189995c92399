"""Typed access to the ``COMPOSEKIT_*`` settings.

Each value is read from ``django.conf.settings`` the first time it is asked for, then kept:
a setting left at its default costs an ``AttributeError`` inside ``getattr()`` (about 4 µs)
per read otherwise, and a fragment request reads several. ``override_settings`` (and
pytest-django's ``settings`` fixture) send ``setting_changed``, which forgets them, so tests
that change a setting see the new value. ``DEFAULTS`` is the one table of defaults:
``conf`` falls back to it and ``checks.py`` validates what ``raw()`` returns, so the two
never disagree.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

__all__ = ["DEFAULTS", "MODES", "Settings", "conf"]

MODES = ("client", "inline", "esi", "stream")

# Every setting, without its COMPOSEKIT_ prefix, and its default. ``None`` for MODE and
# LOCATE_TOUCHES means "derived from DEBUG"; for the loader options (TIMEOUT, RETRIES,
# LAZY_MARGIN) it means "the loader's own default": only values set are written into the tag.
DEFAULTS: dict[str, Any] = {
    "MODE": None,
    "PARAMS_MAX_BYTES": 2048,
    "MAX_DEPTH": 5,
    "SCRIPT": "composekit/composekit.min.js",
    "LIVE_SCRIPT": "composekit/composekit-live.min.js",
    # composekit-live: events that cross to the user's other tabs; the coalescing window (ms,
    # None: the script's own default).
    "LIVE_TABS": (),
    "LIVE_COALESCE": None,
    "FRAGMENT_ORIGIN": None,
    # The loader's default too (config.identityCookie): only another name is written into the tag.
    "IDENTITY_COOKIE": "ck_identity",
    # Likewise config.generationCookie: the cookie writes move (generations.py).
    "GENERATION_COOKIE": "ck_gen",
    "BATCH": True,
    "BATCH_MAX_PARTS": 50,
    # Streamed mode (streaming.py): fragments rendered at once per page, and how long to wait.
    "STREAM_THREADS": 4,
    "STREAM_TIMEOUT": 10,
    "SERVER_TIMING": True,
    "LOCATE_TOUCHES": None,
    "INLINE_CARRY": (),
    "TIMEOUT": None,
    "RETRIES": None,
    "LAZY_MARGIN": None,
    "ALLOWED_ORIGINS": (),
    "ALLOW_SCRIPTS": False,
    # The alias in CACHES where fragments with a server_cache keep their HTML (servercache.py).
    "CACHE": "default",
    "ROBOTS_TAG": "noindex",
    # Cache tags on shareable responses (tags.py). None: the configured purge backends' headers.
    "TAG_HEADERS": None,
    "TAG_PREFIX": "",
    "TAGS_MAX_BYTES": 2048,
    # How long shared caches keep what is kept until purged: the safety net for a lost purge.
    "PURGED_MAX_AGE": 86400,
    # Shared caches purged by tag (purge.py): backends like CACHES entries, and how hard to try.
    "PURGE_BACKENDS": [],
    "PURGE_RETRIES": 5,
    "PURGE_BACKOFF": 0.5,
    "PURGE_TIMEOUT": 5,
    # Metrics backends fed by the signals (metrics.py): "prometheus", "opentelemetry".
    "METRICS": (),
}


class Settings:
    def __init__(self) -> None:
        self._read: dict[str, Any] = {}

    def raw(self, name: str) -> Any:
        """``COMPOSEKIT_<name>`` as configured, else its default: what the checks validate."""
        try:
            return self._read[name]
        except KeyError:
            value = self._read[name] = getattr(settings, f"COMPOSEKIT_{name}", DEFAULTS[name])
            return value

    def forget(self) -> None:
        """Read every setting afresh at its next use (``setting_changed`` calls this)."""
        self._read.clear()

    @property
    def MODE(self) -> str:
        """``"inline"`` renders fragments into the page; ``"client"`` leaves them to the loader;
        ``"esi"`` leaves them to a surrogate that says it can include them (else the loader);
        ``"stream"`` sends the page, then its private fragments in the same response (streaming.py)."""
        mode = self.raw("MODE")
        if mode is None:
            return "inline" if settings.DEBUG else "client"
        return str(mode)

    @property
    def PARAMS_MAX_BYTES(self) -> int:
        """Largest signed ``p=`` token, in bytes, a placeholder may carry."""
        return int(self.raw("PARAMS_MAX_BYTES"))

    @property
    def MAX_DEPTH(self) -> int:
        """How deeply fragments may nest, inline and in the loader."""
        return int(self.raw("MAX_DEPTH"))

    @property
    def SCRIPT(self) -> str:
        """Static path of the loader that ``{% composekit_script %}`` emits."""
        return str(self.raw("SCRIPT"))

    @property
    def LIVE_SCRIPT(self) -> str:
        """Static path of composekit-live, emitted by ``{% composekit_script live %}``."""
        return str(self.raw("LIVE_SCRIPT"))

    @property
    def LIVE_TABS(self) -> list[str]:
        """Events that also refresh the same fragments in the user's other tabs."""
        return list(self.raw("LIVE_TABS"))

    @property
    def LIVE_COALESCE(self) -> int | None:
        value = self.raw("LIVE_COALESCE")
        return None if value is None else int(value)

    @property
    def FRAGMENT_ORIGIN(self) -> str | None:
        """Origin (``https://fragments.example.com``) that placeholders point at; None: the page's."""
        value = self.raw("FRAGMENT_ORIGIN")
        return None if value is None else str(value)

    @property
    def IDENTITY_COOKIE(self) -> str | None:
        """Cookie whose value changes on every login and logout (see ``identity.py``); None: off."""
        value = self.raw("IDENTITY_COOKIE")
        return None if value is None else str(value)

    @property
    def GENERATION_COOKIE(self) -> str | None:
        """Cookie whose tokens move on the user's writes (see ``generations.py``); None: off."""
        value = self.raw("GENERATION_COOKIE")
        return None if value is None else str(value)

    @property
    def BATCH(self) -> bool:
        """Whether the loader may fetch a page's private fragments in one request."""
        return bool(self.raw("BATCH"))

    @property
    def BATCH_MAX_PARTS(self) -> int:
        """Most fragments one batch request may ask for."""
        return int(self.raw("BATCH_MAX_PARTS"))

    @property
    def STREAM_THREADS(self) -> int:
        """Most fragments of one streamed page rendered at once (threads under WSGI, tasks under ASGI)."""
        return int(self.raw("STREAM_THREADS"))

    @property
    def STREAM_TIMEOUT(self) -> float:
        """Seconds a streamed page waits for its fragments; those not ready are left to the loader."""
        return float(self.raw("STREAM_TIMEOUT"))

    @property
    def SERVER_TIMING(self) -> bool:
        return bool(self.raw("SERVER_TIMING"))

    @property
    def LOCATE_TOUCHES(self) -> bool:
        """Whether the shell guard records where a shell touched per-user state (a stack walk)."""
        value = self.raw("LOCATE_TOUCHES")
        return bool(settings.DEBUG if value is None else value)

    @property
    def INLINE_CARRY(self) -> tuple[str, ...]:
        """Request attributes an inline sub-request takes from its page, beyond the built-in ones."""
        return tuple(self.raw("INLINE_CARRY"))

    # Loader options. ``None`` means "the loader's own default"; only values set
    # here are written into the script tag's data- attributes.
    @property
    def TIMEOUT(self) -> int | None:
        value = self.raw("TIMEOUT")
        return None if value is None else int(value)

    @property
    def RETRIES(self) -> int | None:
        value = self.raw("RETRIES")
        return None if value is None else int(value)

    @property
    def LAZY_MARGIN(self) -> str | None:
        value = self.raw("LAZY_MARGIN")
        return None if value is None else str(value)

    @property
    def ALLOWED_ORIGINS(self) -> list[str]:
        """Origins the loader may fetch from: the setting, plus FRAGMENT_ORIGIN when set."""
        origins = list(self.raw("ALLOWED_ORIGINS"))
        fragment_origin = self.FRAGMENT_ORIGIN
        if fragment_origin is not None and fragment_origin not in origins:
            origins.append(fragment_origin)
        return origins

    @property
    def ALLOW_SCRIPTS(self) -> bool:
        return bool(self.raw("ALLOW_SCRIPTS"))

    @property
    def CACHE(self) -> str:
        """The ``CACHES`` alias of the server-side fragment cache."""
        return str(self.raw("CACHE"))

    @property
    def ROBOTS_TAG(self) -> str | None:
        """``X-Robots-Tag`` of every response under the fragment prefix; None sends none."""
        value = self.raw("ROBOTS_TAG")
        return None if value is None else str(value)

    @property
    def TAG_HEADERS(self) -> list[str] | None:
        """Response headers that carry cache tags; None: those of the configured purge backends."""
        value = self.raw("TAG_HEADERS")
        return None if value is None else list(value)

    @property
    def TAG_PREFIX(self) -> str:
        """Put before every cache tag: for several sites in one shared cache."""
        return str(self.raw("TAG_PREFIX"))

    @property
    def TAGS_MAX_BYTES(self) -> int:
        """Longest value of a tag header; past it, tags are broadened to dependency names."""
        return int(self.raw("TAGS_MAX_BYTES"))

    @property
    def PURGED_MAX_AGE(self) -> int:
        """``s-maxage`` of responses kept until purged, when a purge backend is configured."""
        return int(self.raw("PURGED_MAX_AGE"))

    @property
    def PURGE_BACKENDS(self) -> Any:
        """``{"BACKEND": "composekit.purge.Varnish", "OPTIONS": {...}}`` entries, as written (a
        malformed value reaches ``purge.configured()``, which says what is wrong); see purge.py."""
        return self.raw("PURGE_BACKENDS")

    @property
    def PURGE_RETRIES(self) -> int:
        """Attempts after the first before a purge request is given up."""
        return int(self.raw("PURGE_RETRIES"))

    @property
    def PURGE_BACKOFF(self) -> float:
        """Seconds before the first retry of a purge request; doubled for each next one."""
        return float(self.raw("PURGE_BACKOFF"))

    @property
    def PURGE_TIMEOUT(self) -> float:
        """Seconds one purge request may take."""
        return float(self.raw("PURGE_TIMEOUT"))

    @property
    def METRICS(self) -> list[str]:
        """The metrics backends to feed: a name or a list of names from ``metrics.BACKENDS``."""
        value = self.raw("METRICS")
        return [value] if isinstance(value, str) else list(value)


conf = Settings()


def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("COMPOSEKIT_"):
        conf.forget()


setting_changed.connect(_setting_changed, dispatch_uid="composekit.conf")
