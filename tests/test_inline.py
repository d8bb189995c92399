"""Inline mode in a page: what fragments leave on the page request, and on its response."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.utils.functional import SimpleLazyObject

from composekit.inline import (
    apply_to_response,
    first_touched_by_fragments,
    fragments_in,
    rendering,
)
from composekit.middleware import ComposekitMiddleware
from composekit.purity import CSRF_TOKEN, SESSION
from composekit.render import fragment_url
from tests import aio
from tests.pages import render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline")]


@pytest.fixture
def inline() -> Iterator[None]:
    with override_settings(COMPOSEKIT_MODE="inline"):
        yield


def page_request(rf: RequestFactory) -> Any:
    request = rf.get("/page/")
    request.session = SessionStore()
    # As AuthenticationMiddleware does: the user is loaded from the session when first read.
    request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
    return request


# -- Set-Cookie and Vary reach the page ---------------------------------------------------


def test_fragment_cookies_and_vary_reach_the_page(client: Client) -> None:
    response = client.get("/inline-page/sets-cookie/")
    assert b'state="loaded">cookie set</ck-fragment>' in response.content
    assert response.cookies["seen"].value == "fragment"
    # Accept is the endpoint's own negotiation: inline, the fragment is always HTML.
    assert response["Vary"] == "Cookie, Accept-Language"


def test_the_pages_own_cookie_wins(client: Client) -> None:
    assert client.get("/inline-page/sets-cookie/?own=1").cookies["seen"].value == "page"


def test_cookies_of_nested_fragments_reach_the_page(client: Client) -> None:
    response = client.get("/inline-page/outer-cookie/")
    assert b'<div><ck-fragment name="sets-cookie"' in response.content
    assert response.cookies["seen"].value == "fragment"
    assert response["Vary"] == "Cookie, Accept-Language"


def test_each_vary_name_reaches_the_page_once(client: Client) -> None:
    # outer (public) holds hello (private): both vary on nothing the page did not know of,
    # but hello's Cookie arrives through outer too.
    assert client.get("/inline-page/outer/")["Vary"] == "Cookie"


def test_many_private_fragments_make_one_cookie_in_vary(rf: RequestFactory) -> None:
    request = page_request(rf)
    html = render(
        '{% fragment "hello" %}{% endfragment %}{% fragment "counted" %}{% endfragment %}'
        '{% fragment "sets-cookie" %}{% endfragment %}{% fragment "no-store" %}{% endfragment %}',
        request,
    )
    assert html.count('state="loaded"') == 4
    response = HttpResponse()  # the page itself sent no Vary
    apply_to_response(request, response)
    assert response["Vary"] == "Cookie, Accept-Language"
    response = HttpResponse()
    response["Vary"] = "cookie"  # a page that did: no name twice, whatever its case
    apply_to_response(request, response)
    assert response["Vary"] == "cookie, Accept-Language"


def test_a_refused_fragment_still_says_what_the_page_varies_on(client: Client) -> None:
    response = client.get("/inline-page/staff/")
    assert b">fallback</ck-fragment>" in response.content
    assert response["Vary"] == "Cookie"  # the fallback shows because of who asked


def test_without_the_middleware_nothing_is_added(client: Client) -> None:
    from django.conf import settings

    without = [m for m in settings.MIDDLEWARE if m != "composekit.middleware.ComposekitMiddleware"]
    with override_settings(MIDDLEWARE=without):
        response = client.get("/inline-page/sets-cookie/")
    assert b"cookie set" in response.content
    assert "seen" not in response.cookies


@override_settings(COMPOSEKIT_MODE="client")
def test_client_mode_pages_are_left_alone(client: Client) -> None:
    response = client.get("/inline-page/sets-cookie/")
    assert not response.cookies
    assert not response.has_header("Vary")


def test_middleware_works_async_without_a_thread(rf: RequestFactory) -> None:
    page = page_request(rf)
    render('{% fragment "sets-cookie" %}{% endfragment %}', page)

    async def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse("page")

    middleware = ComposekitMiddleware(get_response)
    assert asyncio.iscoroutinefunction(middleware)
    response = aio.run(middleware(page))
    assert response.cookies["seen"].value == "fragment"


def test_apply_to_a_page_without_inline_fragments(rf: RequestFactory) -> None:
    response = HttpResponse()
    apply_to_response(rf.get("/"), response)
    assert not response.cookies and not response.has_header("Vary")


# -- what the page request records -------------------------------------------------------------


def test_records_what_fragments_rendered_and_touched(rf: RequestFactory) -> None:
    page = page_request(rf)
    assert (fragments_in(page), first_touched_by_fragments(page), rendering(page)) == ([], set(), None)
    render('{% fragment "csrf-form" %}{% endfragment %}{% fragment "staff" %}{% endfragment %}', page)
    # staff answered 403: its fallback shows, for this visitor.
    assert fragments_in(page) == ["csrf-form", "staff"]
    assert first_touched_by_fragments(page) == {CSRF_TOKEN, SESSION}
    assert rendering(page) is None


def test_state_the_page_touched_first_is_not_the_fragments(rf: RequestFactory) -> None:
    page = page_request(rf)
    page.session.get("anything")
    render('{% fragment "staff" %}{% endfragment %}', page)
    assert first_touched_by_fragments(page) == set()
    assert fragments_in(page) == ["staff"]


def test_rendering_names_the_fragment_while_it_runs(rf: RequestFactory) -> None:
    from tests.testapp import fragments

    page = page_request(rf)
    seen: list[str | None] = []
    original = fragments.Hello.get_context

    def spy(self: Any, request: Any, **params: Any) -> dict[str, Any]:
        seen.append(rendering(page))
        return original(self, request, **params)

    fragments.Hello.get_context = spy  # type: ignore[method-assign,assignment]
    try:
        render('{% fragment "outer" %}{% endfragment %}', page)
    finally:
        fragments.Hello.get_context = original  # type: ignore[method-assign]
    assert seen == ["outer"]  # the nested hello runs while the page renders outer
    assert rendering(page) is None


# -- nesting --------------------------------------------------------------------------------


@override_settings(DEBUG=True)
def test_self_inclusion_is_a_clear_error(rf: RequestFactory) -> None:
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError) as caught:
        render('{% fragment "self-loop" %}{% endfragment %}', page_request(rf))
    assert str(caught.value) == (
        '{% fragment "self-loop" %}: the fragment includes itself with the same params '
        "(self-loop > self-loop)"
    )


@override_settings(DEBUG=True, COMPOSEKIT_MAX_DEPTH=3)
def test_depth_limit_is_a_clear_error(rf: RequestFactory) -> None:
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError) as caught:
        render('{% fragment "deep" %}{% endfragment %}', page_request(rf))
    assert str(caught.value) == (
        '{% fragment "deep" %}: fragments nest deeper than COMPOSEKIT_MAX_DEPTH (3): deep > deep > deep > deep'
    )


def test_nesting_errors_fall_back_outside_debug(rf: RequestFactory, caplog: pytest.LogCaptureFixture) -> None:
    html = render('{% fragment "self-loop" %}fallback{% endfragment %}', page_request(rf))
    # The outer fragment renders; the nested copy of itself is left as a placeholder.
    assert html.startswith(f'<ck-fragment name="self-loop" src="{fragment_url("self-loop")}" state="loaded">')
    assert html.endswith(
        f'loop <ck-fragment name="self-loop" src="{fragment_url("self-loop")}" state="error"></ck-fragment></ck-fragment>'
    )
    assert "fragment 'self-loop' failed to render inline" in caplog.text
