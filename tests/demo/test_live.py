"""The demo's live fragments: add to cart with no page JS, polled stock, carts in step across tabs."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import BrowserContext, Page, Response, expect

from tests.demo.conftest import Demo
from tests.demo.test_demo import log_in, product_path, wait_for_all_fragments

pytestmark = pytest.mark.browser


def test_add_to_cart_is_a_form_the_loader_sends_and_the_server_answers_with_a_trigger(
    page: Page, demo: Demo
) -> None:
    log_in(page, demo.url, "carol")
    page.goto(demo.url + product_path(demo.url))
    wait_for_all_fragments(page)
    count = page.locator("[data-cart-count]")
    before = int(count.inner_text())
    answers: list[Response] = []
    page.on("response", lambda response: answers.append(response) if "/cart/add/" in response.url else None)
    page.get_by_role("button", name="Add to cart").click()
    expect(count).to_have_text(str(before + 1))
    [answer] = answers
    # The answer carries the cart's fragments, re-rendered (tests/demo/test_answers.py), and
    # names the events: "cart:products-changed" too when the add brought a new line.
    assert answer.status == 200
    assert re.fullmatch(r"cart:changed(, cart:products-changed)?", answer.headers["ck-trigger"])
    assert answer.request.headers["ck-request"] == "form"
    assert page.locator('ck-fragment[name="cart-summary"]').get_attribute("refresh-on") == "cart:changed"


def test_stock_and_price_are_polled_with_no_dom_work_while_unchanged(page: Page, demo: Demo) -> None:
    page.goto(demo.url + product_path(demo.url))
    stock = page.locator('ck-fragment[name="stock-price"]')
    expect(stock).to_have_attribute("state", "loaded")
    assert stock.get_attribute("refresh-every") == "10s"
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if "/_composekit/stock-price/" in r.url else None)
    page.evaluate(
        "window.ckMutations = 0; new MutationObserver((r) => { ckMutations += r.length; })"
        ".observe(document.querySelector('ck-fragment[name=\"stock-price\"]'),"
        " { subtree: true, childList: true, attributes: true, characterData: true });"
    )
    deadline = time.monotonic() + 15
    while not polls:
        assert time.monotonic() < deadline, "no poll within 15 s"
        page.wait_for_timeout(200)
    # Negative wait: the answer to that poll, were it swapped in, would change the DOM within
    # a few ms of arriving; 300 ms leaves room for a busy machine.
    page.wait_for_timeout(300)
    assert polls[0] in (200, 304)  # revalidated: a 304, or the browser's cached 200 after one
    assert page.evaluate("ckMutations") == 0


def test_a_cart_changed_in_one_tab_shows_in_the_other(context: BrowserContext, demo: Demo) -> None:
    tab_a = context.new_page()
    log_in(tab_a, demo.url, "carol")
    tab_b = context.new_page()
    tab_b.goto(f"{demo.url}/c/audio/")
    wait_for_all_fragments(tab_b)
    count_b = tab_b.locator("[data-cart-count]")
    before = int(count_b.inner_text())
    tab_a.goto(demo.url + product_path(demo.url))
    wait_for_all_fragments(tab_a)
    tab_a.get_by_role("button", name="Add to cart").click()
    expect(tab_a.locator("[data-cart-count]")).to_have_text(str(before + 1))
    expect(count_b).to_have_text(str(before + 1))  # no reload of tab B
