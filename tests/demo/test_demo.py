"""The demo shop, end to end: real gunicorn, real Chromium."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Page, expect

from composekit.streaming import SCRIPT_CSP
from tests.demo.conftest import Demo

pytestmark = pytest.mark.browser

LOGINS = {"alice": "alice-demo", "bob": "bob-demo", "carol": "carol-demo"}


# -- helpers -------------------------------------------------------------------------


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(LOGINS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def session_for(base_url: str, username: str | None) -> requests.Session:
    """A requests session, logged in through the login form unless ``username`` is None."""
    session = requests.Session()
    if username is not None:
        form = session.get(f"{base_url}/login/", timeout=10)
        token = _input_value(form.text, "csrfmiddlewaretoken")
        response = session.post(
            f"{base_url}/login/",
            data={"username": username, "password": LOGINS[username], "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text
    return session


def _input_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no input {name!r} in {html}"
    return unescape(match.group(1))


def fragment_src(html: str, name: str) -> str:
    match = re.search(rf'<ck-fragment name="{name}" src="([^"]+)"', html)
    assert match, f"no {name} placeholder in the page"
    return unescape(match.group(1))


def product_path(base_url: str) -> str:
    """The first in-stock product of the catalog's first page."""
    html = requests.get(f"{base_url}/?sort=rating", timeout=10).text
    for card in re.findall(r'<li class="card"[^>]*>(.*?)</li>', html, re.S):
        if "Sold out" not in card:
            return re.search(r'href="(/p/[^"]+)"', card).group(1)  # type: ignore[union-attr]
    raise AssertionError("no product in stock on the first page")


def wait_for_all_fragments(page: Page) -> None:
    """Bring lazy fragments into view, then wait until every fragment has loaded."""
    for fragment in page.locator("ck-fragment").all():
        fragment.scroll_into_view_if_needed()
        expect(fragment).to_have_attribute("state", "loaded")


# -- the user menu and logging in ------------------------------------------------------------


def test_anonymous_visitor_sees_the_login_link_that_comes_back(page: Page, demo: Demo) -> None:
    path = product_path(demo.url)
    page.goto(demo.url + path)
    expect(page.locator('ck-fragment[name="user-menu"]')).to_have_attribute("state", "loaded")
    link = page.get_by_role("link", name="Log in")
    expect(link).to_be_visible()
    # The user menu is one URL on every page; the way back is added when the link is used.
    expect(link).to_have_attribute("href", "/login/")
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    link.click()
    page.wait_for_url(f"{demo.url}/login/?next={quote(path, safe='')}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(LOGINS["alice"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(demo.url + path)


def test_after_login_the_menu_shows_the_name_and_logout_works(page: Page, demo: Demo) -> None:
    log_in(page, demo.url, "alice")
    expect(page.locator(".user-name")).to_have_text("Alice")
    expect(page.locator("[data-cart-count]")).to_have_text("2")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{demo.url}/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator(".user-name")).to_have_count(0)


# -- the cart --------------------------------------------------------------------------------


def test_add_to_cart_updates_the_summary_without_a_reload(page: Page, demo: Demo) -> None:
    log_in(page, demo.url, "carol")
    page.goto(demo.url + product_path(demo.url))
    count = page.locator("[data-cart-count]")
    expect(count).to_have_text(re.compile(r"^\d+$"))
    before = int(count.inner_text())  # other tests may have added to carol's cart already
    button = page.get_by_role("button", name="Add to cart")
    expect(button).to_be_visible()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.ckMarker = 'still here'")

    button.click()

    expect(count).to_have_text(str(before + 1))
    assert page.evaluate("window.ckMarker") == "still here"
    assert navigations == []

    page.get_by_role("button", name="Add to cart").click()
    expect(count).to_have_text(str(before + 2))
    assert navigations == []


