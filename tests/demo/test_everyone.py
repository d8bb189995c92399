"""The demo for everyone who meets it: no JavaScript, failing fragments, crawlers, phones,
stale forms, idle connections, and a secret key of its own (issue 14)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect

from demo.launch import DEMO_DIR, THREADS, copy_prepared, demo_env
from harness.servers import gunicorn
from tests.demo.conftest import Demo
from tests.demo.test_demo import LOGINS, fragment_src, log_in, product_path, session_for

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def own_product_path(base_url: str) -> str:
    """A product well in stock (more than 5) that no other test puts in a cart."""
    taken = product_path(base_url)
    html = requests.get(f"{base_url}/?sort=-price", timeout=10).text
    for path in re.findall(r'<a class="card-link" href="(/p/[^"]+)"', html):
        if path != taken and "stock-ok" in requests.get(base_url + path, timeout=10).text:
            return str(path)
    raise AssertionError("no other product in stock on the first page")


def visible_skeletons(page: Page) -> int:
    return page.locator(".skeleton:visible").count()


# -- without JavaScript ------------------------------------------------------------------


def test_without_js_the_product_page_is_useful_and_the_buy_box_works(no_js: Page, demo: Demo) -> None:
    path = own_product_path(demo.url)
    no_js.goto(demo.url + path)
    name = no_js.locator("h1").inner_text()
    # Prices and stock come from the shell; no skeleton is left waiting for a loader.
    expect(no_js.locator(".buy-box .price-large")).to_have_text(re.compile(r"^\$\d+\.\d\d$"))
    expect(no_js.locator(".buy-box .stock")).to_be_visible()
    assert visible_skeletons(no_js) == 0
    expect(no_js.get_by_text("Picks of your own appear here when JavaScript is on.")).to_be_visible()
    # The header's account corner is a frame of this visitor's own: logged out, a login link.
    expect(no_js.get_by_role("link", name="Account")).to_be_hidden()
    expect(no_js.frame_locator("iframe.account-frame").get_by_role("link", name="Log in")).to_be_visible()

    # Logged out, the buy box leads to the login page and back.
    no_js.get_by_role("button", name="Add to cart").click()
    no_js.wait_for_url(f"{demo.url}/login/?next={quote(path)}")
    no_js.get_by_label("Username").fill("carol")
    no_js.get_by_label("Password").fill(LOGINS["carol"])
    no_js.get_by_role("button", name="Log in").click()
    no_js.wait_for_url(demo.url + path)

    # A plain form post (no token: the shell has none) and a redirect to the plain cart.
    no_js.get_by_label("Quantity").select_option("2")
    no_js.get_by_role("button", name="Add to cart").click()
    no_js.wait_for_url(re.compile(r"/cart/plain/\?added="))
    expect(no_js.locator(".notice")).to_have_text(f"Added 2 × {name} to your cart.")
    line = no_js.locator(".cart-line").filter(has_text=name)
    expect(line.locator(".qty-value")).to_have_text("2")

    # The plain cart's buttons work without JS too, and come back to it.
    line.get_by_role("button", name=f"One more {name}").click()
    no_js.wait_for_url(f"{demo.url}/cart/plain/")
    expect(line.locator(".qty-value")).to_have_text("3")

    # The cart page's shell points there.
    no_js.goto(f"{demo.url}/cart/")
    assert visible_skeletons(no_js) == 0
    no_js.get_by_role("link", name="See your cart without it").click()
    no_js.wait_for_url(f"{demo.url}/cart/plain/")
    response = requests.get(f"{demo.url}/cart/plain/", timeout=10)
    assert response.headers["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_without_js_the_header_says_who_is_logged_in_and_logs_out(no_js: Page, demo: Demo) -> None:
    # The shell cannot name the shopper; it frames a page that can (the same frame for all).
    no_js.goto(f"{demo.url}/")
    corner = no_js.frame_locator("iframe.account-frame")
    corner.get_by_role("link", name="Log in").click()
    no_js.wait_for_url(f"{demo.url}/login/")
    no_js.get_by_label("Username").fill("alice")
    no_js.get_by_label("Password").fill(LOGINS["alice"])
    no_js.get_by_role("button", name="Log in").click()
    no_js.wait_for_url(f"{demo.url}/")
    expect(corner.locator(".frame-name")).to_have_text("Alice")
    expect(no_js.locator(".frame-name, .user-name")).to_have_count(0)  # in the frame, never in the shell

    # The name leads to the account page, which says it in full.
    corner.get_by_role("link", name="Alice").click()
    no_js.wait_for_url(f"{demo.url}/account/")
    expect(no_js.locator(".auth-card p").first).to_have_text("You're logged in as Alice (alice).")

    # Logging out from the header: the whole window goes on, logged out.
    no_js.goto(f"{demo.url}/")
    corner.get_by_role("button", name="Log out").click()
    no_js.wait_for_url(f"{demo.url}/")
    expect(corner.get_by_role("link", name="Log in")).to_be_visible()
    no_js.goto(f"{demo.url}/account/")
    no_js.wait_for_url(f"{demo.url}/login/?next=/account/")  # logged out


def test_the_account_corner_is_framed_only_by_the_shop_and_never_cached(demo: Demo) -> None:
    alice = session_for(demo.url, "alice")
    corner = alice.get(f"{demo.url}/account/menu/", timeout=10)
    assert corner.headers["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert corner.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in corner.headers["Content-Security-Policy"]
    assert '<a class="frame-name" href="/account/" target="_top">Alice</a>' in corner.text
    shell = requests.get(f"{demo.url}/", timeout=10)
    assert "frame-ancestors 'none'" in shell.headers["Content-Security-Policy"]  # the rest: never framed


def test_the_account_page_is_per_user_and_logging_out_needs_the_csrf_token(demo: Demo) -> None:
    alice = session_for(demo.url, "alice")
    page = alice.get(f"{demo.url}/account/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert '<strong class="account-name">Alice</strong> (alice)' in page.text
    assert alice.post(f"{demo.url}/logout/", allow_redirects=False, timeout=10).status_code == 403
    assert alice.get(f"{demo.url}/account/", allow_redirects=False, timeout=10).status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    out = alice.post(
        f"{demo.url}/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{demo.url}/account/"},
        allow_redirects=False,
        timeout=10,
    )
    assert (out.status_code, out.headers["Location"]) == (302, "/")
    gone = alice.get(f"{demo.url}/account/", allow_redirects=False, timeout=10)
    assert (gone.status_code, gone.headers["Location"]) == (302, "/login/?next=/account/")


def test_the_per_line_cap_is_reported(demo: Demo) -> None:
    alice = session_for(demo.url, "alice")
    path = product_path(demo.url)
    page = alice.get(demo.url + path, timeout=10).text
    sku = re.search(r'name="sku" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    headers = {"Origin": demo.url, "Accept": "application/json"}

    def add(quantity: int) -> dict[str, object]:
        response = alice.post(
            f"{demo.url}/cart/add/", data={"sku": sku, "quantity": quantity}, headers=headers, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    first = add(5)
    assert re.fullmatch(r"\d+\.\d\d", str(first["total"])), first  # money, to the cent
    limit = first["limit"]
    assert isinstance(limit, int) and limit > 0
    while True:
        answer = add(5)
        if answer["line"] == limit:
            break
    full = add(1)
    assert (full["added"], full["line"]) == (0, limit)
    assert str(full["message"]).startswith("Nothing added: your cart already holds")
    assert "the most you can order" in str(full["message"])

    # Without JS the plain cart page says so.
    redirect = alice.post(
        f"{demo.url}/cart/add/", data={"sku": sku, "quantity": 1}, headers={"Origin": demo.url}, timeout=10
    )
    assert "Nothing added: your cart already holds" in redirect.text


def test_the_buy_box_says_what_an_add_did(page: Page, demo: Demo) -> None:
    log_in(page, demo.url, "bob")
    page.goto(demo.url + product_path(demo.url))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-add-status]")).to_have_text(re.compile(r"^Added 1 × .+ to your cart\.$"))


# -- failing fragments -------------------------------------------------------------------------


def test_a_failing_fragment_says_so_and_retries(browser: Browser, demo: Demo) -> None:
    context = browser.new_context()
    page = context.new_page()
    failing = True

    def answer(route: Route) -> None:
        if failing:
            route.fulfill(status=500, content_type="application/problem+json", body="{}")
        else:
            route.continue_()

    page.route("**/_composekit/**", answer)
    page.goto(demo.url + product_path(demo.url))
    menu = page.locator('ck-fragment[name="user-menu"]')
    expect(menu).to_have_attribute("state", "error")
    expect(menu).to_contain_text("couldn't load · retry")
    expect(page.locator('ck-fragment[name="stock-price"]')).to_contain_text(
        "Live stock couldn't load · retry"
    )
    # The shell's price stays while the live one cannot load.
    expect(page.locator(".buy-box .price-large")).to_have_text(re.compile(r"^\$\d"))
    assert page.locator("ck-fragment[state=error] .skeleton").count() == 0

    failing = False
    menu.get_by_role("link", name="retry").click()
    expect(menu).to_have_attribute("state", "loaded")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    context.close()


# -- crawlers, phones, stale forms, idle connections -------------------------------------------------


def test_robots_txt_and_noindex_fragments(demo: Demo) -> None:
    robots = requests.get(f"{demo.url}/robots.txt", timeout=10)
    assert robots.status_code == 200
    assert robots.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "User-agent: *" in robots.text
    assert "Disallow: /_composekit/" not in robots.text  # crawlable, so the noindex is seen
    page = requests.get(f"{demo.url}/", timeout=10).text
    fragment = requests.get(demo.url + fragment_src(page, "user-menu"), timeout=10)
    assert fragment.headers["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in requests.get(f"{demo.url}/", timeout=10).headers


@pytest.mark.parametrize("who", [None, "alice"])
def test_the_header_fits_a_390px_phone(browser: Browser, demo: Demo, who: str | None) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    if who:
        log_in(page, demo.url, who)
    page.goto(demo.url + product_path(demo.url))
    expect(page.locator('ck-fragment[name="cart-summary"]')).to_have_attribute("state", "loaded")
    expect(page.locator('ck-fragment[name="user-menu"]')).to_have_attribute("state", "loaded")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    edges = page.evaluate(
        "[...document.querySelectorAll('.header-bar *')].filter((e) => e.getClientRects().length)"
        ".map((e) => [e.className.baseVal ?? e.className, Math.round(e.getBoundingClientRect().right)])"
    )
    assert [edge for edge in edges if edge[1] > 390] == []
    height = page.evaluate("document.querySelector('.header-bar').getBoundingClientRect().height")
    assert height <= 64  # one line: nothing wrapped
    context.close()


def test_a_stale_cart_form_gets_the_shops_page_and_a_way_to_finish(no_js: Page, demo: Demo) -> None:
    log_in(no_js, demo.url, "bob")
    no_js.goto(f"{demo.url}/cart/plain/")
    line = no_js.locator(".cart-line").first
    before = int(line.locator(".qty-value").inner_text())
    # The page's token no longer matches the cookie: a login in another tab moved it.
    no_js.context.add_cookies([{"name": "csrftoken", "value": "y" * 32, "url": demo.url}])
    line.get_by_role("button", name=re.compile("^One more")).click()
    expect(no_js.get_by_role("heading", name="Please try again")).to_be_visible()
    # The shop's look (and, without JavaScript, its noscript.css).
    expect(no_js.locator("link[rel=stylesheet]")).to_have_count(2)
    expect(no_js.get_by_text("Nothing was changed.", exact=False)).to_be_visible()
    no_js.get_by_role("button", name=re.compile(rf"^Set .+ to {before + 1}$")).click()
    no_js.wait_for_url(f"{demo.url}/cart/plain/")
    expect(no_js.locator(".cart-line").first.locator(".qty-value")).to_have_text(str(before + 1))


def test_idle_connections_do_not_stall_the_demo(demo: Demo) -> None:
    """Two browsers' worth of idle connections (6 each, Chromium's most per host) and a
    keep-alive one left open: the next request is answered at once. Under sync workers the
    first idle connection held the only worker for 30 s."""
    host, port = demo.url.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(12)]
    kept = requests.Session()
    try:
        assert kept.get(f"{demo.url}/robots.txt", timeout=10).status_code == 200  # stays open
        start = time.monotonic()
        assert requests.get(f"{demo.url}/c/books/", timeout=20).status_code == 200
        assert time.monotonic() - start < 2
    finally:
        kept.close()
        for sock in idle:
            sock.close()


def test_make_demo_serves_as_the_tests_do() -> None:
    script = (DEMO_DIR / "run.sh").read_text()
    assert f'THREADS="${{DEMO_THREADS:-{THREADS}}}"' in script
    assert '--threads "$THREADS"' in script


def test_make_demos_access_log_keeps_the_query_string(prepared_demo: Path, tmp_path: Path) -> None:
    """The log line is run.sh's format: the request line, so ``?query`` stays (``%(U)s%(q)s``
    dropped the ``?``)."""
    log_format = re.search(r"--access-logformat '([^']+)'", (DEMO_DIR / "run.sh").read_text())
    assert log_format, "run.sh sets no --access-logformat"
    copy_prepared(prepared_demo, tmp_path / "demo")
    with gunicorn(
        tmp_path,
        env=demo_env(tmp_path / "demo"),
        app="demo_site.wsgi",
        cwd=DEMO_DIR,
        workers=1,
        threads=2,
        access_log=True,
        extra_args=[f"--access-logformat={log_format.group(1)}"],
    ) as server:
        assert requests.get(f"{server.url}/robots.txt?from=log-test&x=1", timeout=10).status_code == 200
        deadline = time.monotonic() + 5
        while not (lines := [line for line in server.access_lines() if "log-test" in line]):
            assert time.monotonic() < deadline, f"gunicorn logged no request: {server.access_lines()}"
            time.sleep(0.01)
    assert len(lines) == 1
    assert re.fullmatch(r"GET /robots\.txt\?from=log-test&x=1 HTTP/1\.1 200 \d+B \d+ms", lines[0]), lines[0]


# -- the secret key -------------------------------------------------------------------------------

KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def secret_key(env: dict[str, str]) -> str:
    full = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "demo_site.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + KEY],
        cwd=DEMO_DIR,
        env=full,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_each_install_gets_a_secret_key_of_its_own(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    key = secret_key({"DEMO_SECRET_KEY_FILE": str(first)})
    assert len(key) >= 50
    assert first.stat().st_mode & 0o777 == 0o600
    assert secret_key({"DEMO_SECRET_KEY_FILE": str(first)}) == key  # kept
    assert secret_key({"DEMO_SECRET_KEY_FILE": str(second)}) != key  # another install
    assert secret_key({"DEMO_SECRET_KEY_FILE": str(first), "DEMO_SECRET_KEY": "given"}) == "given"
    ignored = subprocess.run(["git", "check-ignore", "demo/.secret_key"], cwd=DEMO_DIR.parent, check=False)
    assert ignored.returncode == 0  # never committed
    assert json.dumps(key) not in (DEMO_DIR / "demo_site" / "settings.py").read_text()
