"""Create the database of tests/test_varnish.py: ``python -m tests.shells.prepare NAME...``.

Migrates, creates one user per NAME, logs each in and prints ``{name: session key}`` as
JSON, so the test's HTTP clients can send real session cookies through Varnish.
"""

from __future__ import annotations

import json
import os
import sys

import django


def main(names: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.shells.gunicorn_settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    sessions = {}
    for name in names:
        client = Client()
        client.force_login(User.objects.create_user(name))
        sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    print(json.dumps(sessions))


if __name__ == "__main__":
    main(sys.argv[1:])
