"""The demo's add to cart through the loader: one request, its answer carrying the cart.

Counted where it happens: gunicorn's access log, one line per request Django answered.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from demo.launch import copy_prepared, demo_env, demo_server
from harness.servers import Server
from tests.demo.test_demo import LOGINS, log_in, product_path, wait_for_all_fragments

pytestmark = pytest.mark.browser

POLLED = "/_composekit/stock-price/"
_LINE = re.compile(r'"(GET|POST|HEAD) ([^ ]+) HTTP/[0-9.]+" (\d{3})')


class Requests:
    """The requests gunicorn logged (method, path, status), from a mark on."""

    def __init__(self, server: Server) -> None:
        self.log = server.folder / "access.log"
        self.start = 0

    def _all(self) -> list[tuple[str, str, int]]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        found = [_LINE.search(line) for line in lines]
        return [(m.group(1), m.group(2), int(m.group(3))) for m in found if m]

    def mark(self) -> None:
        self.start = len(self._all())

    def since(self, until: str) -> list[tuple[str, str, int]]:
        """The requests since the mark, once one whose path starts with ``until`` is logged
        (gunicorn writes a line after answering), and a moment for any that follow it; less
        the product page's polls of its price and stock (public, on a clock of their own)."""
        deadline = time.monotonic() + 10
        while not any(path.startswith(until) for _, path, _ in self._all()[self.start :]):
            assert time.monotonic() < deadline, f"no request for {until} logged"
            time.sleep(0.05)
        time.sleep(0.5)  # a refresh the answer's events would cause starts after it: let it be logged
        return [line for line in self._all()[self.start :] if not line[1].startswith(POLLED)]


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory, prepared_demo: Path) -> Iterator[Server]:
    """The demo in client mode on a database of its own, logging every request."""
    base = tmp_path_factory.mktemp("demo-answers")
    copy_prepared(prepared_demo, base / "client")
    with demo_server(demo_env(base / "client", COMPOSEKIT_MODE="client"), base, access_log=True) as server:
        yield server


def add_to_cart(page: Page) -> dict[str, object]:
    """Click the buy box's button; the answer's status, triggers and parts."""
    with page.expect_response(lambda response: "/cart/add/" in response.url) as info:
        page.get_by_role("button", name="Add to cart").click()
    answer = info.value
    body = answer.body() if answer.status == 200 else b"[]"
    return {
        "status": answer.status,
        "trigger": answer.headers.get("ck-trigger"),
        "asked": answer.request.headers.get("ck-fragments", ""),
        "parts": json.loads(body),
    }


def test_add_to_cart_is_one_request_whose_answer_carries_the_cart(
    context: BrowserContext, counted: Server
) -> None:
    url = counted.url
    page = context.new_page()
    log_in(page, url, "carol")
    page.goto(url + product_path(url))
    wait_for_all_fragments(page)  # the picks too (lazy, below the fold)
    count = page.locator("[data-cart-count]")
    before = int(count.inner_text())
    requests = Requests(counted)

    # A first add brings a new line: the cart and the picks (which follow the cart's products) moved.
    requests.mark()
    first = add_to_cart(page)
    expect(count).to_have_text(str(before + 1))
    assert [(m, p.split("?")[0]) for m, p, _ in requests.since("/cart/add/")] == [("POST", "/cart/add/")]
    assert first["status"] == 200
    assert first["trigger"] == "cart:changed, cart:products-changed"
    entries = str(first["asked"]).split()
    names = [entry.split(":", 1)[0] for entry in entries]
    assert sorted(names) == ["cart-summary", "recommended", "user-menu"]  # stock-price is public
    parts = first["parts"]
    assert isinstance(parts, list)
    assert sorted(names[part["i"]] for part in parts) == ["cart-summary", "recommended"]
    assert all(part["status"] == 200 for part in parts)

    # One more of the same: the cart moved, the picks did not; they are neither re-rendered in
    # the answer nor fetched after it, and their content stays the very same nodes.
    picks = page.locator('ck-fragment[name="recommended"]')
    picks.evaluate("el => el.firstElementChild.dataset.untouched = 'yes'")
    requests.mark()
    again = add_to_cart(page)
    expect(count).to_have_text(str(before + 2))
    assert [(m, p.split("?")[0]) for m, p, _ in requests.since("/cart/add/")] == [("POST", "/cart/add/")]
    assert again["trigger"] == "cart:changed"
    answered = cast(list[dict[str, Any]], again["parts"])
    [cart] = answered
    assert names[cart["i"]] == "cart-summary"
    assert picks.evaluate("el => el.firstElementChild.dataset.untouched") == "yes"

    # Another tab of the shopper follows, as it always did (its own refresh).
    other_tab = context.new_page()
    other_tab.goto(f"{url}/c/audio/")
    wait_for_all_fragments(other_tab)
    expect(other_tab.locator("[data-cart-count]")).to_have_text(str(before + 2))
    add_to_cart(page)
    expect(count).to_have_text(str(before + 3))
    expect(other_tab.locator("[data-cart-count]")).to_have_text(str(before + 3))
    other_tab.close()

    # What the tab kept is the new cart: the next page shows it without asking.
    requests.mark()
    page.goto(f"{url}/c/audio/?sort=price")  # a shell this browser has not cached yet: logged
    wait_for_all_fragments(page)
    expect(page.locator("[data-cart-count]")).to_have_text(str(before + 3))
    assert [p for _, p, _ in requests.since("/c/audio/") if p.startswith("/_composekit/")] == []


def test_without_javascript_the_buy_box_is_a_plain_form_post(browser: Browser, counted: Server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{counted.url}/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(LOGINS["bob"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{counted.url}/")
    page.goto(counted.url + product_path(counted.url))
    requests = Requests(counted)
    requests.mark()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/plain/\?added="))
    expect(page.get_by_text("to your cart", exact=False).first).to_be_visible()
    post = [(m, p, s) for m, p, s in requests.since("/cart/plain/") if m == "POST"]
    assert post == [("POST", "/cart/add/", 302)]
    context.close()
