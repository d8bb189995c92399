"""composekit beside htmx (the real htmx.org from npm), in Chromium: what docs/interop.md says.

htmx's file is served by the test from node_modules (``npm ci``, run by ``make test``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, Route, expect

from harness.servers import ROOT
from tests.browser.conftest import Loader

pytestmark = pytest.mark.browser

HTMX = ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"
SCRIPT = '<script src="/vendor/htmx.min.js"></script>'
COUNTER = "/loader/f/counter/?text="


def open_with_htmx(loader: Loader, body: str, query: str = "") -> Page:
    assert HTMX.is_file(), f"{HTMX} is missing: run npm ci (make test does)"

    def serve(route: Route) -> None:
        route.fulfill(path=HTMX, content_type="text/javascript")

    loader.page.route("**/vendor/htmx.min.js", serve)
    page = loader.open(SCRIPT + body, query)
    page.wait_for_function("window.htmx !== undefined")
    return page


def test_a_ck_fragment_that_htmx_swaps_in_loads(loader: Loader) -> None:
    child = quote("/loader/f/ok/?text=inserted", safe="/")
    page = open_with_htmx(
        loader,
        f'<button id="go" hx-get="/loader/f/nest/?text=swapped&child={child}" hx-target="#slot" '
        'hx-swap="innerHTML">more</button><div id="slot"></div>',
    )
    assert page.locator("ck-fragment").count() == 0
    page.click("#go")
    fragment = page.locator("#slot ck-fragment")
    expect(fragment).to_have_attribute("state", "loaded")
    expect(page.locator("#slot")).to_have_text("swappedinserted")
    assert loader.hits("/loader/f/ok/?text=inserted") == 1


def test_an_htmx_answers_hx_trigger_refreshes_fragments_that_listen(loader: Loader) -> None:
    # The button is replaced by the answer (outerHTML): htmx then dispatches the event on
    # document, where composekit-live listens, as it does for events that bubble up to it.
    page = open_with_htmx(
        loader,
        f'<ck-fragment id="cart" refresh-on="cart:changed" src="{COUNTER}cart">f</ck-fragment>'
        '<button id="add" hx-get="/loader/f/hx/?text=added&event=cart:changed" hx-swap="outerHTML">'
        "add</button>",
        "?live",
    )
    expect(page.locator("#cart")).to_have_text("cart 1")
    page.click("#add")
    expect(page.locator("body")).to_contain_text("added 1")
    expect(page.locator("#cart")).to_have_text("cart 2")


def test_a_fragments_ck_trigger_reaches_htmx_elements(loader: Loader) -> None:
    page = open_with_htmx(
        loader,
        '<div id="htmx" hx-get="/loader/f/counter/?text=htmx" hx-trigger="cart:changed from:document">'
        "waiting</div>"
        '<ck-fragment id="t" src="/loader/f/trigger/?text=t&event=cart:changed">f</ck-fragment>',
        "?live",
    )
    expect(page.locator("#t")).to_have_attribute("state", "loaded")
    expect(page.locator("#htmx")).to_have_text("htmx 1")


def recipe(marker: str) -> str:
    """The ``<script>`` block of docs/interop.md that starts with ``marker``, as it is."""
    text = (ROOT / "docs" / "interop.md").read_text()
    [block] = [
        b for b in re.findall(r"```html\n(.*?)```", text, re.S) if b.startswith(f"<script>\n  {marker}")
    ]
    return str(block)


def test_htmx_attributes_in_a_fragment_work_with_the_documented_recipe(loader: Loader) -> None:
    button = quote(
        '<button id="inner" hx-get="/loader/f/counter/?text=inner" hx-swap="outerHTML">go</button>'
    )
    body = f'<ck-fragment id="f" src="/loader/f/ok/?text={button}">f</ck-fragment>'
    # htmx 4 watches no DOM changes but its own swaps: the recipe has it process fragments.
    page = open_with_htmx(loader, recipe("// htmx") + body)
    expect(page.locator("#f")).to_have_attribute("state", "loaded")
    page.click("#inner")
    expect(page.locator("#f")).to_have_text("inner 1")
