"""Error content and the attribute form (``as="tr"``), in Chromium, in both modes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Loader
from tests.loader import views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A table, a list and a select, each with a fragment between static neighbours.
PLACED = """
<table id="t"><tbody>
  <tr><td>first</td></tr>
  {% fragment "cells" who="row" as="tr" %}<td>…</td>{% endfragment %}
  <tr><td>last</td></tr>
</tbody></table>
<ul id="l"><li>first</li>{% fragment "label" text="item" as="li" %}…{% endfragment %}<li>last</li></ul>
<select id="s"><option>first</option>{% fragment "label" text="choice" as="option" %}…{% endfragment %}<option>last</option></select>
"""

POSITIONS = """() => ({
  rows: [...document.querySelectorAll('#t > tbody > tr')].map((r) => r.textContent.trim()),
  items: [...document.querySelectorAll('#l > li')].map((li) => li.textContent),
  options: [...document.querySelectorAll('#s > option')].map((o) => o.textContent),
  strays: document.querySelectorAll('body > [data-ck-src]').length,
})"""

EXPECTED = {
    "rows": ["first", "rowcell", "last"],
    "items": ["first", "item (live)", "last"],
    "options": ["first", "choice (live)", "last"],
    "strays": 0,
}


@pytest.fixture
def no_js(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def open_without_js(page: Page, loader: Loader, body: str) -> Page:
    name = f"nojs{len(views.pages)}"
    views.pages[name] = body
    page.goto(f"{loader.url}/loader/page/{name}/")
    return page


def test_a_ck_fragment_in_a_table_is_moved_out_by_the_parser(loader: Loader) -> None:
    """Why the attribute form exists: the parser puts an unknown element before the table."""
    page = loader.open(
        '<table id="t"><tbody><tr><td>a</td></tr><ck-fragment id="f"></ck-fragment></tbody></table>'
    )
    assert page.evaluate("document.getElementById('f').nextElementSibling.id") == "t"


def test_attribute_form_in_client_mode_fills_the_elements_in_place(loader: Loader) -> None:
    page = loader.open(PLACED)
    expect(page.locator("[data-ck-state=loaded]")).to_have_count(3)
    assert page.evaluate(POSITIONS) == EXPECTED
    row = page.locator("#t tr[data-ck-name=cells]")
    assert row.evaluate("(r) => [...r.children].map((c) => c.localName)") == ["td", "td"]
    assert row.get_attribute("aria-busy") is None


@override_settings(COMPOSEKIT_MODE="inline")
def test_attribute_form_in_inline_mode_is_in_place_without_js(loader: Loader, no_js: Page) -> None:
    page = open_without_js(no_js, loader, PLACED)
    assert page.evaluate(POSITIONS) == EXPECTED
    assert page.locator("[data-ck-state=loaded]").count() == 3


@override_settings(COMPOSEKIT_MODE="inline")
def test_attribute_form_rendered_inline_is_not_fetched_again(loader: Loader) -> None:
    page = loader.open(PLACED)
    page.wait_for_load_state("load")
    assert page.evaluate(POSITIONS) == EXPECTED
    assert [e for e in loader.events() if e[1] == "loadstart"] == []


def test_attribute_form_reloads_by_name_and_fires_events(loader: Loader) -> None:
    page = loader.open(
        '<ul><li data-ck-name="n" data-ck-src="/loader/f/status/?code=500&fail=1&text=again" id="a">…</li></ul>'
    )
    expect(page.locator("#a")).to_have_attribute("data-ck-state", "error")
    page.evaluate("composekit.reload('n')")
    expect(page.locator("#a")).to_have_text("again after 2")
    assert [e[1] for e in loader.events()] == [
        "loadstart",
        "error",
        "loadend",
        "loadstart",
        "beforeswap",
        "load",
        "loadend",
    ]


def test_attribute_form_added_later_or_given_a_src_loads(loader: Loader) -> None:
    page = loader.open('<table><tbody id="b"><tr id="plain"><td>plain</td></tr></tbody></table>')
    page.evaluate(
        """document.getElementById('b').insertAdjacentHTML('beforeend',
          '<tr id="added" data-ck-src="/loader/f/ok/?text=added"></tr>')"""
    )
    expect(page.locator("#added")).to_have_attribute("data-ck-state", "loaded")
    assert page.evaluate("document.getElementById('added').parentElement.id") == "b"
    expect(page.locator("#added")).to_contain_text("added")
    page.evaluate("document.getElementById('plain').setAttribute('data-ck-src', '/loader/f/ok/?text=now')")
    expect(page.locator("#plain")).to_have_attribute("data-ck-state", "loaded")
    page.evaluate(
        "document.getElementById('plain').setAttribute('data-ck-src', '/loader/f/ok/?text=changed')"
    )
    expect(page.locator("#plain")).to_contain_text("changed")


def test_removed_attribute_form_stops_loading(loader: Loader) -> None:
    page = loader.open('<ul id="l"><li id="a" data-ck-src="/loader/f/slow/?ms=1500">…</li></ul>')
    expect(page.locator("#a")).to_have_attribute("data-ck-state", "loading")
    page.evaluate("document.getElementById('a').remove()")
    page.wait_for_timeout(2000)  # negative: past the 1.5 s answer, which must not be swapped in
    assert [e[1] for e in loader.events()] == ["loadstart"]  # abandoned: nothing after it


# -- error content -----------------------------------------------------------------------

FAILING = '{% fragment "boom" %}<i>loading</i>{% error %}<b>failed</b> <a href="" data-ck-retry>retry</a>{% endfragment %}'


def test_error_content_replaces_the_fallback_and_retry_loads_again(loader: Loader) -> None:
    page = loader.open(
        '<ck-fragment id="a" src="/loader/f/status/?code=500&fail=1&text=back"><i>loading</i>'
        '<template data-ck-error><b>failed</b> <a href="" data-ck-retry>retry</a></template></ck-fragment>'
    )
    expect(page.locator("#a")).to_have_attribute("state", "error")
    expect(page.locator("#a b")).to_have_text("failed")
    assert page.locator("#a i").count() == 0
    page.evaluate("window.ckMarker = 'same page'")
    page.get_by_role("link", name="retry").click()
    expect(page.locator("#a")).to_have_text("back after 2")
    assert page.evaluate("window.ckMarker") == "same page"  # the retry was not a page load


def test_error_content_is_shown_again_when_a_retry_fails_and_the_fallback_on_renew(loader: Loader) -> None:
    page = loader.open(
        '<ck-fragment id="a" src="/loader/f/status/?code=404"><i>loading</i>'
        "<template data-ck-error><b>gone</b></template></ck-fragment>"
    )
    expect(page.locator("#a b")).to_have_text("gone")
    page.evaluate("document.getElementById('a').reload()")
    page.wait_for_function("ckEvents.filter((e) => e[1] === 'error').length === 2")
    assert page.inner_html("#a") == '<b>gone</b><template data-ck-error=""><b>gone</b></template>'


def test_without_error_content_the_fallback_stays(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/status/?code=404"><i>fallback</i></ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error")
    assert page.inner_html("#a") == "<i>fallback</i>"


def test_error_content_is_the_same_in_client_and_inline_mode(loader: Loader) -> None:
    client = loader.open(FAILING)
    expect(client.locator("ck-fragment")).to_have_attribute("state", "error")
    client_html = client.eval_on_selector("ck-fragment", "(el) => el.outerHTML")
    with override_settings(COMPOSEKIT_MODE="inline"):
        inline = loader.open(FAILING)
        inline.wait_for_load_state("load")
        inline_html = inline.eval_on_selector("ck-fragment", "(el) => el.outerHTML")
    assert client_html == inline_html
    assert 'state="error"><b>failed</b> <a href="" data-ck-retry="">retry</a><template' in inline_html


@override_settings(COMPOSEKIT_MODE="inline")
def test_an_inline_failure_is_not_fetched_again_and_retries_on_click(loader: Loader) -> None:
    page = loader.open(FAILING)
    page.wait_for_load_state("load")
    assert [e[1] for e in loader.events()] == []
    page.get_by_role("link", name="retry").click()
    page.wait_for_function("ckEvents.length >= 3")
    assert [e[1] for e in loader.events()] == ["loadstart", "error", "loadend"]  # boom fails again


def test_without_js_client_mode_shows_the_fallback_and_inline_mode_the_error(
    loader: Loader, no_js: Page
) -> None:
    page = open_without_js(no_js, loader, FAILING)
    expect(page.locator("ck-fragment i")).to_have_text("loading")
    expect(page.locator("ck-fragment b")).to_have_count(0)  # inert in its <template>
    with override_settings(COMPOSEKIT_MODE="inline"):
        page = open_without_js(no_js, loader, FAILING)
    expect(page.locator("ck-fragment b")).to_have_text("failed")
    expect(page.locator("ck-fragment i")).to_have_count(0)
