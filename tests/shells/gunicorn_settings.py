"""Settings for the app that tests/test_varnish.py serves with gunicorn behind Varnish."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

DEBUG = False
COMPOSEKIT_MODE = "client"  # production: placeholders, fragments fetched through Varnish
# A file, so gunicorn's processes and the setup script share one database.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["COMPOSEKIT_TEST_DB"]}}
