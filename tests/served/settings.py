"""The test app as production runs it: client mode, a file database, a login URL.

``CK_SERVED_DB`` names the SQLite file, shared by every process that serves it (gunicorn's
workers, the ``migrate`` run before them). The SECRET_KEY is the test suite's, so URLs that
``composekit.render.fragment_url()`` signs in the test process are valid here.
"""

from __future__ import annotations

import logging
import os

from tests.settings import *  # noqa: F403

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
