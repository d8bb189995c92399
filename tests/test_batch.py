"""composekit/batch.py: many fragments in one request, each part through its own view."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from composekit.render import fragment_url
from composekit.signals import fragment_rendered
from tests.signed import UNFIT, signed, unfit_problem
from tests.testapp import fragments

pytestmark = pytest.mark.django_db

BATCH = "/_composekit/_batch/"


def part(name: str, params: dict[str, Any] | None = None, etag: str | None = None) -> str:
    """The batch's f= value for fragment ``name``: what the loader sends."""
    query = parse_qs(urlsplit(fragment_url(name, **(params or {}))).query)
    return f"{name}:{query['p'][0]}" + (f"!{etag}" if etag else "")


def batch(client: Client, *parts: str, **headers: str) -> list[dict[str, Any]]:
    response = client.get(BATCH, {"f": list(parts)}, headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response["Vary"] == "Cookie"
    assert response["Server-Timing"].startswith("batch;dur=")
    assert response["Server-Timing"].endswith(f'desc="{len(parts)} parts"')
    answers: list[dict[str, Any]] = json.loads(response.content)
    assert [a["i"] for a in answers] == list(range(len(parts)))
    return answers


def single(client: Client, name: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(fragment_url(name, **(params or {})))


def test_each_part_is_what_its_own_request_would_answer(
    client: Client, django_user_model: type[User]
) -> None:
    client.force_login(django_user_model.objects.create_user("ada"))
    hello, counted = batch(client, part("hello", {"who": "x"}), part("counted"))
    alone = single(client, "hello", {"who": "x"})
    assert hello["status"] == 200
    assert hello["html"] == alone.content.decode() == "Hello ada from x"
    assert hello["etag"] == alone["ETag"]
    assert (hello["cache"], hello["scopes"]) == ("private, no-cache", None)
    assert hello["timing"].startswith("render;dur=")
    assert counted["status"] == 200
    assert counted["cache"] == "private, max-age=30"
    assert counted["etag"] == single(client, "counted")["ETag"]


def test_a_part_with_its_etag_is_a_304_without_rendering(client: Client) -> None:
    etag = single(client, "counted")["ETag"]
    fragments.calls.clear()
    [answer] = batch(client, part("counted", etag=etag))
    assert answer == {
        "i": 0,
        "status": 304,
        "cache": "private, max-age=30",
        "etag": etag,
        "scopes": None,
        "timing": answer["timing"],
    }
    assert fragments.calls == {"counted.etag": 1}  # asked its validator, never rendered
    [answer] = batch(client, part("counted", etag='"stale"'))
    assert answer["status"] == 200


def test_one_failing_part_fails_alone(
    client: Client, django_user_model: type[User], caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(django_user_model.objects.create_user("bo"))
    boom, staff, hello = batch(client, part("boom"), part("staff"), part("hello"))
    assert boom["status"] == 500
    assert boom["problem"]["detail"] == "the fragment failed to render"
    assert boom["problem"]["fragment"] == "boom"
    assert "html" not in boom
    assert staff["status"] == 403
    assert staff["problem"]["fragment"] == "staff"
    assert hello == {**hello, "status": 200, "html": "Hello bo"}
    assert "fragment 'boom' raised RuntimeError" in caplog.text


def test_a_database_error_in_one_part_fails_that_part_alone(
    client: Client, django_user_model: type[User], caplog: pytest.LogCaptureFixture
) -> None:
    # The test runs in a transaction, as a request does under ATOMIC_REQUESTS: the failing
    # part's query marks it for rollback, which must not stop the parts after it.
    assert connection.in_atomic_block
    client.force_login(django_user_model.objects.create_user("bo"))
    before, down, after, stock = batch(
        client, part("hello"), part("db-down"), part("picks"), part("stock", {"sku": "b"})
    )
    assert down["status"] == 500
    assert down["problem"]["fragment"] == "db-down"
    assert [before["status"], after["status"], stock["status"]] == [200, 200, 200], (after, stock)
    assert after["html"].startswith("<p>picks for bo: 0 in cart")
    assert stock["html"] == "<b>b: 1 in stock</b>"
    assert "fragment 'db-down' raised OperationalError" in caplog.text
    assert not connection.needs_rollback  # the test's transaction goes on


@pytest.mark.parametrize(
    ("spec", "status", "detail"),
    [
        ("nowhere:abc", 404, "no fragment is registered as 'nowhere'"),
        ("hello", 400, "part 0 is 'hello', not <name>:<signed params>[!<etag>]"),
        ("Hello:abc:def", 400, "part 0 is 'Hello:abc:def', not <name>:<signed params>[!<etag>]"),
    ],
)
def test_a_part_that_names_no_fragment(client: Client, spec: str, status: int, detail: str) -> None:
    [answer] = batch(client, spec)
    assert (answer["status"], answer["problem"]["detail"]) == (status, detail)
    assert answer["cache"] == "no-store"


def test_a_tampered_part_is_refused_as_a_request_would_be(client: Client) -> None:
    name, token = part("hello", {"who": "x"}).split(":", 1)
    [answer] = batch(client, f"{name}:{token[:-2]}xx", part("news"))[:1]
    assert answer["status"] == 400
    assert answer["problem"]["reason"] == "tampered"


def test_each_part_with_params_that_do_not_fit_is_its_own_400(client: Client) -> None:
    answers = batch(
        client, *[f"{name}:{signed(name, payload)}" for name, payload, *_ in UNFIT], part("hello")
    )
    for answer, (name, _, reason, param, detail) in zip(answers, UNFIT, strict=False):
        assert answer == {
            "i": answer["i"],
            "status": 400,
            "problem": unfit_problem(name, reason, param, detail),
            "cache": "no-store",
            "etag": None,
            "scopes": None,
            "timing": answer["timing"],
        }
    assert answers[-1]["status"] == 200
    assert answers[-1]["html"] == "Hello anonymous"


def test_a_public_fragment_in_a_batch_keeps_its_policy(client: Client) -> None:
    [news] = batch(client, part("news", {"topic": "x"}))
    assert news["cache"] == "public, max-age=60, s-maxage=300, stale-while-revalidate=30"


def test_the_session_and_the_user_are_loaded_once(client: Client, django_user_model: type[User]) -> None:
    client.force_login(django_user_model.objects.create_user("cy"))
    specs = [part("hello", {"who": str(n)}) for n in range(5)]
    with CaptureQueriesContext(connection) as one:
        single(client, "hello", {"who": "0"})
    with CaptureQueriesContext(connection) as five:
        answers = batch(client, *specs)
    assert [a["html"] for a in answers] == [f"Hello cy from {n}" for n in range(5)]
    assert len(one) == 2  # the session, then the user
    queries = [query["sql"] for query in five.captured_queries]
    assert len([sql for sql in queries if "SAVEPOINT" not in sql]) == 2  # the same two, for all five parts
    # The test runs in a transaction (as a request does under ATOMIC_REQUESTS): each part has
    # a savepoint of its own, so that a part whose query fails fails alone.
    assert len([sql for sql in queries if sql.startswith("SAVEPOINT")]) == 5


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_parts_cost_no_savepoint(client: Client) -> None:
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        answers = batch(client, part("hello"), part("db-down"), part("stock", {"sku": "b"}))
    assert [a["status"] for a in answers] == [200, 500, 200]
    assert [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]] == []


def test_a_form_in_a_part_gets_its_csrf_cookie() -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.get(BATCH, {"f": [part("csrf-form")]})
    [answer] = json.loads(response.content)
    token = answer["html"].split('value="')[1].split('"')[0]
    assert response.cookies["csrftoken"].value
    posted = browser.post("/cart/add/", {"csrfmiddlewaretoken": token})
    assert (posted.status_code, posted.content) == (200, b"added")


def test_cookies_parts_set_reach_the_browser(client: Client) -> None:
    response = client.get(BATCH, {"f": [part("sets-cookie")]})
    assert response.cookies["seen"].value == "fragment"


def test_every_part_sends_the_signal(client: Client) -> None:
    seen: list[tuple[str, int, bool, bool]] = []

    def record(sender: Any, name: str, status: int, inline: bool, batch: bool, **kwargs: Any) -> None:
        seen.append((name, status, inline, batch))

    fragment_rendered.connect(record)
    try:
        batch_ = client.get(BATCH, {"f": [part("hello"), part("boom")]})
    finally:
        fragment_rendered.disconnect(record)
    assert batch_.status_code == 200
    assert seen == [("hello", 200, False, True), ("boom", 500, False, True)]


def test_head_answers_the_headers(client: Client) -> None:
    response = client.head(BATCH, {"f": [part("hello")]})
    assert (response.status_code, response["Content-Type"], response.content) == (
        200,
        "application/json",
        b"",
    )


def test_other_methods_are_405(client: Client) -> None:
    response = client.post(BATCH, {"f": part("hello")})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json.loads(response.content)["detail"] == "the batch endpoint answers GET and HEAD, not POST"


def test_no_part_is_a_400_saying_how(client: Client) -> None:
    response = client.get(BATCH)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["detail"] == (
        "no fragment asked for: the batch URL takes f=<name>:<signed params>, once per fragment"
    )


@override_settings(COMPOSEKIT_BATCH_MAX_PARTS=3)
def test_too_many_parts_is_a_400_naming_the_setting(client: Client) -> None:
    response = client.get(BATCH, {"f": [part("hello")] * 4})
    assert response.status_code == 400
    assert json.loads(response.content)["detail"] == (
        "4 fragments asked for, over COMPOSEKIT_BATCH_MAX_PARTS (3)"
    )
    assert client.get(BATCH, {"f": [part("hello")] * 3}).status_code == 200


@override_settings(COMPOSEKIT_SERVER_TIMING=False)
def test_no_server_timing_when_turned_off(client: Client) -> None:
    response = client.get(BATCH, {"f": [part("hello")]})
    assert not response.has_header("Server-Timing")
    assert "timing" not in json.loads(response.content)[0]
