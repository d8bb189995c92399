"""Inline mode: the same view through a sub-request, nesting guards, failures."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.template import RequestContext, Template, TemplateSyntaxError
from django.test import Client, RequestFactory, override_settings

from composekit.render import fragment_url
from composekit.signals import fragment_rendered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline")]


@pytest.fixture
def inline() -> Any:
    with override_settings(COMPOSEKIT_MODE="inline"):
        yield


def render(source: str, request: Any) -> str:
    return Template("{% load composekit %}" + source).render(RequestContext(request))


@pytest.fixture
def page(rf: RequestFactory) -> Any:
    request = rf.get("/page/", headers={"If-None-Match": '"page-etag"', "Accept-Language": "fr"})
    request.user = AnonymousUser()
    request.session = {}
    return request


def test_nested_fragments_render_inline(page: Any) -> None:
    html = render('{% fragment "outer" %}{% endfragment %}', page)
    assert page.composekit_rendered_inline == ["outer"]  # marks the page as per-user
    render('{% fragment "hello" %}{% endfragment %}', page)
    assert page.composekit_rendered_inline == ["outer", "hello"]
    inner = fragment_url("hello", {"who": "outer"})
    assert html == (
        f'<ck-fragment name="outer" src="{fragment_url("outer")}" state="loaded"><div>outer '
        f'<ck-fragment name="hello" src="{inner}" state="loaded">Hello anonymous from outer</ck-fragment>'
        "</div></ck-fragment>"
    )


def test_endpoint_renders_nested_fragments_inline_too(client: Client) -> None:
    response = client.get(fragment_url("outer"))
    assert b'state="loaded">Hello anonymous from outer</ck-fragment>' in response.content


@override_settings(DEBUG=True)
def test_self_inclusion_is_a_clear_error(page: Any) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        render('{% fragment "self-loop" %}{% endfragment %}', page)
    assert str(caught.value) == (
        '{% fragment "self-loop" %}: the fragment includes itself with the same params '
        "(self-loop > self-loop)"
    )


@override_settings(DEBUG=True, COMPOSEKIT_MAX_DEPTH=3)
def test_depth_limit_is_a_clear_error(page: Any) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        render('{% fragment "deep" %}{% endfragment %}', page)
    assert str(caught.value) == (
        '{% fragment "deep" %}: fragments nest deeper than COMPOSEKIT_MAX_DEPTH (3): deep > deep > deep > deep'
    )


def test_nesting_errors_fall_back_outside_debug(page: Any, caplog: pytest.LogCaptureFixture) -> None:
    html = render('{% fragment "self-loop" %}fallback{% endfragment %}', page)
    # The outer fragment renders; the nested copy of itself is left as a placeholder.
    assert html.startswith(f'<ck-fragment name="self-loop" src="{fragment_url("self-loop")}" state="loaded">')
    assert html.endswith(
        f'loop <ck-fragment name="self-loop" src="{fragment_url("self-loop")}"></ck-fragment></ck-fragment>'
    )
    assert "fragment 'self-loop' failed to render inline" in caplog.text


@override_settings(DEBUG=True)
def test_raising_fragment_surfaces_under_debug(page: Any) -> None:
    with pytest.raises(RuntimeError, match="the fragment blew up"):
        render('{% fragment "boom" %}{% endfragment %}', page)


def test_raising_fragment_shows_its_fallback_in_production(
    page: Any, caplog: pytest.LogCaptureFixture
) -> None:
    html = render('{% fragment "boom" %}<b>later</b>{% endfragment %}', page)
    assert html == f'<ck-fragment name="boom" src="{fragment_url("boom")}"><b>later</b></ck-fragment>'
    [record] = [r for r in caplog.records if r.name == "composekit"]
    assert record.getMessage() == "fragment 'boom' failed to render inline; its fallback was shown"
    assert record.fragment == "boom"  # type: ignore[attr-defined]
    assert record.exc_info is not None


def test_refused_fragment_shows_its_fallback(page: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="composekit")
    html = render('{% fragment "members" %}<a href="/login/">Log in</a>{% endfragment %}', page)
    assert html == (
        f'<ck-fragment name="members" src="{fragment_url("members")}"><a href="/login/">Log in</a></ck-fragment>'
    )
    assert "fragment 'members' not rendered inline: the fragment answered 401" in caplog.text


def test_sub_request_carries_user_session_cookies_and_headers(
    rf: RequestFactory, django_user_model: type[User]
) -> None:
    seen: dict[str, Any] = {}

    def spy(sender: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    request = rf.get("/page/", headers={"Accept-Language": "fr"})
    request.COOKIES["theme"] = "dark"
    request.user = django_user_model.objects.create_user("ada")
    request.session = {"k": "v"}
    request.tenant = "acme"  # anything middleware attached comes along
    from tests.testapp import fragments

    captured: list[Any] = []
    original = fragments.Hello.get_context

    def capture(self: Any, req: Any, **params: Any) -> dict[str, Any]:
        captured.append(req._request)
        return original(self, req, **params)

    fragments.Hello.get_context = capture  # type: ignore[method-assign]
    fragment_rendered.connect(spy)
    try:
        html = render('{% fragment "hello" %}{% endfragment %}', request)
    finally:
        fragments.Hello.get_context = original  # type: ignore[method-assign]
        fragment_rendered.disconnect(spy)
    assert ">Hello ada<" in html
    [sub] = captured
    assert sub is not request
    assert sub.user is request.user
    assert sub.session is request.session
    assert sub.COOKIES == {"theme": "dark"}
    assert sub.META["HTTP_ACCEPT_LANGUAGE"] == "fr"
    assert sub.META["HTTP_ACCEPT"] == "text/html"
    assert sub.method == "GET"
    assert sub.tenant == "acme"
    assert sub.get_full_path() == fragment_url("hello")
    assert request.path == "/page/"  # the page request is untouched
    assert seen["inline"] is True
    assert seen["status"] == 200


def test_page_conditional_headers_do_not_reach_the_fragment(page: Any) -> None:
    html = render('{% fragment "hello" %}{% endfragment %}', page)
    assert 'state="loaded"' in html  # not a 304 because of the page's If-None-Match


def test_csrf_token_used_by_a_fragment_reaches_the_page(client: Client) -> None:
    from django.urls import path

    from tests import urls

    def page_view(request: Any) -> Any:
        from django.http import HttpResponse

        return HttpResponse(render('{% fragment "csrf-form" %}{% endfragment %}', request))

    urls.urlpatterns.append(path("csrf-page/", page_view))
    try:
        response = client.get("/csrf-page/")
    finally:
        urls.urlpatterns.pop()
        from django.urls import clear_url_caches

        clear_url_caches()
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert "csrftoken" in response.cookies


def test_plain_http_request_works_as_a_page() -> None:
    from django.http import HttpRequest

    request = HttpRequest()  # no WSGI environ, as some test tools and ASGI adapters build
    request.method = "GET"
    request.path = "/x/"
    request.META = {"SERVER_NAME": "testserver", "SERVER_PORT": "80"}
    request.user = AnonymousUser()
    assert ">Hello anonymous</ck-fragment>" in render('{% fragment "hello" %}{% endfragment %}', request)


def test_public_fragment_after_private_ones_on_an_inline_page_is_not_blamed(
    rf: RequestFactory, caplog: pytest.LogCaptureFixture
) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/page/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request.session.get("anything")  # the page read the session: it is not the fragment's doing
    html = render(
        '{% fragment "csrf-form" %}{% endfragment %}{% fragment "news" %}{% endfragment %}', request
    )
    assert ">News about all</p></ck-fragment>" in html
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert [r.getMessage() for r in caplog.records if r.name == "composekit"] == []
