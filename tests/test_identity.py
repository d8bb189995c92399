"""composekit/identity.py: the marker cookie that moves on every login and logout."""

from __future__ import annotations

import asyncio

import pytest
from django.contrib.auth import login, logout
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from composekit.identity import rotate_identity
from composekit.middleware import ComposekitMiddleware
from composekit.script import script_tag
from tests import aio

pytestmark = pytest.mark.django_db


def _request() -> HttpRequest:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def _through_middleware(view: object) -> tuple[HttpRequest, HttpResponse]:
    request = _request()

    def get_response(req: HttpRequest) -> HttpResponse:
        view(req)  # type: ignore[operator]
        return HttpResponse("ok")

    response = ComposekitMiddleware(get_response)(request)
    return request, response


def test_login_sets_a_new_readable_marker() -> None:
    user = User.objects.create_user("alice")
    _, response = _through_middleware(lambda r: login(r, user))
    cookie = response.cookies["ck_identity"]
    assert len(cookie.value) == 16  # 12 random bytes, URL-safe base64
    assert cookie["httponly"] == ""  # the loader reads it
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == 1209600  # SESSION_COOKIE_AGE


def test_logout_sets_another_marker_every_time() -> None:
    user = User.objects.create_user("alice")
    markers = set()
    for _ in range(3):
        _, response = _through_middleware(lambda r: (login(r, user), logout(r)))  # type: ignore[func-returns-value]
        markers.add(response.cookies["ck_identity"].value)
    assert len(markers) == 3


def test_other_responses_carry_no_marker() -> None:
    _, response = _through_middleware(lambda r: r.session.get("anything"))
    assert "ck_identity" not in response.cookies


@override_settings(
    COMPOSEKIT_IDENTITY_COOKIE="who",
    SESSION_COOKIE_SECURE=True,
    SESSION_COOKIE_DOMAIN=".shop.test",
    SESSION_COOKIE_SAMESITE="Strict",
)
def test_cookie_follows_the_settings() -> None:
    _, response = _through_middleware(rotate_identity)
    cookie = response.cookies["who"]
    assert (cookie["secure"], cookie["domain"], cookie["samesite"]) == (True, ".shop.test", "Strict")
    assert script_tag() == (
        '<script src="/static/composekit/composekit.min.js" data-max-depth="5" data-identity-cookie="who" '
        'data-batch-url="/_composekit/_batch/"></script>'
    )


@override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=True)
def test_the_marker_ends_with_the_browser_when_the_session_cookie_does() -> None:
    # The loader then finds it gone at the next start and drops what the browser kept.
    _, response = _through_middleware(rotate_identity)
    assert response.cookies["ck_identity"]["max-age"] == ""
    assert response.cookies["ck_identity"]["expires"] == ""


@override_settings(COMPOSEKIT_IDENTITY_COOKIE=None)
def test_no_cookie_when_turned_off() -> None:
    _, response = _through_middleware(rotate_identity)
    assert not response.cookies
    assert "data-identity-cookie" not in script_tag()


def test_rotate_identity_accepts_no_request() -> None:
    rotate_identity(None)  # Django's test client logs in without a request; nothing to mark


def test_async_middleware_sets_the_marker_without_a_thread() -> None:
    async def get_response(request: HttpRequest) -> HttpResponse:
        rotate_identity(request)
        return HttpResponse("ok")

    middleware = ComposekitMiddleware(get_response)
    assert asyncio.iscoroutinefunction(middleware)
    response = aio.run(middleware(_request()))
    assert "ck_identity" in response.cookies


def test_login_and_logout_views_send_it() -> None:
    User.objects.create_user("bob", password="pw-bob-123")
    browser = Client()
    response = browser.post("/accounts/login/", {"username": "bob", "password": "pw-bob-123"})
    assert response.status_code == 302
    first = response.cookies["ck_identity"].value
    page = browser.get("/page/")
    assert "ck_identity" not in page.cookies  # shells and pages stay cookie-free
    response = browser.post("/accounts/logout/")
    assert response.cookies["ck_identity"].value not in ("", first)
