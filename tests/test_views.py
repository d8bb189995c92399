"""Every row of the HTTP contract, against the real URLconf."""

from __future__ import annotations

import json
from typing import Any

import django
import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from composekit.render import fragment_url
from tests.signed import UNFIT, signed_url, unfit_problem
from tests.testapp import fragments

pytestmark = pytest.mark.django_db

HTML = "text/html; charset=utf-8"


def problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == response.status_code
    assert body["type"] == "about:blank"
    return body


def test_rendered(client: Client) -> None:
    response = client.get(fragment_url("hello", who="tests"))
    assert response.status_code == 200
    assert response.content == b"Hello anonymous from tests"
    assert response["Content-Type"] == HTML
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Accept, Cookie"
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 34
    assert response["Server-Timing"].startswith("render;dur=")


def test_rendered_for_logged_in_user(client: Client, django_user_model: type[User]) -> None:
    client.force_login(django_user_model.objects.create_user("ada"))
    assert client.get(fragment_url("hello")).content == b"Hello ada"


def test_same_body_same_etag_and_304_on_if_none_match(client: Client) -> None:
    url = fragment_url("hello", who="x")
    etag = client.get(url)["ETag"]
    assert client.get(url)["ETag"] == etag
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Accept, Cookie"
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304


def test_get_etag_answers_304_without_rendering_or_queries(
    client: Client, django_assert_num_queries: Any
) -> None:
    url = fragment_url("counted")
    with django_assert_num_queries(2):
        first = client.get(url)
    assert first.status_code == 200
    assert first.content == b"users=0"
    assert fragments.calls == {"counted.etag": 1, "counted.context": 1}
    with django_assert_num_queries(0):
        second = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 304
    assert fragments.calls == {"counted.etag": 2, "counted.context": 1}
    assert second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == "private, max-age=30"
    assert 'desc="0 queries"' in second["Server-Timing"]


@pytest.mark.parametrize("say", ["1", ""])
def test_a_request_asking_nothing_conditional_takes_the_validator_the_render_loaded(
    client: Client, say: str
) -> None:
    url = fragment_url("loaded-etag", say=say)
    first = client.get(url)
    # Said by the render: get_etag() (and its query) skipped; not said: asked after the render.
    assert fragments.calls == ({} if say else {"loaded-etag.etag": 1})
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304  # the same ETag get_etag() gives: later 304s still hold
    assert again["ETag"] == first["ETag"]
    fragments.versions["counted"] = "v2"
    moved = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert moved.status_code == 200
    assert moved["ETag"] != first["ETag"]
    assert moved.content == b"<p>version v2</p>"


def test_changed_validator_renders_again(client: Client) -> None:
    url = fragment_url("counted")
    etag = client.get(url)["ETag"]
    fragments.versions["counted"] = "v2"
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_private_validator_is_bound_to_the_user(client: Client, django_user_model: type[User]) -> None:
    url = fragment_url("counted")
    client.force_login(django_user_model.objects.create_user("ada"))
    etag_ada = client.get(url)["ETag"]
    client.force_login(django_user_model.objects.create_user("bob"))
    response = client.get(url, headers={"If-None-Match": etag_ada})
    assert response.status_code == 200
    assert response["ETag"] != etag_ada


def test_public_validator_is_the_same_for_everyone(client: Client, django_user_model: type[User]) -> None:
    url = fragment_url("news")
    anonymous_etag = client.get(url)["ETag"]
    client.force_login(django_user_model.objects.create_user("ada"))
    # A shared cache revalidating with one user's copy gets 304 for everyone.
    assert client.get(url, headers={"If-None-Match": anonymous_etag}).status_code == 304


def test_last_modified(client: Client) -> None:
    url = fragment_url("last-modified")
    response = client.get(url)
    assert response["Last-Modified"] == "Fri, 02 Jan 2026 03:04:05 GMT"
    assert client.get(url, headers={"If-Modified-Since": "Fri, 02 Jan 2026 03:04:05 GMT"}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "garbage"}).status_code == 200
    not_modified = client.get(url, headers={"If-Modified-Since": "Sat, 03 Jan 2026 00:00:00 GMT"})
    assert not_modified.status_code == 304
    assert "ETag" not in not_modified  # decided by the date alone, before any rendering
    assert not_modified["Last-Modified"] == "Fri, 02 Jan 2026 03:04:05 GMT"


