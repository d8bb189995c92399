"""The WSGI application gunicorn serves in tests/test_varnish.py."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.shells.gunicorn_settings")
application = get_wsgi_application()
