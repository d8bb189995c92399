"""``manage.py composekit_purge``, against real HTTP servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from tests.recorder import closed_port, recording_server


def purging(*urls: str, **settings: Any) -> override_settings:
    backend = {"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": list(urls)}}
    return override_settings(COMPOSEKIT_PURGE_BACKENDS=[backend], COMPOSEKIT_PURGE_BACKOFF=0.001, **settings)


def command(*args: str) -> str:
    out = StringIO()
    call_command("composekit_purge", *args, stdout=out)
    return out.getvalue()


def test_purges_every_target_and_says_so() -> None:
    with recording_server() as node, recording_server() as api:
        fastly = {
            "BACKEND": "composekit.purge.Fastly",
            "OPTIONS": {"service_id": "S", "token": "t", "api": api.url},
        }
        varnish = {"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": [node.url]}}
        with override_settings(COMPOSEKIT_PURGE_BACKENDS=[varnish, fastly]):
            output = command("product=CK-1", "products")
    assert output == f"ok      Varnish {node.url}\nok      Fastly {api.url}service/S/purge\n"
    assert [r.headers["xkey-softpurge"] for r in node.requests] == ["product=CK-1 products"]
    assert [json.loads(r.body) for r in api.requests] == [{"surrogate_keys": ["product=CK-1", "products"]}]
    assert api.requests[0].headers["Fastly-Soft-Purge"] == "1"


def test_hard() -> None:
    with recording_server() as node, purging(node.url):
        command("a", "--hard")
    [request] = node.requests
    assert (request.headers["xkey-purge"], request.headers.get("xkey-softpurge")) == ("a", None)


def test_a_failed_target_fails_the_command_after_its_retries() -> None:
    with recording_server() as node, closed_port() as dead, purging(dead, node.url):
        out = StringIO()
        with pytest.raises(CommandError, match="^1 of 2 purge targets failed.$"):
            call_command("composekit_purge", "a", "--retries", "2", stdout=out)
    assert out.getvalue().splitlines() == [
        f"failed  Varnish {dead} after 3 attempts: Varnish purge at {dead} failed: [Errno 111] Connection refused",
        f"ok      Varnish {node.url}",
    ]
    assert len(node.requests) == 1


def test_retries_default_to_the_setting() -> None:
    with recording_server() as node, purging(node.url, COMPOSEKIT_PURGE_RETRIES=1):
        node.default = (503, "Busy", b"")
        with pytest.raises(CommandError):
            command("a")
    assert len(node.requests) == 2


@pytest.mark.parametrize(
    ("settings", "args", "message"),
    [
        ({}, ["a"], "No purge backend is configured: set COMPOSEKIT_PURGE_BACKENDS"),
        ({"COMPOSEKIT_PURGE_BACKENDS": [{"BACKEND": "x.Y"}]}, ["a"], "cannot import 'x.Y'"),
        ({}, ["a", "--retries", "-1"], "--retries must be 0 or more, not -1."),
    ],
)
def test_refusals(settings: dict[str, Any], args: list[str], message: str) -> None:
    with override_settings(**settings), pytest.raises(CommandError, match=message.replace("(", r"\(")):
        command(*args)


def test_tags_that_cannot_be_purged() -> None:
    with (
        recording_server() as node,
        purging(node.url),
        pytest.raises(CommandError, match="No tag was purged"),
    ):
        command("two words")
    assert node.requests == []


@pytest.mark.slow  # a manage.py subprocess
def test_manage_py_exit_status() -> None:
    with closed_port() as dead:
        backends = [{"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": [dead]}}]
        code = (
            "import sys, django; django.setup(); from django.conf import settings; "
            f"settings.COMPOSEKIT_PURGE_BACKENDS = {backends!r}; "
            "from django.core.management import execute_from_command_line; "
            "execute_from_command_line(['manage.py', 'composekit_purge', 'a', '--retries', '0'])"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": "."}
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"failed  Varnish {dead} after 1 attempts:")
    assert result.stderr.splitlines()[-1] == "CommandError: 1 of 1 purge targets failed."
