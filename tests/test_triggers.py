"""composekit/triggers.py, and what the tag and the script tag say for composekit-live."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import HttpResponse
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client, RequestFactory, override_settings

from composekit import submitted_by_loader, trigger
from composekit.render import fragment_url
from composekit.script import live_script_tag

pytestmark = pytest.mark.django_db


def render(source: str) -> str:
    return Template("{% load composekit %}" + source).render(Context())


def test_trigger_adds_events_in_order_each_once() -> None:
    response = trigger(HttpResponse(status=204), "cart:changed")
    assert response["CK-Trigger"] == "cart:changed"
    assert trigger(response, "stock.low", "cart:changed", "wish-list_2") is response
    assert response["CK-Trigger"] == "cart:changed, stock.low, wish-list_2"
    assert not trigger(HttpResponse()).has_header("CK-Trigger")


@pytest.mark.parametrize("name", ["", "cart changed", "cart,changed", ":x", 3])
def test_trigger_refuses_what_is_not_an_event_name(name: object) -> None:
    with pytest.raises(
        ValueError, match="an event name is letters, digits and _.:- .like 'cart:changed'., not"
    ):
        trigger(HttpResponse(), name)  # type: ignore[arg-type]


def test_submitted_by_loader_reads_the_loaders_header(rf: RequestFactory) -> None:
    assert submitted_by_loader(rf.post("/", headers={"CK-Request": "form"}))
    assert not submitted_by_loader(rf.post("/"))
    assert not submitted_by_loader(rf.post("/", headers={"CK-Request": "other"}))


def test_a_batch_part_carries_its_trigger(client: Client) -> None:
    query = parse_qs(urlsplit(fragment_url("triggers")).query)
    response = client.get("/_composekit/_batch/", {"f": [f"triggers:{query['p'][0]}"]})
    [part] = json.loads(response.content)
    assert part["trigger"] == "news:shown"
    assert client.get(fragment_url("triggers"))["CK-Trigger"] == "news:shown"


def test_the_tag_says_what_a_fragment_refreshes_on_and_how_often() -> None:
    html = render('{% fragment "live-news" %}{% endfragment %}')
    assert 'refresh-on="news:changed site:changed"' in html
    assert "refresh-every" not in html
    html = render('{% fragment "live-news" refresh_on="a:b" refresh_every="30s" %}{% endfragment %}')
    assert 'refresh-on="a:b" refresh-every="30s"' in html
    html = render('{% fragment "hello" refresh_every="500ms" %}{% endfragment %}')
    assert 'refresh-every="500ms"' in html and "refresh-on" not in html


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            'refresh_every="30"',
            'refresh_every must be an interval such as "30s", "500ms" or "5m", not \'30\'',
        ),
        ('refresh_every="0s"', "not '0s'"),
        ('refresh_on="a b,c"', "refresh_on must be event names such as"),
        ("refresh_on=3", "not 3"),
    ],
)
def test_bad_live_attributes_are_template_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as error:
        render(f'{{% fragment "hello" {source} %}}{{% endfragment %}}')
    assert str(error.value).startswith('{% fragment "hello" %}: ')
    assert message in str(error.value)


def test_composekit_script_live_adds_the_live_script() -> None:
    html = render("{% composekit_script live %}")
    assert html.endswith('<script src="/static/composekit/composekit-live.min.js"></script>')
    assert html.count("<script") == 2
    with pytest.raises(TemplateSyntaxError, match="takes only the word live"):
        render("{% composekit_script dead %}")


@override_settings(
    COMPOSEKIT_LIVE_TABS=["cart:changed", "wish:changed"],
    COMPOSEKIT_LIVE_COALESCE=250,
    CSRF_COOKIE_NAME="csrf",
    CSRF_HEADER_NAME="HTTP_X_CSRF",
)
def test_the_live_script_carries_its_config() -> None:
    assert live_script_tag(nonce="n") == (
        '<script src="/static/composekit/composekit-live.min.js" data-coalesce="250" '
        'data-tabs="cart:changed wish:changed" data-csrf-cookie="csrf" data-csrf-header="X-CSRF" '
        'nonce="n"></script>'
    )
