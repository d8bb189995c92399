"""Inline mode: the same view through a sub-request, nesting guards, failures; ``fragment_url()``."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory, override_settings

from composekit.inline import fragments_in
from composekit.render import FragmentError, fragment_url, render_fragment
from composekit.signing import ParamError, sign_params
from tests.pages import render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline")]


@pytest.fixture
def inline() -> Any:
    with override_settings(COMPOSEKIT_MODE="inline"):
        yield


@pytest.fixture
def page(rf: RequestFactory) -> Any:
    request = rf.get("/page/", headers={"If-None-Match": '"page-etag"', "Accept-Language": "fr"})
    request.user = AnonymousUser()
    request.session = {}  # type: ignore[assignment]
    return request


def test_nested_fragments_render_inline(page: Any) -> None:
    html = render('{% fragment "outer" %}{% endfragment %}', page)
    assert fragments_in(page) == ["outer"]  # marks the page as per-user
    render('{% fragment "hello" %}{% endfragment %}', page)
    assert fragments_in(page) == ["outer", "hello"]
    inner = fragment_url("hello", who="outer")
    assert html == (
        f'<ck-fragment name="outer" src="{fragment_url("outer")}" state="loaded"><div>outer '
        f'<ck-fragment name="hello" src="{inner}" state="loaded">Hello anonymous from outer</ck-fragment>'
        "</div></ck-fragment>"
    )


def test_endpoint_renders_nested_fragments_inline_too(client: Client) -> None:
    response = client.get(fragment_url("outer"))
    assert b'state="loaded">Hello anonymous from outer</ck-fragment>' in response.content


@override_settings(DEBUG=True)
def test_raising_fragment_surfaces_under_debug(page: Any) -> None:
    with pytest.raises(RuntimeError, match="the fragment blew up"):
        render('{% fragment "boom" %}{% endfragment %}', page)


def test_raising_fragment_shows_its_fallback_in_production(
    page: Any, caplog: pytest.LogCaptureFixture
) -> None:
    html = render('{% fragment "boom" %}<b>later</b>{% endfragment %}', page)
    assert (
        html
        == f'<ck-fragment name="boom" src="{fragment_url("boom")}" state="error"><b>later</b></ck-fragment>'
    )
    [record] = [r for r in caplog.records if r.name == "composekit"]
    assert record.getMessage() == "fragment 'boom' failed to render inline; its fallback was shown"
    assert record.fragment == "boom"  # type: ignore[attr-defined]
    assert record.exc_info is not None


def test_refused_fragment_shows_its_fallback(page: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="composekit")
    html = render('{% fragment "members" %}<a href="/login/">Log in</a>{% endfragment %}', page)
    assert html == (
        f'<ck-fragment name="members" src="{fragment_url("members")}" state="error"><a href="/login/">Log in</a></ck-fragment>'
    )
    assert "fragment 'members' not rendered inline: the fragment answered 401" in caplog.text


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


# -- fragment_url(): the tag's arguments, from Python -----------------------------------


def test_fragment_url_takes_params_as_keywords(client: Client) -> None:
    url = fragment_url("hello", who="python", n=2)
    assert url == "/_composekit/hello/?p=" + sign_params("hello", {"n": 2, "who": "python"})
    assert client.get(url).content == b"Hello anonymous from python n=2"


def test_fragment_url_name_is_positional_so_name_can_be_a_param() -> None:
    assert fragment_url("hello", name="x") == "/_composekit/hello/?p=" + sign_params("hello", {"name": "x"})


def test_fragment_url_with_a_dict_still_works_and_says_what_to_write() -> None:
    with pytest.warns(DeprecationWarning) as warned:
        url = fragment_url("hello", {"who": "python"})
    assert url == fragment_url("hello", who="python")
    assert [str(w.message) for w in warned] == [
        'fragment_url("hello", {...}) with a dict of params is deprecated: pass them as keywords, '
        'fragment_url("hello", key=value), or unpack the dict, fragment_url("hello", **params)'
    ]
    assert warned[0].filename == __file__  # points at the caller, not at composekit


def test_fragment_url_refuses_other_positional_arguments() -> None:
    with pytest.raises(TypeError) as caught:
        fragment_url("hello", "python")  # type: ignore[arg-type]
    assert str(caught.value) == (
        'fragment_url("hello", ...) takes params as keywords, fragment_url("hello", sku="AB-12"), '
        "not a positional str"
    )


def test_fragment_url_refuses_an_unregistered_name_as_the_tag_does() -> None:
    with pytest.raises(FragmentError) as caught:
        fragment_url("nope", who="python")
    assert str(caught.value) == (
        'fragment_url("nope"): no fragment is registered under this name; check the spelling, '
        "that the class has @register, and that its app's fragments.py is in an installed app"
    )
    with pytest.raises(FragmentError) as tag:
        render('{% fragment "nope" %}{% endfragment %}')
    assert str(tag.value).partition(": ")[2] == str(caught.value).partition(": ")[2]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"loading": "lazy"},
            "param 'loading' is reserved: it is an attribute of the {% fragment %} tag "
            "(a param can never take this name); rename the param",
        ),
        (
            {"request": 1},
            "param 'request' is reserved: Hello.get_context() takes an argument of this name "
            "before the params; rename the param",
        ),
    ],
)
def test_fragment_url_refuses_reserved_param_names_as_the_tag_does(
    params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParamError) as caught:
        fragment_url("hello", **params)
    assert str(caught.value) == message
    assert caught.value.param == next(iter(params))
    with pytest.raises(FragmentError) as tag:
        render_fragment(None, "hello", params)  # what the tags call
    assert str(tag.value) == f'{{% fragment "hello" %}}: {message}'


def test_a_database_error_shows_that_fragments_fallback_and_the_page_goes_on(
    page: Any, django_user_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # In a transaction, as under ATOMIC_REQUESTS: the failed query marks it for rollback.
    django_user_model.objects.create_user("bo")
    html = render(
        '{% fragment "db-down" %}<b>later</b>{% endfragment %}{% fragment "stock" sku="b" %}{% endfragment %}',
        page,
    )
    assert html == (
        f'<ck-fragment name="db-down" src="{fragment_url("db-down")}" state="error"><b>later</b></ck-fragment>'
        f'<ck-fragment name="stock" src="{fragment_url("stock", sku="b")}" public="" state="loaded">'
        "<b>b: 1 in stock</b></ck-fragment>"
    )
    assert "fragment 'db-down' failed to render inline; its fallback was shown" in caplog.text
    assert django_user_model.objects.count() == 1  # the page's own queries still run
