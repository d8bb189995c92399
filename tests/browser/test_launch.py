"""harness/browsers.py: the back/forward cache is off by default and on with ``bfcache=True``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import BrowserType, Page

from harness import browsers
from harness.browsers import chromium_launch_args

pytestmark = pytest.mark.browser

# Notes every pageshow (`persisted` is true when the page came back from the cache), and
# leaving the page.
PAGE = b"""<!doctype html><title>page</title><script>
addEventListener("pageshow", (e) => { window.shows = (window.shows || []).concat(e.persisted); });
addEventListener("pagehide", () => { window.left = true; });
</script>"""


class _Pages(BaseHTTPRequestHandler):
    # A cacheable page (Django's live_server views send no-store, which keeps a page out
    # of the back/forward cache).
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def shows_after_going_back(page: Page, site: str) -> object:
    page.goto(f"{site}/a")
    page.goto(f"{site}/b")
    page.go_back(wait_until="commit")  # a page restored from the cache fires no load event
    # Shown anew, or shown again after having been left (a restored page).
    page.wait_for_function("window.shows && (!window.left || window.shows.length > 1)")
    return page.evaluate("window.shows")


def test_the_back_forward_cache_is_off_by_default(page: Page, site: str) -> None:
    assert shows_after_going_back(page, site) == [False]  # loaded anew


def test_bfcache_true_keeps_the_back_forward_cache(browser_type: BrowserType, site: str) -> None:
    browser = browser_type.launch(**chromium_launch_args(bfcache=True))
    try:
        # The same document, shown a second time: restored from the cache.
        assert shows_after_going_back(browser.new_page(), site) == [False, True]
    finally:
        browser.close()


def test_the_tests_run_the_headless_shell_and_the_bfcache_the_full_browser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CK_CHROMIUM", raising=False)
    monkeypatch.setattr("harness.browsers.os.access", lambda path, mode: True)  # as if installed
    assert chromium_launch_args(headless_shell=True)["executable_path"] == browsers.HEADLESS_SHELL
    assert chromium_launch_args(True, headless_shell=True)["executable_path"] == browsers.FULL
    assert chromium_launch_args()["executable_path"] == browsers.FULL
    monkeypatch.setattr("harness.browsers.os.access", lambda path, mode: False)  # not installed
    assert chromium_launch_args(headless_shell=True)["executable_path"] == browsers.FULL
    monkeypatch.setenv("CK_CHROMIUM", "/opt/chrome")  # the user's choice wins
    assert chromium_launch_args(headless_shell=True)["executable_path"] == "/opt/chrome"
    monkeypatch.setenv("CK_CHROMIUM", "playwright")
    assert "executable_path" not in chromium_launch_args(headless_shell=True)
