"""Settings for the composekit demo shop.

Production-like by default (``DEBUG=False``, client mode, whitenoise). Everything a run
needs to change comes from the environment:

- ``DEMO_DEBUG=1``: development (``DEBUG``, so composekit renders fragments inline).
- ``COMPOSEKIT_MODE``: ``client``, ``inline``, ``esi`` (behind Varnish: ``make
  demo-varnish``) or ``stream`` (docs/streaming.md); unset means composekit's default
  (inline when ``DEBUG``, else client).
- ``DEMO_REDIS_URL``: ``redis://...``: Django's cache (the shell cache and composekit's server
  fragment cache) on that Redis, and sessions in ``composekit.sessions`` (``cached_db``
  that reads the database while Redis is down), so several app hosts share them. Unset,
  each process keeps its own memory cache: one host, nothing to run.
- ``DEMO_DB``: the SQLite file (default ``demo/db.sqlite3``).
- ``DEMO_STATIC_ROOT``: where ``collectstatic`` writes (default ``demo/staticfiles``).
- ``DEMO_SHELL_CACHE``: seconds Django's cache keeps a shell at most (default 86400; 0 turns
  it off). A shell is dropped as soon as what it shows changes (shells.py).
- ``DEMO_PURGE_VARNISH``: Varnish URLs (comma-separated) to purge by tag when products
  change (``make demo-varnish`` sets it): shells and the price are then kept there until
  they change.
- ``DEMO_SECRET_KEY``: the secret key; unset, one is generated on first use and kept in
  ``DEMO_SECRET_KEY_FILE`` (default ``demo/.secret_key``, ignored by git), so every install
  signs fragment params and sessions with a key of its own.
- ``DEMO_ALLOWED_HOSTS`` (comma-separated).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import django
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DEMO_DEBUG") == "1"


def _secret_key(path: Path) -> str:
    """The key kept in ``path``, made on first use (readable by its owner only).

    A key in the repository would be everyone's: anyone could sign fragment params and
    forge sessions for every copy of the demo. ``O_EXCL`` makes the first process to get
    here write it; any other (a second worker) reads what that one wrote.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # written by a process that started at the same moment
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.1)
        raise RuntimeError(f"{path} is empty: delete it and start again") from None
    key = get_random_secret_key()
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("DEMO_SECRET_KEY") or _secret_key(
    Path(os.environ.get("DEMO_SECRET_KEY_FILE", BASE_DIR / ".secret_key"))
)

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + [
    host for host in os.environ.get("DEMO_ALLOWED_HOSTS", "").split(",") if host
]

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "composekit",
    "shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "demo_site.middleware.ContentSecurityPolicyMiddleware",
    "demo_site.middleware.ServerTimingMiddleware",
    # Sees what the session and CSRF middleware add after a shell's view: a shell that
    # picked up per-user state on the way out is sent uncacheable.
    "composekit.shell.ShellGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Tells the browser what changed for the shopper: the identity cookie on login and
    # logout (open tabs and pages restored by Back drop the previous shopper's fragments),
    # write generations on their writes (kept fragments they changed are fetched anew),
    # in development the cookies and Vary of fragments rendered into a page, and behind
    # Varnish in ESI mode, which pages hold includes for it to fill.
    "composekit.middleware.ComposekitMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"
ASGI_APPLICATION = "demo_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "shop.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB", str(BASE_DIR / "db.sqlite3")),
        # Several threads write carts and sessions: WAL lets readers and one writer
        # overlap, and IMMEDIATE transactions wait for the lock instead of failing.
        # A connection per thread, kept: opening one costs more than most fragments' work.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        # (init_command and transaction_mode are Django 5.1+: on 4.2 only the timeout.)
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 10,
        }
        if django.VERSION >= (5, 1)
        else {"timeout": 10},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The process's memory: the demo runs one gunicorn process (with threads), so every request
# shares it: cached shells, server-cached fragments, and sessions, read from it first
# (composekit.sessions, a cached_db: written to the database too, read from it while the
# cache is down), which takes a query off every logged-in request.
# DEMO_REDIS_URL shares one cache between processes and hosts (make demo-varnish does).
# The templates' {% cache %} tags (the parts every visitor shares: the category bar,
# product grids and details) keep nothing: the demo caches its shells whole (shells.py,
# or Varnish). The tags are what a site without composekit would do; bench/ turns them on.
TEMPLATE_FRAGMENTS_CACHE = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "template_fragments": TEMPLATE_FRAGMENTS_CACHE,
}
SESSION_ENGINE = "composekit.sessions"
REDIS_URL = os.environ.get("DEMO_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "composekit.rediscache.RedisCache",
            "LOCATION": REDIS_URL,
            # If Redis hangs, give up on it after a second or two: fragments then render
            # without it. (A refused connection fails at once anyway.)
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
        "template_fragments": TEMPLATE_FRAGMENTS_CACHE,
    }
SHELL_CACHE_SECONDS = int(os.environ.get("DEMO_SHELL_CACHE", "86400"))

# Behind Varnish, a saved product purges what shows it (composekit tags shells and the price
# with the products they show; apps.py says what a change expires).
PURGE_VARNISH = [url for url in os.environ.get("DEMO_PURGE_VARNISH", "").split(",") if url]
if PURGE_VARNISH:
    COMPOSEKIT_PURGE_BACKENDS = [
        {"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": PURGE_VARNISH}},
    ]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DEMO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# A form sent with an expired or missing CSRF token gets a page in the shop's style that says
# what happened and offers to send it again (shop/views.py).
CSRF_FAILURE_VIEW = "shop.views.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "shop:catalog"
LOGOUT_REDIRECT_URL = "shop:catalog"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

REST_FRAMEWORK = {
    # Session only: the fragments are fetched by the browser that holds the session.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}

# A cart changed in one tab refreshes the cart's fragments in the shopper's other tabs.
COMPOSEKIT_LIVE_TABS = ["cart:changed", "cart:products-changed"]

if "COMPOSEKIT_MODE" in os.environ:
    COMPOSEKIT_MODE = os.environ["COMPOSEKIT_MODE"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"composekit": {"handlers": ["console"], "level": "INFO" if DEBUG else "WARNING"}},
}
