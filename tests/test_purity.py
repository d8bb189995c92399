"""The kinds of per-user state a request and its response show."""

from __future__ import annotations

from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from composekit.purity import CSRF_TOKEN, MESSAGES, SESSION, VARY_COOKIE, per_user_state


def test_a_request_nothing_read_shows_nothing(rf: RequestFactory) -> None:
    request = rf.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    assert per_user_state(request, HttpResponse()) == []


def test_each_kind_is_named_in_order(rf: RequestFactory) -> None:
    request = rf.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    request.session.get("cart")
    get_token(request)
    list(request._messages)  # type: ignore[attr-defined]
    response = HttpResponse()
    response.set_cookie("theme", "dark")
    response.set_cookie("lang", "fr")
    response["Vary"] = "Accept, Cookie"
    assert per_user_state(request, response) == [
        SESSION,
        CSRF_TOKEN,
        MESSAGES,
        "a cookie set (lang, theme)",
        VARY_COOKIE,
    ]
    assert per_user_state(request) == [SESSION, CSRF_TOKEN, MESSAGES]  # no response yet


def test_messages_count_once_loaded_or_added(rf: RequestFactory) -> None:
    loaded, added = rf.get("/"), rf.get("/")
    for request in (loaded, added):
        request.session = SessionStore()
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    bool(loaded._messages)  # type: ignore[attr-defined]  # {% if messages %} loads them
    added._messages.add(20, "saved")  # type: ignore[attr-defined]
    assert (per_user_state(loaded), per_user_state(added)) == ([MESSAGES], [MESSAGES])
