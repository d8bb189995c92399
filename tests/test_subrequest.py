"""Inline mode's sub-request: a real request of its own, sharing only what it must."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django
import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest
from django.test import AsyncRequestFactory, Client, RequestFactory, override_settings
from django.urls import set_script_prefix

from composekit import subrequest
from composekit.render import fragment_url
from composekit.signals import fragment_rendered
from tests import aio, pages
from tests.pages import render
from tests.testapp import fragments

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline")]

ECHO = "accept=text/html if-none-match=None view=composekit:fragment kwargs={'name': 'echo'}"


@pytest.fixture
def inline() -> Iterator[None]:
    with override_settings(COMPOSEKIT_MODE="inline"):
        yield


def page_request(rf: RequestFactory, **headers: str) -> WSGIRequest:
    return pages.page_request(rf, "/page/?q=page", session=SessionStore(), **headers)


@pytest.fixture
def captured() -> Iterator[list[Any]]:
    """The Django request each render of fragment "hello" ran with."""
    requests: list[Any] = []
    original = fragments.Hello.get_context

    def capture(self: Any, request: Any, **params: Any) -> dict[str, Any]:
        requests.append(request._request)
        return original(self, request, **params)

    fragments.Hello.get_context = capture  # type: ignore[method-assign,assignment]
    yield requests
    fragments.Hello.get_context = original  # type: ignore[method-assign]


def test_what_the_page_read_of_its_headers_does_not_leak(rf: RequestFactory) -> None:
    page = page_request(rf, accept="application/json", if_none_match='"page-etag"')
    assert page.headers["Accept"] == "application/json"  # read and cached by the page
    html = render('{% fragment "echo" %}{% endfragment %}', page)
    assert html == (
        f'<ck-fragment name="echo" src="{fragment_url("echo")}" state="loaded">'
        f"{ECHO} path=/_composekit/echo/</ck-fragment>"
    )


def test_the_endpoint_sees_the_same(client: Client) -> None:
    # The same fragment fetched over HTTP: the inline request now looks like this one.
    response = client.get(fragment_url("echo"), headers={"Accept": "text/html"})
    assert response.content.decode() == f"{ECHO} path=/_composekit/echo/"


def test_a_new_request_that_shares_an_explicit_list(
    rf: RequestFactory, django_user_model: type[User], captured: list[Any]
) -> None:
    seen: dict[str, Any] = {}

    def spy(sender: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    page = page_request(rf, accept_language="fr", cookie="theme=dark")
    page.user = django_user_model.objects.create_user("ada")
    page._messages = FallbackStorage(page)  # type: ignore[attr-defined]
    page.META["CSRF_COOKIE"] = "secret"
    page.tenant = "acme"  # type: ignore[attr-defined]  # not on the list: stays with the page
    fragment_rendered.connect(spy)
    try:
        html = render('{% fragment "hello" %}{% endfragment %}', page)
    finally:
        fragment_rendered.disconnect(spy)
    assert html.endswith(">Hello ada</ck-fragment>")
    [sub] = captured
    assert type(sub) is WSGIRequest and sub is not page
    assert sub.META is not page.META and sub.environ is sub.META
    assert (sub.user, sub.session, sub._messages, sub.COOKIES) == (  # type: ignore[attr-defined]
        page.user,
        page.session,
        page._messages,  # type: ignore[attr-defined]
        {"theme": "dark"},
    )
    assert sub.session is page.session
    assert sub.META["CSRF_COOKIE"] == "secret"
    assert not hasattr(sub, "tenant")
    assert (sub.method, sub.path, sub.path_info, sub.GET.dict()) == (
        "GET",
        "/_composekit/hello/",
        "/_composekit/hello/",
        {"p": fragment_url("hello").split("?p=")[1]},
    )
    assert sub.META["HTTP_ACCEPT_LANGUAGE"] == "fr"
    assert sub.META["HTTP_ACCEPT"] == "text/html"
    assert sub.read() == b""
    assert sub.resolver_match and sub.resolver_match.url_name == "fragment"
    assert page.path == "/page/" and page.GET.dict() == {"q": "page"}  # the page is untouched
    assert (seen["inline"], seen["status"]) == (True, 200)


@override_settings(COMPOSEKIT_INLINE_CARRY=["tenant"])
def test_inline_carry_names_more_attributes(rf: RequestFactory, captured: list[Any]) -> None:
    page = page_request(rf)
    page.tenant = "acme"  # type: ignore[attr-defined]
    render('{% fragment "hello" %}{% endfragment %}', page)
    [sub] = captured
    assert sub.tenant == "acme"


def test_a_page_without_an_environ_works(captured: list[Any]) -> None:
    page = HttpRequest()  # no WSGI environ, as some test tools build
    page.method = "GET"
    page.path = "/x/"
    page.META = {"SERVER_NAME": "testserver", "SERVER_PORT": "80"}
    page.user = AnonymousUser()
    assert render('{% fragment "hello" %}{% endfragment %}', page).endswith(">Hello anonymous</ck-fragment>")
    assert captured[0].get_host() == "testserver"


@pytest.mark.parametrize("secure", [False, True])
def test_an_asgi_page_gets_a_sub_request_too(captured: list[Any], secure: bool) -> None:
    page = AsyncRequestFactory().get("/page/", headers={"accept-language": "de"}, secure=secure)
    page.user = AnonymousUser()
    assert render('{% fragment "hello" %}{% endfragment %}', page).endswith(">Hello anonymous</ck-fragment>")
    [sub] = captured
    assert sub.META["HTTP_ACCEPT_LANGUAGE"] == "de"
    assert (sub.scheme, sub.is_secure()) == (page.scheme, secure)


def test_under_a_script_prefix(rf: RequestFactory, captured: list[Any]) -> None:
    set_script_prefix("/shop/")
    try:
        page = page_request(rf)
        page.META["SCRIPT_NAME"] = "/shop"
        page.META["SCRIPT_URL"] = "/shop/page/"  # Apache's: about the page, not the fragment
        html = render('{% fragment "echo" %}{% endfragment %}', page)
        render('{% fragment "hello" %}{% endfragment %}', page)
    finally:
        set_script_prefix("/")
    assert 'src="/shop/_composekit/echo/?p=' in html
    assert html.endswith(f"{ECHO} path=/shop/_composekit/echo/</ck-fragment>")
    [sub] = captured
    assert (sub.path, sub.path_info, sub.META["SCRIPT_NAME"]) == (
        "/shop/_composekit/hello/",
        "/_composekit/hello/",
        "/shop",
    )


# -- process_view() of the configured middleware ----------------------------------------------

LOGIN_REQUIRED = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "composekit.middleware.ComposekitMiddleware",
]


@pytest.mark.skipif(django.VERSION < (5, 1), reason="LoginRequiredMiddleware is new in Django 5.1")
@override_settings(MIDDLEWARE=LOGIN_REQUIRED)
def test_login_required_middleware_refuses_inline_as_over_http(
    client: Client, django_user_model: type[User], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="composekit")
    with override_settings(COMPOSEKIT_MODE="client"):
        fetched = client.get(fragment_url("hello"))
    assert fetched.status_code == 302
    assert fetched["Location"].startswith("/accounts/login/?next=/_composekit/hello/")
    page = client.get("/inline-page/hello/")
    assert page.content == (
        f'<main><ck-fragment name="hello" src="{fragment_url("hello")}" state="error">fallback</ck-fragment></main>'.encode()
    )
    assert "fragment 'hello' not rendered inline: the fragment answered 302" in caplog.text
    client.force_login(django_user_model.objects.create_user("ada"))
    assert b">Hello ada</ck-fragment>" in client.get("/inline-page/hello/").content


@override_settings(
    MIDDLEWARE=["tests.testapp.middleware.NotUsed", "tests.testapp.middleware.RefuseMarked"],
    COMPOSEKIT_INLINE_CARRY=["refuse"],
)
def test_async_process_view_runs_and_unused_middleware_is_skipped(rf: RequestFactory) -> None:
    # Rendered in a thread with no event loop, as Django renders a sync view's template under ASGI.
    page = page_request(rf)
    html = aio.in_thread(render, '{% fragment "hello" %}{% endfragment %}', page)
    assert html.endswith(">Hello anonymous</ck-fragment>")
    page.refuse = True  # type: ignore[attr-defined]
    assert aio.in_thread(render, '{% fragment "hello" %}x{% endfragment %}', page).endswith(
        '">x</ck-fragment>'
    )


def test_only_middleware_with_process_view_is_instantiated_once_per_setting(rf: RequestFactory) -> None:
    from tests.testapp.middleware import NoViewHook

    key = ("tests.testapp.middleware.NoViewHook", "tests.testapp.middleware.RefuseMarked")
    before = NoViewHook.instances
    with override_settings(MIDDLEWARE=list(key)):
        render('{% fragment "hello" %}{% endfragment %}', page_request(rf))
        first = subrequest._view_middleware(key)
        render('{% fragment "hello" %}{% endfragment %}', page_request(rf))
    assert subrequest._view_middleware(key) is first
    assert len(first) == 1
    assert NoViewHook.instances == before


# -- CSRF state: carried in, and back --------------------------------------------------------


def test_a_token_a_fragment_used_reaches_the_pages_cookie(client: Client) -> None:
    response = client.get("/inline-page/csrf-form/")
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert "csrftoken" in response.cookies


def test_the_page_keeps_its_own_csrf_secret(rf: RequestFactory) -> None:
    page = page_request(rf)
    page.META["CSRF_COOKIE"] = "p" * 32
    render('{% fragment "csrf-form" %}{% endfragment %}', page)
    assert page.META["CSRF_COOKIE"] == "p" * 32
    assert page.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
