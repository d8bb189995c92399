"""Settings for the composekit demo shop.

Production-like by default (``DEBUG=False``, client mode, whitenoise). Everything a run
needs to change comes from the environment:

- ``DEMO_DEBUG=1``: development (``DEBUG``, so composekit renders fragments inline).
- ``COMPOSEKIT_MODE``: ``client`` or ``inline``; unset means composekit's default
  (inline when ``DEBUG``, else client).
- ``DEMO_DB``: the SQLite file (default ``demo/db.sqlite3``).
- ``DEMO_STATIC_ROOT``: where ``collectstatic`` writes (default ``demo/staticfiles``).
- ``DEMO_SHELL_CACHE``: seconds Django's cache keeps a shell (default 300; 0 turns it off).
- ``DEMO_SECRET_KEY``, ``DEMO_ALLOWED_HOSTS`` (comma-separated).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DEMO_DEBUG") == "1"

# A demo runs on localhost with throwaway data; a real deployment sets DEMO_SECRET_KEY.
SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "composekit-demo-not-secret-change-me-in-production")

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
    # and in development the cookies and Vary of fragments rendered into a page.
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
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 10,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The process's memory: the demo runs one gunicorn process (with threads), so every request
# shares it. Sessions are read from it first (cached_db: written to the database too), which
# takes a query off every logged-in request. With several processes or hosts, point this at
# Redis or Memcached: a per-process cache would keep a session another process ended.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The templates' {% cache %} tags (the parts every visitor shares: the category bar,
    # product grids and details) keep nothing: the demo caches its shells whole (shells.py,
    # or Varnish). The tags are what a site without composekit would do; bench/ turns them on.
    "template_fragments": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SHELL_CACHE_SECONDS = int(os.environ.get("DEMO_SHELL_CACHE", "300"))

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

if "COMPOSEKIT_MODE" in os.environ:
    COMPOSEKIT_MODE = os.environ["COMPOSEKIT_MODE"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"composekit": {"handlers": ["console"], "level": "INFO" if DEBUG else "WARNING"}},
}
