"""Measuring a render: its queries, their time, and the fragment_rendered signal reporting it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from composekit import requeststate
from composekit.signals import fragment_rendered
from composekit.timing import QueryCounter, RenderMeasure
from tests.testapp.fragments import Hello

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent() -> Iterator[list[dict[str, Any]]]:
    signals: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        signals.append({"sender": sender, **kwargs})

    fragment_rendered.connect(receiver)
    yield signals
    fragment_rendered.disconnect(receiver)


def test_the_query_counter_counts_the_queries_run_inside_it_only() -> None:
    User.objects.count()
    with QueryCounter() as counter:
        User.objects.count()
        list(User.objects.all())
    User.objects.count()
    assert counter.count == 2
    assert counter.time > 0


def test_a_measured_render_is_sent_with_what_was_measured(
    rf: RequestFactory, sent: list[dict[str, Any]]
) -> None:
    request = rf.get("/_composekit/hello/")
    with RenderMeasure() as measure:
        User.objects.count()
    measure.send(Hello, "hello", request, status=200, response=None, cache="regenerated")
    assert measure.queries.count == 1
    assert 0 < measure.queries.time <= measure.duration
    assert sent == [
        {
            "sender": Hello,
            "signal": fragment_rendered,
            "name": "hello",
            "duration": measure.duration,
            "queries": 1,
            "db_time": measure.queries.time,
            "status": 200,
            "inline": False,
            "batch": False,
            "cache": "regenerated",
            "request": request,
            "response": None,
        }
    ]


@pytest.mark.parametrize(("batch", "inline"), [(False, True), (True, False)])
def test_the_signal_says_whether_the_render_was_inline_or_a_batch_part(
    rf: RequestFactory, sent: list[dict[str, Any]], batch: bool, inline: bool
) -> None:
    sub = rf.get("/_composekit/hello/")
    requeststate.mark_sub_request(sub, (), batch=batch)
    with RenderMeasure() as measure:
        pass
    measure.send(Hello, "hello", sub, status=304, response=None, cache=None)
    assert [(s["inline"], s["batch"], s["status"], s["queries"]) for s in sent] == [(inline, batch, 304, 0)]
