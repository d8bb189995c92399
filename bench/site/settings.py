"""Settings of the browser benchmark's site: production-like (no DEBUG), client mode."""

from __future__ import annotations

import os

DEBUG = False
SECRET_KEY = "composekit-bench-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "composekit",
    "bench.site",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bench.site.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
STATIC_URL = "/static/"

# Anonymous visitors, no session: the fragments still go through DRF's whole dispatch.
REST_FRAMEWORK: dict[str, list[str]] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
}
COMPOSEKIT_MODE = "client"

# Where the run's npm install put htmx (bench.browser sets it).
HTMX_JS = os.environ.get("BENCH_HTMX_JS", "")
LOGGING_CONFIG = None
