"""The test app as production runs it, for the tests that serve it with real gunicorn
(harness/servers.py): client mode, ``DEBUG`` off, a file database, a test-only login URL.

The environment names what differs between runs:

- ``CK_SERVED_DB`` (required): the SQLite file, shared by every process that serves it
  (gunicorn's workers, the ``migrate`` run before them).
- ``CK_SERVED_CORS_ORIGINS``: page origins, space-separated, that may read fragments with
  the user's cookies through django-cors-headers (docs/cors.md). Unset, no CORS at all.
- ``CK_SERVED_MODE``: ``COMPOSEKIT_MODE`` (``client`` unless told; ``esi`` behind Varnish).
- ``CK_SERVED_REDIS``: ``redis://...``: Django's cache (so the server fragment cache) on that
  Redis, and sessions in ``composekit.sessions`` (``cached_db`` that survives a Redis outage):
  what several app hosts share. Unset, local memory.
- ``CK_SERVED_HOST``: a name for this app host, sent in ``X-Served-By`` on every response.
- ``CK_SERVED_METRICS``: ``COMPOSEKIT_METRICS`` (``prometheus``), with the metrics at ``/metrics``;
  run it with ``PROMETHEUS_MULTIPROC_DIR`` under several workers (tests/test_metrics_gunicorn.py).
- ``CK_SERVED_PURGE``: Varnish URLs (comma-separated) to purge by tag (soft unless
  ``CK_SERVED_PURGE_HARD``), retried twice, quickly: tests/test_varnish_purge.py.

The SECRET_KEY is the test suite's, so URLs that ``composekit.render.fragment_url()`` signs
in the test process are valid here.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import django

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, MIDDLEWARE

DEBUG = False
COMPOSEKIT_MODE = os.environ.get("CK_SERVED_MODE", "client")
ROOT_URLCONF = "tests.served.urls"
DATABASES: dict[str, dict[str, Any]] = {  # type: ignore[no-redef]
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["CK_SERVED_DB"],
        # Logins write sessions from several processes at once: take the write lock up
        # front and wait for it, instead of failing with "database is locked".
        # (transaction_mode is Django 5.1+; on 4.2 the timeout alone waits for the lock.)
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20}
        if django.VERSION >= (5, 1)
        else {"timeout": 20},
    }
}

# The load test's expected 403s would fill the server log with "Forbidden: ..." warnings;
# errors (5xx) are still logged.
logging.getLogger("django.request").setLevel(logging.ERROR)

REDIS_URL = os.environ.get("CK_SERVED_REDIS")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An outage must cost a page little: give up on a hung Redis within seconds, then
            # render. Not less: a loaded machine can starve a process for half a second.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "composekit.sessions"

COMPOSEKIT_METRICS = os.environ.get("CK_SERVED_METRICS", "").split()

PURGE_URLS = [url for url in os.environ.get("CK_SERVED_PURGE", "").split(",") if url]
if PURGE_URLS:
    COMPOSEKIT_PURGE_BACKENDS = [
        {
            "BACKEND": "composekit.purge.Varnish",
            "OPTIONS": {"urls": PURGE_URLS, "soft": not os.environ.get("CK_SERVED_PURGE_HARD")},
        }
    ]
    COMPOSEKIT_PURGE_RETRIES = 2
    COMPOSEKIT_PURGE_BACKOFF = 0.1
    COMPOSEKIT_PURGE_TIMEOUT = 2

# The loader (and any static file) served from the apps' static folders, as production
# would from collectstatic: browser tests load pages through gunicorn and Varnish.
MIDDLEWARE = ["whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE]
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # type: ignore[assignment]  # nothing collected: the finders serve the apps' folders

SERVED_BY = os.environ.get("CK_SERVED_HOST", "")
if SERVED_BY:
    MIDDLEWARE = ["tests.testapp.middleware.ServedBy", *MIDDLEWARE]

CORS_ALLOWED_ORIGINS = os.environ.get("CK_SERVED_CORS_ORIGINS", "").split()
if CORS_ALLOWED_ORIGINS:
    INSTALLED_APPS = [*INSTALLED_APPS, "corsheaders"]
    # First, so its headers are added to every response, errors and 304s included.
    MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", *MIDDLEWARE]
    CORS_ALLOW_CREDENTIALS = True  # the loader sends cookies (credentials: "include")
    CORS_URLS_REGEX = r"^/_composekit/"  # only fragments are readable cross-origin
    # Django's default, spelled out: a page on localhost:A and fragments on localhost:B are
    # different origins but the same site, so a Lax session cookie goes with the fetch.
    SESSION_COOKIE_SAMESITE = "Lax"

if os.environ.get("CK_SERVED_TOOLBAR"):
    # django-debug-toolbar with composekit's panel (tests/test_toolbar.py). It keeps its data
    # in the process's memory: serve this with one worker.
    from debug_toolbar.settings import PANELS_DEFAULTS

    DEBUG = True
    COMPOSEKIT_MODE = os.environ.get("CK_SERVED_MODE", "client")
    INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar"]
    MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE]
    DEBUG_TOOLBAR_PANELS = [*PANELS_DEFAULTS, "composekit.toolbar.FragmentsPanel"]
    DEBUG_TOOLBAR_CONFIG = {"SHOW_TOOLBAR_CALLBACK": lambda request: True, "UPDATE_ON_FETCH": True}
