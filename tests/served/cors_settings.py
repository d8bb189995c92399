"""The served test app as a fragment origin for pages on another origin (docs/cors.md).

``CK_CORS_ALLOWED_ORIGINS`` holds the page origins allowed to read fragments with the
user's cookies, space-separated: the page server's port is only known at run time.
"""

from __future__ import annotations

import os

from tests.served.settings import *  # noqa: F403
from tests.served.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "corsheaders"]
# First, so its headers are added to every response, errors and 304s included.
MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", *MIDDLEWARE]

CORS_ALLOWED_ORIGINS = os.environ["CK_CORS_ALLOWED_ORIGINS"].split()
CORS_ALLOW_CREDENTIALS = True  # the loader sends cookies (credentials: "include")
CORS_URLS_REGEX = r"^/_composekit/"  # only fragments are readable cross-origin

# Django's default, spelled out: the page (localhost:A) and this server (localhost:B) are
# different origins but the same site, so a Lax session cookie goes with the fetch.
SESSION_COOKIE_SAMESITE = "Lax"
