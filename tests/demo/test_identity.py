"""The demo never shows a past shopper: Back after logging out, and a tab left open.

Real gunicorn, real Chromium with the back/forward cache on (Playwright turns it off by
default); each restore is checked to be one (``pageshow.persisted``).
"""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.demo.conftest import Demo
from tests.demo.test_demo import log_in, product_path, wait_for_all_fragments

pytestmark = pytest.mark.browser

# Before any page script: from the first pageshow that is a restore, what every fragment
# shows (name -> text) at the event and at each of the next 30 frames; and the same from
# each storage event (another tab wrote to the origin's storage, e.g. to say the identity
# changed), after the loader's own listener (registered in <head>) has run. Each snapshot
# says when it was taken (Date.now(): one clock for every page of the machine), so a test
# judges only those taken after its logout: a document keeps its snapshots through the
# back/forward cache, and one recorded while the shopper was still logged in shows her, as
# it should. (A storage event can reach a page while it loads: the page just left, whose
# fragments were still loading, writes what they bring until it is frozen.)
WATCH = """
window.ckShows = [];
window.ckSeen = [];
window.ckTold = 0;
window.ckLook = () => ckSeen.push(JSON.stringify({
  at: Date.now(),
  shown: Object.fromEntries(
    [...document.querySelectorAll('ck-fragment')].map((f) => [f.getAttribute('name'), f.textContent])),
}));
window.ckSince = (at) => ckSeen.filter((s) => JSON.parse(s).at >= at).length;
window.ckLookFor30Frames = () => {
  let frames = 0;
  const next = () => { ckLook(); if (++frames < 30) requestAnimationFrame(next); };
  next();
};
addEventListener('pageshow', (event) => {
  ckShows.push(event.persisted);
  if (event.persisted) ckLookFor30Frames();
});
document.addEventListener('DOMContentLoaded', () => addEventListener('storage', () => {
  ckTold++;
  ckLookFor30Frames();
}));
"""


def wait_until(page: Page, condition: str, timeout: float = 10.0) -> None:
    """Poll ``condition`` in the page (the demo's CSP forbids the eval behind wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"still false after {timeout:g} s: {condition}"
        time.sleep(0.05)


def seen(page: Page) -> list[tuple[int, dict[str, str]]]:
    """Each snapshot: when it was taken (ms since the epoch) and what the fragments showed."""
    return [(snapshot["at"], snapshot["shown"]) for snapshot in map(json.loads, page.evaluate("ckSeen"))]


def now(page: Page) -> int:
    """The time in ``page`` (ms since the epoch), on the clock the snapshots are taken with."""
    return int(page.evaluate("Date.now()"))


def test_back_after_logout_shows_none_of_the_previous_shoppers_data(
    bfcache_context: BrowserContext, demo: Demo
) -> None:
    page = bfcache_context.new_page()
    page.add_init_script(WATCH)
    log_in(page, demo.url, "alice")
    page.goto(f"{demo.url}/cart/")
    wait_for_all_fragments(page)
    lines = page.locator(".cart-line-name").all_inner_texts()
    total = page.locator(".cart-total").inner_text()
    # Another tab writes to the origin's storage while Alice shops: the cart page records
    # what it shows, hers, and keeps that through the back/forward cache. A page left while
    # its fragments load can do the same (log_in()'s did, under load); here it happens on
    # every run, and those snapshots, from before the logout, must not be judged as after it.
    other_tab = bfcache_context.new_page()
    other_tab.goto(f"{demo.url}/robots.txt")
    other_tab.evaluate("localStorage.setItem('test:another-tab', String(Date.now()))")
    other_tab.close()
    wait_until(page, "ckSeen.length >= 30")
    page.goto(demo.url + product_path(demo.url))
    wait_for_all_fragments(page)
    reason = page.locator(".rec-reason").inner_text()
    expect(page.locator(".user-name")).to_have_text("Alice")
    assert lines and total.startswith("$") and reason == "Because of what's in your cart"

    logged_out_at = now(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{demo.url}/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    for back_to in ("product", "cart"):
        page.go_back(wait_until="commit")  # a restore fires no load event
        wait_until(page, f"ckShows.length >= 2 && ckSince({logged_out_at}) >= 30")
        assert page.evaluate("ckShows") == [False, True], f"the {back_to} page was not restored"
        wait_for_all_fragments(page)
        expect(page.locator(".login-link")).to_be_visible()
        page.evaluate("ckLook()")
        if back_to == "cart":  # the watch sees Alice where she was shown: before the logout
            assert any("Alice" in shown["user-menu"] for at, shown in seen(page) if at < logged_out_at)
        snapshots = [shown for at, shown in seen(page) if at >= logged_out_at]
        assert len(snapshots) > 30
        for shown in snapshots:
            assert "Alice" not in shown["user-menu"], shown
            assert total not in shown["cart-summary"], shown
            assert reason not in shown.get("recommended", ""), shown
            assert not [line for line in lines if line in shown.get("cart-page", "")], shown
        if back_to == "cart":
            assert "Log in to see your cart." in snapshots[-1]["cart-page"]


def test_a_tab_left_open_follows_a_logout_and_login_in_another(context: BrowserContext, demo: Demo) -> None:
    tab_a = context.new_page()
    tab_a.add_init_script(WATCH)
    log_in(tab_a, demo.url, "alice")
    tab_a.goto(f"{demo.url}/cart/")
    wait_for_all_fragments(tab_a)
    expect(tab_a.locator(".user-name")).to_have_text("Alice")
    lines = tab_a.locator(".cart-line-name").all_inner_texts()
    assert lines

    tab_b = context.new_page()
    tab_b.goto(f"{demo.url}/")
    wait_for_all_fragments(tab_b)  # what its loads write to the storage, tab A hears of before the logout
    logged_out_at = now(tab_b)
    tab_b.get_by_role("button", name="Log out").click()
    tab_b.wait_for_url(f"{demo.url}/")
    log_in(tab_b, demo.url, "bob")
    expect(tab_b.locator(".user-name")).to_have_text("Bob")
    tab_b.goto(f"{demo.url}/cart/")
    wait_for_all_fragments(tab_b)
    alices_own = set(lines) - set(tab_b.locator(".cart-line-name").all_inner_texts())
    assert alices_own

    expect(tab_a.locator(".user-name")).to_have_text("Bob")
    expect(tab_a.locator(".cart-line")).not_to_have_count(0)
    wait_for_all_fragments(tab_a)
    tab_a.evaluate("ckLook()")
    assert tab_a.evaluate("ckTold") >= 1  # it was told, not reloaded
    assert tab_a.evaluate("ckShows") == [False]
    for shown in [shown for at, shown in seen(tab_a) if at >= logged_out_at]:
        assert "Alice" not in shown["user-menu"], shown
        assert not [line for line in alices_own if line in shown["cart-page"]], shown
