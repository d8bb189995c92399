"""ESI mode: includes only for a surrogate that says it can, whole elements from the endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory, override_settings

from composekit.esi import surrogate_can_esi
from composekit.render import fragment_url
from tests.pages import page_request, render

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("esi_mode")]

CAPABLE = {"Surrogate-Capability": 'varnish="ESI/1.0"'}


@pytest.fixture
def esi_mode() -> Any:
    with override_settings(COMPOSEKIT_MODE="esi"):
        yield


def include_src(name: str, **params: Any) -> str:
    return fragment_url(name, **params) + "&esi=1"


@pytest.mark.parametrize(
    ("header", "capable"),
    [
        ('varnish="ESI/1.0"', True),
        ('abc="ESI/1.0 ESI-Inline/1.0"', True),
        ('cdn="X/1.0", varnish="ESI/1.0"', True),
        ("varnish=ESI/1.0", True),
        ('varnish="ESI/2.0"', False),
        ('varnish="NOTESI/1.0"', False),
        ("ESI/1.0", False),  # no device token: not the header's syntax
        ("", False),
    ],
)
def test_surrogate_capability_is_parsed(rf: RequestFactory, header: str, capable: bool) -> None:
    request = rf.get("/", headers={"Surrogate-Capability": header} if header else {})
    assert surrogate_can_esi(request) is capable


def test_a_capable_surrogate_gets_an_include(rf: RequestFactory) -> None:
    html = render(
        '{% fragment "hello" who="esi" %}<i>later</i>{% endfragment %}', page_request(rf, **CAPABLE)
    )
    src = include_src("hello", who="esi").replace("&", "&amp;")
    assert html == f'<esi:include src="{src}" onerror="continue"/>'


def test_without_the_header_a_request_gets_client_mode(rf: RequestFactory) -> None:
    html = render('{% fragment "hello" who="esi" %}<i>later</i>{% endfragment %}', page_request(rf))
    assert (
        html
        == f'<ck-fragment name="hello" src="{fragment_url("hello", who="esi")}"><i>later</i></ck-fragment>'
    )


def test_lazy_fragments_stay_for_the_loader(rf: RequestFactory) -> None:
    html = render('{% fragment "hello" loading="lazy" %}…{% endfragment %}', page_request(rf, **CAPABLE))
    assert html == f'<ck-fragment name="hello" src="{fragment_url("hello")}" loading="lazy">…</ck-fragment>'


@override_settings(COMPOSEKIT_MODE="client")
def test_client_mode_ignores_the_header(rf: RequestFactory) -> None:
    html = render('{% fragment "hello" %}…{% endfragment %}', page_request(rf, **CAPABLE))
    assert html == f'<ck-fragment name="hello" src="{fragment_url("hello")}">…</ck-fragment>'


def test_the_page_says_surrogate_control_and_varies_on_the_capability(client: Client) -> None:
    esi = client.get("/shells/page/", headers=CAPABLE)
    assert esi["Surrogate-Control"] == 'content="ESI/1.0"'
    assert esi["Vary"] == "Surrogate-Capability"
    plain = client.get("/shells/page/")
    assert "Surrogate-Control" not in plain
    assert plain["Vary"] == "Surrogate-Capability"  # the two forms of one URL
    assert b"<esi:include" not in plain.content
    assert plain.content.count(b"<ck-fragment") == 3


def test_a_page_without_fragments_does_not_vary(client: Client) -> None:
    response = client.get("/shells/class/", headers=CAPABLE)
    assert response.status_code == 200
    assert "Vary" not in response and "Surrogate-Control" not in response


def test_private_fragments_leave_the_esi_shell_cacheable(client: Client, django_user_model: Any) -> None:
    """Symfony bug #25902's class: a private fragment must not make the whole page private."""
    client.force_login(django_user_model.objects.create_user("esi-shopper"))
    response = client.get("/shells/page/", headers=CAPABLE)
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60, stale-while-revalidate=30"
    assert "Set-Cookie" not in response and "X-Composekit-Shell" not in response
    body = response.content.decode()
    assert body.count("<esi:include") == 3
    assert "esi-shopper" not in body
    anonymous = Client().get("/shells/page/", headers=CAPABLE)
    assert anonymous.content == response.content  # the same bytes for everyone


