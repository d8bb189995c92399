"""The markup composekit emits, whichever mode emits it: attributes, elements, the src."""

from __future__ import annotations

from django.test import override_settings

from composekit.html import element, fragment_attrs, fragment_path, fragment_src, html_attrs, loaded_element
from tests.testapp.fragments import Hello, Stock

ATTRS = {"name": "hello", "src": "/_composekit/hello/?p=t", "loading": None}


def test_attributes_are_escaped_in_order_and_none_left_out() -> None:
    assert html_attrs({"b": 'say "<hi>"', "a": None, "c": ""}) == ' b="say &quot;&lt;hi&gt;&quot;" c=""'


def test_an_element_holds_its_content_as_html() -> None:
    assert element(ATTRS, "<b>…</b>") == (
        '<ck-fragment name="hello" src="/_composekit/hello/?p=t"><b>…</b></ck-fragment>'
    )
    assert element(ATTRS, "<i>wait</i>", error="<i>failed</i>") == (
        '<ck-fragment name="hello" src="/_composekit/hello/?p=t">'
        "<i>wait</i><template data-ck-error><i>failed</i></template></ck-fragment>"
    )


def test_the_attribute_form_prefixes_its_attributes() -> None:
    assert (
        element(ATTRS, "", tag="li") == '<li data-ck-name="hello" data-ck-src="/_composekit/hello/?p=t"></li>'
    )


def test_a_loaded_element_says_so_in_either_form() -> None:
    assert loaded_element(ATTRS, "<b>hi</b>") == (
        '<ck-fragment name="hello" src="/_composekit/hello/?p=t" state="loaded"><b>hi</b></ck-fragment>'
    )
    assert loaded_element(ATTRS, "<td>1</td>", tag="tr") == (
        '<tr data-ck-name="hello" data-ck-src="/_composekit/hello/?p=t" data-ck-state="loaded"><td>1</td></tr>'
    )


def test_the_src_keeps_colons_and_takes_the_fragment_origin() -> None:
    assert fragment_path("hello", {"p": "a:b", "esi": "1"}) == "/_composekit/hello/?p=a:b&esi=1"
    assert fragment_src("hello", "a:b") == "/_composekit/hello/?p=a:b"
    with override_settings(COMPOSEKIT_FRAGMENT_ORIGIN="https://fragments.example"):
        assert fragment_src("hello", "a:b") == "https://fragments.example/_composekit/hello/?p=a:b"


def test_the_attributes_say_what_the_loader_must_know_of_the_class() -> None:
    assert fragment_attrs(Hello, "hello", "/src", refresh_on=["cart:changed", "x"], refresh_every="30s") == {
        "name": "hello",
        "src": "/src",
        "loading": None,
        "timeout": None,
        "refresh-on": "cart:changed x",
        "refresh-every": "30s",
        "public": None,
        "batch": None,
    }
    public = fragment_attrs(Stock, "stock", "/src", loading="lazy", timeout=500)
    assert (public["public"], public["loading"], public["timeout"], public["refresh-on"]) == (
        "",
        "lazy",
        500,
        None,
    )