def test_head(client: Client) -> None:
    url = fragment_url("hello")
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    for header in ("Content-Type", "Cache-Control", "Vary", "ETag"):
        assert head[header] == get[header]


def test_json(client: Client) -> None:
    url = fragment_url("hello", who="j")
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"name": "hello", "html": "Hello anonymous from j"}
    assert response["ETag"] != client.get(url)["ETag"]
    # A browser's Accept, with */*, gets HTML.
    browser = client.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser["Content-Type"] == HTML
    assert client.get(url, headers={"Accept": "image/png"})["Content-Type"] == HTML


def test_json_with_get_etag_has_its_own_validator(client: Client) -> None:
    url = fragment_url("counted")
    html_etag = client.get(url)["ETag"]
    response = client.get(url, headers={"Accept": "application/json", "If-None-Match": html_etag})
    assert response.status_code == 200
    assert response["ETag"] != html_etag


def test_unknown_fragment(client: Client) -> None:
    response = client.get("/_composekit/nope/?p=x")
    assert response.status_code == 404
    assert problem(response) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no fragment is registered as 'nope'",
        "fragment": "nope",
    }


@pytest.mark.parametrize(
    ("query", "reason"),
    [("", "missing"), ("?p=", "missing"), ("?p=abc", "malformed"), ("?p=abc:def", "tampered")],
)
def test_bad_params(client: Client, query: str, reason: str) -> None:
    response = client.get(f"/_composekit/hello/{query}")
    assert response.status_code == 400
    body = problem(response)
    assert body["reason"] == reason
    assert body["fragment"] == "hello"
    assert body["title"] == "Bad Request"
    assert "params" in body["detail"]


def test_params_for_another_fragment(client: Client) -> None:
    token = fragment_url("news").split("?p=")[1]
    response = client.get(f"/_composekit/hello/?p={token}")
    assert response.status_code == 400
    assert problem(response)["reason"] == "tampered"


@pytest.mark.parametrize(("name", "payload", "reason", "param", "detail"), UNFIT)
def test_signed_params_that_do_not_fit_are_a_400_naming_the_param(
    client: Client, name: str, payload: str, reason: str, param: str, detail: str
) -> None:
    response = client.get(signed_url(name, payload))
    assert response.status_code == 400
    assert problem(response) == unfit_problem(name, reason, param, detail)


def test_signed_params_that_fit_render(client: Client) -> None:
    # null is a param value like any other, and 2**63 - 1 the largest int.
    assert client.get(signed_url("hello", '{"who":null}')).content == b"Hello anonymous"
    assert client.get(signed_url("sku", '{"sku":"a1"}')).content == b"sku a1"
    big = client.get(signed_url("hello", '{"who":9223372036854775807}'))
    assert big.content == b"Hello anonymous from 9223372036854775807"