def test_an_include_is_the_element_inline_mode_puts_in_the_page(client: Client, rf: RequestFactory) -> None:
    included = client.get(include_src("hello", who="esi"), headers=CAPABLE)
    assert included.status_code == 200
    assert included["Content-Type"] == "text/html; charset=utf-8"
    with override_settings(COMPOSEKIT_MODE="inline"):
        inline = render('{% fragment "hello" who="esi" %}…{% endfragment %}', page_request(rf))
    assert included.content.decode() == inline
    assert inline.startswith('<ck-fragment name="hello" src="') and 'state="loaded"' in inline


@pytest.mark.parametrize(
    ("tag", "live"),
    [
        ('{% fragment "live-news" %}…{% endfragment %}', 'refresh-on="news:changed site:changed"'),
        (
            '{% fragment "live-news" refresh_on="x:y" refresh_every="30s" %}…{% endfragment %}',
            'refresh-on="x:y" refresh-every="30s"',
        ),
    ],
)
def test_an_include_keeps_the_live_attributes_the_tag_gave(
    client: Client, rf: RequestFactory, tag: str, live: str
) -> None:
    include = render(tag, page_request(rf, **CAPABLE))
    src = include.split('src="')[1].split('"')[0].replace("&amp;", "&")
    included = client.get(src, headers=CAPABLE).content.decode()
    with override_settings(COMPOSEKIT_MODE="inline"):
        inline = render(tag, page_request(rf))
    assert included == inline
    assert live in inline


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("&every=soon", "every"),
        ("&every=30", "every"),
        ("&on=x:y%20%3Cscript%3E", "on"),
    ],
)
def test_an_include_with_bad_live_attributes_is_a_clear_400(client: Client, query: str, param: str) -> None:
    """``on``/``every`` are not signed: the tag checked them, so a URL the page did not make
    gets an error that names the fragment and the param, before the fragment runs."""
    response = client.get(include_src("live-news") + query, headers=CAPABLE)
    assert response.status_code == 400
    problem = response.json()
    assert (problem["fragment"], problem["param"]) == ("live-news", param)
    assert f"{param}=" in problem["detail"]
    assert response["Cache-Control"] == "no-store"


def test_a_failed_include_is_a_client_placeholder_with_its_status(client: Client) -> None:
    response = client.get(include_src("staff"), headers=CAPABLE)
    assert response.status_code == 403
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert (
        response.content.decode() == f'<ck-fragment name="staff" src="{fragment_url("staff")}"></ck-fragment>'
    )
    boom = client.get(include_src("boom"), headers=CAPABLE)
    assert boom.status_code == 500
    assert boom.content.decode() == f'<ck-fragment name="boom" src="{fragment_url("boom")}"></ck-fragment>'


def test_an_include_answers_304_and_json_unchanged(client: Client) -> None:
    first = client.get(include_src("news"))
    again = client.get(include_src("news"), headers={"If-None-Match": first["ETag"]})
    assert (again.status_code, again.content) == (304, b"")
    as_json = client.get(include_src("news"), headers={"Accept": "application/json"})
    assert as_json.json() == {"name": "news", "html": "<p>News about all</p>"}


def test_nested_fragments_are_includes_too(client: Client) -> None:
    response = client.get(include_src("outer"), headers=CAPABLE)
    assert response["Surrogate-Control"] == 'content="ESI/1.0"'
    inner = include_src("hello", who="outer").replace("&", "&amp;")
    assert response.content.decode() == (
        f'<ck-fragment name="outer" src="{fragment_url("outer")}" state="loaded">'
        f'<div>outer <esi:include src="{inner}" onerror="continue"/></div></ck-fragment>'
    )


def test_a_private_include_is_rendered_for_who_asks(client: Client, django_user_model: Any) -> None:
    user: User = django_user_model.objects.create_user("esi-private")
    client.force_login(user)
    response = client.get(include_src("shell-whoami"), headers=CAPABLE)
    assert response.content.decode() == (
        f'<ck-fragment name="shell-whoami" src="{fragment_url("shell-whoami")}" state="loaded">'
        '<b class="who">user=esi-private</b></ck-fragment>'
    )
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Vary"] == "Accept, Cookie"
