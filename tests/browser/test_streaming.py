"""Streamed mode (composekit/streaming.py) in real Chromium, served by gunicorn (WSGI: the
parts in threads) and uvicorn (ASGI: the parts as tasks), and through the shipped VCL in a
real varnishd.

The page (tests/streamed/) holds a slow private fragment (``sleepy``, 1.5 s), a fast one
(``hello``), a failing one with error content (``boom``), a public one and a lazy one (both
left to the loader). Order is shown by what the browser recorded when each part landed, and
by the chunks as they came off the socket; no test asserts a duration.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from harness import nginx_conf, vcl
from harness.servers import (
    ROOT,
    Server,
    django_env,
    free_port,
    gunicorn,
    loopback_session,
    manage,
    nginx,
    varnishd,
)
from harness.waiting import poll

pytestmark = pytest.mark.browser

SETTINGS = "tests.served.settings"
UVICORN = Path(sys.executable).parent / "uvicorn"
PAGE = "/streamed/page/?slow=1500"

# Each ck:load / ck:error as it happens: the fragment, the time, and the slow one's state then.
RECORD = """
self.ckSeen = [];
for (const type of ['ck:load', 'ck:error'])
  addEventListener(type, (e) => {
    const slow = document.querySelector('#slow ck-fragment');
    ckSeen.push({type, name: e.target.closest('section').id, at: performance.now(),
                 slowState: slow && slow.getAttribute('state'), slowText: slow && slow.textContent,
                 parsing: document.readyState === 'loading'});
  });
