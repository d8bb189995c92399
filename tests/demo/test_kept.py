"""The demo's private fragments kept across page views, and never stale or someone else's.

Real gunicorn, real Chromium. What the browser asked for is read from Playwright's request
events: fragment requests (``/_composekit/<name>/``) and batches (``/_composekit/_batch/``).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.demo.conftest import Demo
from tests.demo.test_demo import log_in, product_path, wait_for_all_fragments

pytestmark = pytest.mark.browser


def asked(requests: list[Request]) -> list[str]:
    """The fragments the page asked the server for, by name, batches opened."""
    names = []
    for request in requests:
        url = urlsplit(request.url)
        if url.path == "/_composekit/_batch/":
            names += [part.split(":", 1)[0] for part in parse_qs(url.query)["f"]]
        elif url.path.startswith("/_composekit/"):
            names.append(url.path.split("/")[2])
    return sorted(names)


def watch(page: Page) -> list[Request]:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    return requests


def test_the_next_page_shows_kept_fragments_without_asking(page: Page, demo: Demo) -> None:
    log_in(page, demo.url, "carol")
    wait_for_all_fragments(page)
    requests = watch(page)
    page.goto(f"{demo.url}/c/audio/")
    wait_for_all_fragments(page)
    expect(page.locator(".user-name")).to_have_text("Carol")
    page.goto(demo.url + product_path(demo.url))
    wait_for_all_fragments(page)
    # The user menu, the cart summary and the picks (one URL on every page) were kept; stock
    # and price are public (their own GET, which shared caches answer).
    assert asked(requests) == ["stock-price"]


def test_the_picks_are_one_fragment_for_every_page(page: Page, demo: Demo) -> None:
    """ "Picked for you" has the same URL on every page: asked once, shown on the next product
    page without a request, the product that page shows left out and the spare shown."""
    log_in(page, demo.url, "carol")
    page.goto(f"{demo.url}/")
    wait_for_all_fragments(page)
    cards = page.locator(".recommendations .card")
    skus = cards.evaluate_all("cards => cards.map((c) => c.dataset.sku)")
    assert len(skus) == 6, skus  # five shown and a spare
    expect(page.locator(".recommendations .card[hidden]")).to_have_count(1)
    requests = watch(page)
    page.goto(demo.url + cards.first.locator("a").get_attribute("href"))  # type: ignore[operator]
    wait_for_all_fragments(page)
    assert asked(requests) == ["stock-price"]
    shown = page.locator(".recommendations .card:not([hidden])").evaluate_all(
        "cards => cards.map((c) => c.dataset.sku)"
    )
    assert shown == skus[1:]


def test_after_adding_to_the_cart_the_next_page_shows_the_new_cart(page: Page, demo: Demo) -> None:
    log_in(page, demo.url, "carol")
    page.goto(demo.url + product_path(demo.url))
    wait_for_all_fragments(page)
    count = page.locator("[data-cart-count]")
    before = int(count.inner_text())
    with page.expect_response(lambda response: "/cart/add/" in response.url):
        page.get_by_role("button", name="Add to cart").click()
    expect(count).to_have_text(str(before + 1))
    expect(page.locator("ck-fragment[name=recommended]")).to_have_attribute("state", "loaded")
    requests = watch(page)
    page.goto(f"{demo.url}/c/audio/")
    expect(page.locator("[data-cart-count]")).to_have_text(str(before + 1))
    wait_for_all_fragments(page)
    # The summary (and the picks, when the add brought a new line) came re-rendered in the
    # add's answer and were kept: the catalog page asks for nothing.
    assert asked(requests) == []
    page.goto(f"{demo.url}/cart/")
    wait_for_all_fragments(page)
    expect(page.locator(".cart-line")).not_to_have_count(0)
    assert "cart-page" in asked(requests)


def test_a_write_elsewhere_makes_the_next_page_ask_again(page: Page, demo: Demo) -> None:
    """A cart change made by a form post (no reload through the loader) is seen next page."""
    log_in(page, demo.url, "bob")
    page.goto(f"{demo.url}/cart/")
    wait_for_all_fragments(page)
    count = int(page.locator("[data-cart-count]").inner_text())
    # An ordinary post from this browser (cookies and all), as a form without JS would send.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    sku = page.locator(".qty-form input[name=sku]").first.get_attribute("value")
    # One more or one fewer of the first line, never removing it: other tests need bob's lines.
    quantity = int(page.locator(".qty-value").first.inner_text())
    quantity = quantity + 1 if quantity == 1 else quantity - 1
    response = page.request.post(
        f"{demo.url}/cart/update/",
        form={"csrfmiddlewaretoken": token, "sku": sku or "", "quantity": str(quantity)},
        headers={"Referer": f"{demo.url}/cart/"},
        max_redirects=0,
    )
    assert response.status == 302
    requests = watch(page)
    page.goto(f"{demo.url}/c/audio/")
    wait_for_all_fragments(page)
    assert int(page.locator("[data-cart-count]").inner_text()) != count
    # The user menu stayed kept, and so did the picks: the cart's products are the same.
    assert asked(requests) == ["cart-summary"]


def test_logging_in_as_someone_else_in_the_same_browser_shows_nothing_of_the_first(
    page: Page, demo: Demo
) -> None:
    log_in(page, demo.url, "alice")
    page.goto(f"{demo.url}/cart/")
    wait_for_all_fragments(page)
    alice_lines = set(page.locator(".cart-line-name").all_inner_texts())
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{demo.url}/")
    log_in(page, demo.url, "bob")
    page.goto(f"{demo.url}/cart/")
    wait_for_all_fragments(page)
    expect(page.locator(".user-name")).to_have_text("Bob")
    bob_lines = set(page.locator(".cart-line-name").all_inner_texts())
    assert alice_lines - bob_lines, "alice's cart should have lines bob's has not"
    cart = page.locator('ck-fragment[name="cart-page"]').inner_text()
    assert not [line for line in alice_lines - bob_lines if line in cart]
    # Nothing kept for alice is left in this tab.
    kept = page.evaluate(
        "Object.keys(sessionStorage).filter((k) => k.startsWith('composekit:fragment:'))"
        ".map((k) => sessionStorage.getItem(k)).join('\\n')"
    )
    if "Alice" in kept or [line for line in alice_lines - bob_lines if line in kept]:
        # Everything there is to know about how it got there, for the failure report.
        storage = page.evaluate("JSON.stringify(Object.entries(sessionStorage))")
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        pytest.fail(f"alice's fragments are still kept: {storage}; cookies: {cookies}")
