from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings

from composekit.render import fragment_url
from composekit.signals import fragment_rendered
from tests.testapp.fragments import Counted

pytestmark = pytest.mark.django_db

SERVER_TIMING = re.compile(r'^render;dur=(\d+\.\d), db;dur=(\d+\.\d);desc="(\d+) queries"$')


@pytest.fixture
def events() -> Any:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append({"sender": sender, **kwargs})

    fragment_rendered.connect(receiver)
    yield received
    fragment_rendered.disconnect(receiver)


def test_server_timing_counts_queries(client: Client) -> None:
    match = SERVER_TIMING.match(client.get(fragment_url("counted"))["Server-Timing"])
    assert match is not None
    render_ms, db_ms, queries = match.groups()
    assert queries == "2"
    assert float(render_ms) >= float(db_ms)


@override_settings(COMPOSEKIT_SERVER_TIMING=False)
def test_server_timing_can_be_turned_off(client: Client) -> None:
    assert "Server-Timing" not in client.get(fragment_url("counted"))


def test_signal_reports_every_response(client: Client, events: list[dict[str, Any]]) -> None:
    url = fragment_url("counted")
    etag = client.get(url)["ETag"]
    client.get(url, headers={"If-None-Match": etag})
    client.get("/_composekit/counted/?p=bad")
    assert [(e["sender"], e["name"], e["status"], e["queries"], e["inline"]) for e in events] == [
        (Counted, "counted", 200, 2, False),
        (Counted, "counted", 304, 0, False),
        (Counted, "counted", 400, 0, False),
    ]
    assert all(e["duration"] >= e["db_time"] >= 0 for e in events)