"""


class Uvicorn:
    """uvicorn serving the test app (ASGI), on a socket bound here: a free port, no race."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    str(UVICORN),
                    "--factory",
                    "django.core.asgi:get_asgi_application",
                    f"--fd={self.socket.fileno()}",
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=[self.socket.fileno()],
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}:\n{log.read_text()}")
            try:
                requests.get(self.url + "/health/", timeout=5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"uvicorn did not answer:\n{log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own group: uvicorn and nothing else
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - only if uvicorn hangs
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.socket.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """gunicorn (one worker: one shell cache; threads for the browser's connections),
    uvicorn (in stream mode), and Varnish and nginx (the shipped VCL and recipe) in front of gunicorn, on one
    database."""
    tmp = tmp_path_factory.mktemp("streamed")
    db = str(tmp / "db.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    env = django_env(SETTINGS, CK_SERVED_DB=db)
    with gunicorn(tmp, env=env, workers=1, threads=4, access_log=True, ready_path="/health/") as app:
        # Without the suite's DJANGO_ALLOW_ASYNC_UNSAFE (tests/conftest.py): a query in the
        # event loop fails here as in production.
        # And in stream mode: every page with private placeholders streams.
        asgi_env = {k: v for k, v in env.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
            "CK_SERVED_MODE": "stream"
        }
        asgi = Uvicorn(asgi_env, tmp / "uvicorn.log")
        try:
            port = free_port()
            conf = nginx_conf.reference(tmp / "nginx-conf", app_port=app.port, port=port)
            with (
                varnishd(tmp, vcl=vcl.reference(tmp / "vcl", app.port)) as proxy,
                nginx(tmp, include=conf, port=port) as front,
            ):
                yield {
                    "wsgi": app.url,
                    "asgi": asgi.url,
                    "varnish": proxy.url,
                    "nginx": front.url,
                    "app": app,
                }
        finally:
            asgi.stop()


def open_streamed(page: Page, url: str) -> list[dict[str, Any]]:
    page.add_init_script(RECORD)
    page.goto(url, wait_until="commit")
    # Polled from here: page.evaluate() is not held to the page's CSP, while wait_for_function()
    # compiles its predicate in the page, which a CSP without 'unsafe-eval' refuses.
    done = "ckSeen.length >= 4 && document.readyState !== 'loading'"
    poll(lambda: bool(page.evaluate(done)), 20, "every part seen and the page parsed", interval=0.02)
    seen: list[dict[str, Any]] = page.evaluate("ckSeen")
    return seen


@pytest.mark.parametrize("server", ["wsgi", "asgi"])
def test_a_fast_fragment_lands_before_a_slow_one_and_fallbacks_show_until_then(
    page: Page, served: dict[str, Any], server: str
) -> None:
    seen = open_streamed(page, served[server] + PAGE)
    streamed = [s for s in seen if s["name"] in ("fast", "slow", "boom")]
    by_name = {s["name"]: s for s in streamed}
    assert len(streamed) == 3 and set(by_name) == {"fast", "slow", "boom"}, seen
    # The fast part and the failing one landed while the page was still arriving, the slow
    # one still loading and showing its fallback.
    for name in ("fast", "boom"):
        assert by_name[name]["parsing"] is True, seen
        assert by_name[name]["slowState"] == "loading", seen
        assert by_name[name]["slowText"] == "slow fallback", seen
        assert by_name[name]["at"] < by_name["slow"]["at"], seen
    assert by_name["boom"]["type"] == "ck:error"
    expect(page.locator("#fast ck-fragment")).to_have_text("Hello anonymous from you")
    expect(page.locator("#fast ck-fragment")).to_have_attribute("state", "loaded")
    expect(page.locator("#slow ck-fragment")).to_have_text("awake after 1500 ms")
    # Error content, as the loader shows it: the {% error %} part, state="error".
    expect(page.locator("#boom ck-fragment")).to_have_text("boom failed")
    expect(page.locator("#boom ck-fragment")).to_have_attribute("state", "error")
    # What the stream leaves to the loader still loads: the public and the lazy fragment.
    expect(page.locator("#news ck-fragment")).to_have_attribute("state", "loaded")
    expect(page.locator("#lazy ck-fragment")).to_have_text("Hello anonymous from lazy")
    # The parts' templates and markers are gone once swapped.
    assert page.locator("template[data-ck-for], ck-part").count() == 0
    assert page.locator("ck-fragment[aria-busy]").count() == 0


# When the stream's script was parsed, and when the loader's batch (if any) started.
RACE = """
self.ckBoot = null;
new MutationObserver((records, observer) => {
  for (const record of records)
    for (const node of record.addedNodes)
      if (node.nodeType === 1 && node.matches('script[data-ck-srcs]')) {
        ckBoot = performance.now();
        observer.disconnect();
      }
}).observe(document, {childList: true, subtree: true});
"""


def test_the_loader_does_not_fetch_what_the_stream_brings(page: Page, served: dict[str, Any]) -> None:
    app: Server = served["app"]
    before = len(app.access_lines())
    page.add_init_script(RACE)
    open_streamed(page, served["wsgi"] + "/streamed/page/?slow=200&who=counted")
    expect(page.locator("#lazy ck-fragment")).to_have_attribute("state", "loaded")
    deadline = time.monotonic() + 10
    while len(app.access_lines()) < before + 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    paths = [re.search(r'"GET (\S+)', line) for line in app.access_lines()[before:]]
    fragment_requests = sorted(m.group(1).split("?")[0] for m in paths if m and "/_composekit/" in m.group(1))
    boot = page.evaluate("ckBoot")
    batch = page.evaluate(
        "performance.getEntriesByType('resource').filter((e) => e.name.includes('/_composekit/_batch/'))"
        ".map((e) => e.startTime)"
    )
    assert boot is not None
    # A batch sent before the stream's script was parsed is the documented race (the loader
    # waits 50 ms while the page is parsed; a loaded machine can take longer to reach the
    # script): then the page is still right, at the cost of a second render. After it, never.
    assert all(start < boot for start in batch), (batch, boot)
    expected = ["/_composekit/_batch/"] * len(batch) + ["/_composekit/hello/", "/_composekit/news/"]
    # Otherwise, only what the stream leaves to the loader: the public fragment and the lazy one.
    assert fragment_requests == expected, (fragment_requests, batch, boot)
    for section, text in (("fast", "Hello anonymous from counted"), ("slow", "awake after 200 ms")):
        expect(page.locator(f"#{section} ck-fragment")).to_have_text(text)


def test_without_javascript_the_fallbacks_and_noscript_show(browser: Browser, served: dict[str, Any]) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(served["wsgi"] + "/streamed/page/?slow=100")
        for section, text in (
            ("slow", "slow fallback"),
            ("fast", "fast fallback"),
            ("boom", "boom fallback"),
        ):
            expect(page.locator(f"#{section} ck-fragment")).to_have_text(text)
        expect(page.locator("#noscript")).to_be_visible()
        # The parts came (in inert templates) but show nowhere.
        assert page.locator("template[data-ck-for]").count() == 3
        expect(page.get_by_text("Hello anonymous from you")).to_have_count(0)
        expect(page.get_by_text("awake after 100 ms")).to_have_count(0)
    finally:
        context.close()


def chunks_of(url: str, cookies: dict[str, str] | None = None) -> tuple[requests.Response, list[bytes]]:
    """The response, and its body as it came off the socket, one read at a time."""
    with loopback_session() as session:
        for name, value in (cookies or {}).items():
            session.cookies.set(name, value)
        response = session.get(url, stream=True, timeout=20, headers={"Accept-Encoding": "identity"})
        reads = list(response.raw.stream(65536, decode_content=False))
    return response, reads


@pytest.mark.parametrize("server", ["varnish", "nginx", "wsgi", "asgi"])
def test_the_shell_comes_first_and_the_slow_part_last(served: dict[str, Any], server: str) -> None:
    response, reads = chunks_of(served[server] + "/streamed/page/?slow=1500")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = b"".join(reads)
    shell_end = body.index(b"</html>")
    slow = body.index(b"awake after 1500 ms")
    fast = body.index(b"Hello anonymous from you")
    assert shell_end < fast < slow
    # The shell (and the fast part) came in reads before the one that brought the slow part:
    # nothing on the way (Varnish included) waited for the whole response.
    received = 0
    for read in reads:
        received += len(read)
        if received > shell_end:
            break
    assert received < slow, [len(r) for r in reads]


@pytest.mark.parametrize(
    ("server", "path"),
    [
        ("varnish", "/streamed/page/?slow=0"),  # @streamed, through the shipped VCL
        ("asgi", "/streamed/plain/?slow=0"),  # stream mode, ComposekitMiddleware's async path
    ],
)
def test_each_visitor_gets_their_own_stream(served: dict[str, Any], server: str, path: str) -> None:
    sessions = {}
    for user in ("alice", "bob"):
        with loopback_session() as session:
            assert session.get(f"{served['wsgi']}/login/{user}/", timeout=10).ok
            sessions[user] = str(session.cookies["sessionid"])
    for user in ("alice", "bob", "alice"):
        response, reads = chunks_of(served[server] + path, {"sessionid": sessions[user]})
        body = b"".join(reads).decode()
        assert f"Hello {user} from you" in body
        assert "Hello alice" not in body if user == "bob" else "Hello bob" not in body
        assert response.headers.get("X-Cache") != "HIT"


def test_on_an_identity_change_a_streamed_placeholder_shows_its_own_fallback(
    page: Page, served: dict[str, Any]
) -> None:
    open_streamed(page, served["wsgi"] + "/streamed/page/?slow=0")
    expect(page.locator("#fast ck-fragment")).to_have_text("Hello anonymous from you")
    # Loaded again by the loader: its next swap must not take the streamed (per-user) HTML
    # for the fallback, which the loader shows again when the identity changes.
    page.evaluate("document.querySelector('#fast ck-fragment').reload()")
    expect(page.locator("#fast ck-fragment")).to_have_attribute("state", "loaded")
    shown = page.evaluate(
        """async () => {
            composekit.reset();  // what the loader does itself when the identity changes
            await Promise.resolve();
            await Promise.resolve();
            return document.querySelector('#fast ck-fragment').innerHTML;
        }"""
    )
    assert shown == "<i>fast fallback</i>"
    expect(page.locator("#fast ck-fragment")).to_have_text("Hello anonymous from you")


def test_under_a_csp_without_nonce_the_script_runs_by_its_hash(page: Page, served: dict[str, Any]) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    seen = open_streamed(page, served["wsgi"] + "/streamed/csp/?slow=200")
    assert {s["name"] for s in seen} >= {"fast", "slow", "boom"}
    expect(page.locator("#slow ck-fragment")).to_have_text("awake after 200 ms")
    assert violations == []
