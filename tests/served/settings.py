"""The test app as production runs it, for the tests that serve it with real gunicorn
(tests/servers.py): client mode, ``DEBUG`` off, a file database, a test-only login URL.

The environment names what differs between runs:

- ``CK_SERVED_DB`` (required): the SQLite file, shared by every process that serves it
  (gunicorn's workers, the ``migrate`` run before them).
- ``CK_SERVED_CORS_ORIGINS``: page origins, space-separated, that may read fragments with
  the user's cookies through django-cors-headers (docs/cors.md). Unset, no CORS at all.

The SECRET_KEY is the test suite's, so URLs that ``composekit.render.fragment_url()`` signs
in the test process are valid here.
"""

from __future__ import annotations

import logging
import os

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, MIDDLEWARE

DEBUG = False
COMPOSEKIT_MODE = "client"
ROOT_URLCONF = "tests.served.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["CK_SERVED_DB"],
        # Logins write sessions from several processes at once: take the write lock up
        # front and wait for it, instead of failing with "database is locked".
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }
}

# The load test's expected 403s would fill the server log with "Forbidden: ..." warnings;
# errors (5xx) are still logged.
logging.getLogger("django.request").setLevel(logging.ERROR)

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