def test_a_param_the_fragments_code_cannot_handle_is_its_own_500(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # sku=null fits Sku.render()'s signature; "sku " + None is a TypeError in the fragment's
    # own code, which no check can tell from any other bug in it: logged, and a 500.
    response = client.get(signed_url("sku", '{"sku":null}'))
    assert response.status_code == 500
    assert problem(response)["detail"] == "the fragment failed to render"
    [record] = [r for r in caplog.records if r.name == "composekit"]
    assert record.getMessage() == "fragment 'sku' raised TypeError"


def test_not_authenticated_is_401(client: Client) -> None:
    response = client.get(fragment_url("members"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="api"'
    assert problem(response)["detail"] == "Authentication credentials were not provided."


def test_permission_denied_is_403(client: Client, django_user_model: type[User]) -> None:
    client.force_login(django_user_model.objects.create_user("ada"))
    assert client.get(fragment_url("members")).status_code == 200
    response = client.get(fragment_url("staff"))
    assert response.status_code == 403
    assert problem(response)["detail"] == "You do not have permission to perform this action."


def test_throttled_is_429_with_retry_after(client: Client) -> None:
    from django.core.cache import cache

    cache.clear()
    url = fragment_url("throttled")
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    problem(response)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_405(client: Client, method: str) -> None:
    response = getattr(client, method)(fragment_url("hello"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert problem(response)["detail"] == f'Method "{method.upper()}" not allowed.'


def test_raised_is_500_without_details(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    response = client.get(fragment_url("boom"))
    assert response.status_code == 500
    assert problem(response) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "the fragment failed to render",
        "fragment": "boom",
    }  # no exception, no traceback
    [record] = [r for r in caplog.records if r.name == "composekit"]
    assert record.name == "composekit"
    assert record.getMessage() == "fragment 'boom' raised RuntimeError"
    assert record.fragment == "boom"  # type: ignore[attr-defined]


def test_a_database_error_is_a_500_problem(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    response = client.get(fragment_url("db-down"))
    assert response.status_code == 500
    assert response["Cache-Control"] == "no-store"
    assert problem(response)["fragment"] == "db-down"
    [record] = [r for r in caplog.records if r.name == "composekit"]
    assert record.getMessage() == "fragment 'db-down' raised OperationalError"


@override_settings(DEBUG=True)
def test_raised_is_500_with_details_under_debug(client: Client) -> None:
    response = client.get(fragment_url("boom"))
    body = problem(response)
    assert body["detail"] == "RuntimeError: the fragment blew up"
    assert body["exception"] == "RuntimeError"
    lines = body["traceback"].splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "RuntimeError: the fragment blew up"
    assert 'raise RuntimeError("the fragment blew up")' in body["traceback"]  # the fragment's line


@pytest.mark.parametrize(
    ("name", "cache_control", "vary"),
    [
        ("hello", "private, no-cache", "Accept, Cookie"),
        ("counted", "private, max-age=30", "Accept, Cookie"),
        ("news", "public, max-age=60, s-maxage=300, stale-while-revalidate=30", "Accept"),
        ("no-store", "no-store", "Accept, Cookie"),
    ],
)
def test_policy_headers(client: Client, name: str, cache_control: str, vary: str) -> None:
    response = client.get(fragment_url(name))
    assert response.status_code == 200
    assert response["Cache-Control"] == cache_control
    assert response["Vary"] == vary


def test_public_fragment_does_not_touch_the_session(client: Client, django_user_model: type[User]) -> None:
    client.force_login(django_user_model.objects.create_user("ada"))
    response = client.get(fragment_url("news", topic="django"))
    assert response.content == b"<p>News about django</p>"
    assert response["Vary"] == "Accept"
    assert not response.cookies


def test_public_fragment_that_reads_the_user_is_downgraded(
    client: Client, django_user_model: type[User], caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(django_user_model.objects.create_user("ada"))
    client.session  # noqa: B018 - make sure a session exists
    session = client.session
    session["visits"] = 3
    session.save()
    response = client.get(fragment_url("leaky-public"))
    assert response.content == b"Visits: 3"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Accept, Cookie"
    assert "public fragment 'leaky-public' touched the session" in caplog.text


def test_public_fragment_that_uses_the_csrf_token_is_downgraded(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get(fragment_url("public-csrf"))
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert response["Cache-Control"] == "private, no-cache"
    assert "touched the CSRF token" in caplog.text


def test_public_fragment_sees_an_anonymous_user(client: Client, django_user_model: type[User]) -> None:
    client.force_login(django_user_model.objects.create_user("ada"))
    response = client.get(fragment_url("public-user"))
    assert response.content == b"Hello anonymous"
    assert response["Cache-Control"] == "public, max-age=60"


def test_error_responses_are_never_cacheable(client: Client) -> None:
    for url in ("/_composekit/nope/", "/_composekit/hello/", fragment_url("members"), fragment_url("boom")):
        assert client.get(url)["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("what", "status", "detail"),
    [
        ("404", 404, "no such product"),
        ("403", 403, "not your cart"),
        ("", 400, "qty: must be positive; sku: unknown; retired"),
    ],
)
def test_django_and_drf_exceptions_become_problems(
    client: Client, what: str, status: int, detail: str
) -> None:
    response = client.get(fragment_url("raises", what=what))
    assert response.status_code == status
    assert problem(response)["detail"] == detail


@override_settings(DEBUG=True)
def test_fragment_without_template_says_what_to_do(client: Client) -> None:
    body = problem(client.get(fragment_url("no-template")))
    assert body["detail"] == (
        "NotImplementedError: fragment 'no-template' has no template_name; set one or override render()"
    )


@pytest.mark.parametrize("path", ["/_composekit/", "/_composekit/a/b/", "/_composekit/hello"])
def test_other_paths_under_the_prefix_are_problem_404s(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert problem(response)["detail"].endswith(
        "is not a fragment URL; fragment URLs look like <prefix>/<name>/?p=..."
    )


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_unsafe_methods_are_405_before_authentication_and_csrf(
    django_user_model: type[User], method: str
) -> None:
    # A browser's POST carries the session cookie but (to a fragment) no CSRF token: the
    # answer is still 405, not DRF's "CSRF Failed" 403, because the method is checked first.
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("ada"))
    response = getattr(client, method)(fragment_url("members"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_session_authentication_skips_only_drfs_pointless_csrf_check() -> None:
    from rest_framework.authentication import BasicAuthentication, SessionAuthentication

    from tests.testapp.fragments import Hello, Members

    class OwnSession(SessionAuthentication):
        pass

    authenticators = Hello().get_authenticators()
    assert [type(a).__name__ for a in authenticators] == [
        "SafeMethodSessionAuthentication",
        "BasicAuthentication",
    ]
    assert authenticators[0].enforce_csrf(None) is None
    assert [type(a) for a in Members().get_authenticators()][0] is BasicAuthentication
    custom = type("Custom", (Hello,), {"authentication_classes": [OwnSession]})
    assert [type(a) for a in custom().get_authenticators()] == [OwnSession]  # yours stay yours


# (Accept, whether the endpoint answers JSON); "" sends no Accept. tests/test_varnish.py
# checks that the reference VCL makes the same choice for each.
ACCEPT_CASES = [
    ("", False),
    ("*/*", False),
    ("text/html", False),
    ("text/html,application/xhtml+xml,*/*;q=0.8", False),  # a browser's navigation
    ("application/json", True),
    ("Application/JSON", True),
    ("application/*", True),
    ("application/json;q=0.5", True),
    ("application/json, text/html;q=0.1", False),  # HTML is acceptable: HTML wins
    ("application/json, text/html;q=0.01", False),
    ("application/json, text/html;q=0", True),  # q=0 refuses HTML
    ("text/html;q=0, application/json", True),
    ("text/html;q=0.0, application/json", True),
    ("text/html;q=0.00,application/json", True),
    ("text/html;q=0.000, application/json", True),
    ("text/html;level=1;q=0, application/json", True),  # q need not be the last parameter
    ("text/html; Q = 0 , application/json", True),
    ("application/json, */* ; q = 0", True),
    ("*/*;q=0, application/json", True),
    ("application/json;q=0, text/html", False),
    ("application/*;q=0, */*;q=0", False),
    ("image/png", False),  # neither: HTML, the default representation
    ("application/jsonx", False),  # not JSON
    ("text/htmlx, application/json", True),  # not HTML
    ("text/*, application/json", False),
]


@pytest.mark.parametrize(("accept", "json"), ACCEPT_CASES)
def test_wants_json_reads_accept_like_django(accept: str, json: bool) -> None:
    from django.test import RequestFactory

    from composekit.accept import wants_json

    assert wants_json(accept) is json
    request = RequestFactory().get("/", headers={"Accept": accept} if accept else {})
    # Same answer as Django's own negotiation since 5.2, which refuses q=0 ranges too (4.2's
    # accepts() ignores q, so it is compared where there is no q=0).
    if django.VERSION >= (5, 2) or "q" not in accept.lower():
        assert (request.accepts("application/json") and not request.accepts("text/html")) is json