def test_the_shell_form_posts_without_a_token_from_this_site_only(demo: Demo) -> None:
    """The buy box is in the shell, with no token: without JS it posts as it is, and the
    view trusts the browser's Origin (or Referer) instead of a token."""
    bob = session_for(demo.url, "bob")
    path = product_path(demo.url)
    page = bob.get(demo.url + path, timeout=10).text
    form = re.search(r'<form class="add-form".*?</form>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "csrfmiddlewaretoken" not in form  # the shell holds no token
    summary_src = demo.url + fragment_src(page, "cart-summary")
    before = int(re.search(r"data-cart-count>(\d+)<", bob.get(summary_src, timeout=10).text).group(1))  # type: ignore[union-attr]
    fields = {"sku": _input_value(form, "sku"), "next": _input_value(form, "next"), "quantity": "1"}

    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/p/x/"}, {}):
        refused = bob.post(f"{demo.url}/cart/add/", data=fields, headers=headers, timeout=10)
        assert refused.status_code == 403, headers  # another site, or no word of where from
        assert "Please try again" in refused.text, headers  # the shop's own page, with the form again

    for headers in ({"Origin": demo.url}, {"Referer": demo.url + path}):
        response = bob.post(
            f"{demo.url}/cart/add/", data=fields, headers=headers, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, headers
        assert response.headers["Location"].startswith("/cart/plain/?added=")
        assert "cart:" in (response.cookies["ck_gen"] or "")  # the cart's kept fragments are stale now
    assert f"data-cart-count>{before + 2}<" in bob.get(summary_src, timeout=10).text


def test_cart_page_body_is_a_fragment_with_working_quantity_buttons(page: Page, demo: Demo) -> None:
    log_in(page, demo.url, "bob")
    page.goto(f"{demo.url}/cart/")
    line = page.locator(".cart-line").first
    expect(line.locator(".qty-value")).to_have_text(re.compile(r"^\d+$"))
    quantity = int(line.locator(".qty-value").inner_text())  # other tests change bob's cart too
    page.evaluate("window.ckMarker = 'still here'")

    line.get_by_role("button", name=re.compile("^One more")).click()

    expect(line.locator(".qty-value")).to_have_text(str(quantity + 1))
    expect(page.locator("[data-cart-count]")).to_have_text(re.compile(r"^\d+$"))
    assert page.evaluate("window.ckMarker") == "still here"


# -- shells and cache policies -------------------------------------------------------------------


def test_catalog_shell_is_the_same_bytes_for_every_visitor(demo: Demo) -> None:
    responses = {
        who: session_for(demo.url, who).get(
            f"{demo.url}/", headers={"Cache-Control": "no-cache"}, timeout=10
        )  # no-cache: each one rendered, not served from the shell cache
        for who in (None, "alice", "bob")
    }
    for who, response in responses.items():
        assert response.status_code == 200, who
        assert response.headers["X-Shell-Cache"] == "bypass", who
        assert response.headers["Cache-Control"] == (
            "public, max-age=60, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400"
        ), who
        assert "cookie" not in response.headers.get("Vary", "").lower(), who
        assert "Set-Cookie" not in response.headers, who
    bodies = {response.content for response in responses.values()}
    assert len(bodies) == 1
    assert b"Alice" not in bodies.pop()


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/", 3),  # the page's products, their count, the category bar: no N+1
        ("/c/books/?page=2", 4),  # and the category
        ("product", 3),  # the product, "more in this category", the category bar
        ("/cart/", 1),  # the category bar: the cart itself is a fragment
    ],
)
def test_shells_are_public_and_cheap(demo: Demo, path: str, queries: int) -> None:
    if path == "product":
        path = product_path(demo.url)
    response = requests.get(demo.url + path, headers={"Cache-Control": "no-cache"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public, ")
    assert f'desc="{queries} queries"' in response.headers["Server-Timing"]


def test_the_shell_cache_serves_repeat_visits(demo: Demo) -> None:
    # Each of the 2 workers has its own memory cache: of 3 requests, some worker
    # answers twice, and its second answer is a hit.
    responses = [requests.get(f"{demo.url}/c/audio/", timeout=10) for _ in range(3)]
    assert "hit" in [r.headers["X-Shell-Cache"] for r in responses]
    assert len({r.content for r in responses}) == 1


def test_fragment_policies(demo: Demo) -> None:
    alice = session_for(demo.url, "alice")
    page = alice.get(demo.url + product_path(demo.url), timeout=10).text

    # Each fragment's Cache-Control and Vary are checked by the demo's own tests, with
    # composekit.testing (demo/shop/tests/, run by test_shop_suite.py); here, what only the
    # real server shows: a logged-in shopper's session cookie stays off the public fragment,
    # and a revalidation is a 304.
    live = alice.get(demo.url + fragment_src(page, "stock-price"), timeout=10)
    assert live.headers["Cache-Control"] == "public, max-age=5, s-maxage=10, stale-while-revalidate=30"
    assert "Set-Cookie" not in live.headers

    summary_url = demo.url + fragment_src(page, "cart-summary")
    summary = alice.get(summary_url, timeout=10)
    again = alice.get(summary_url, headers={"If-None-Match": summary.headers["ETag"]}, timeout=10)
    assert again.status_code == 304


# -- client mode and inline mode show the same page ------------------------------------------------


@pytest.mark.parametrize("path", ["/", "product", "/cart/"])
def test_client_mode_text_equals_inline_mode_text(page: Page, demo: Demo, path: str) -> None:
    if path == "product":
        path = product_path(demo.url)
    texts = {}
    for mode, url in (("client", demo.url), ("inline", demo.inline_url)):
        page.context.clear_cookies()
        log_in(page, url, "alice")
        page.goto(url + path)
        wait_for_all_fragments(page)
        texts[mode] = page.evaluate("document.body.innerText")
    assert "Alice" in texts["client"]
    assert texts["client"] == texts["inline"]


def test_no_console_errors_under_the_content_security_policy(page: Page, demo: Demo) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    log_in(page, demo.url, "alice")
    response = page.goto(demo.url + product_path(demo.url))
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert f"script-src 'self' {SCRIPT_CSP};" in policy
    assert "require-trusted-types-for 'script'; trusted-types composekit" in policy
    wait_for_all_fragments(page)
    # Exercise a swap after an action too: add to cart reloads fragments through the loader.
    page.locator("form[data-ck-submit] button[type=submit]").first.click()
    expect(page.locator("ck-fragment[state=loading]")).to_have_count(0)
    expect(page.locator("ck-fragment[name=cart-summary]")).to_contain_text("1")
    assert page.evaluate("cspViolations") == []
    assert errors == []
