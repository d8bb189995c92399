"""The demo shop under an ASGI server (uvicorn): the browser tests' core flow, both modes.

composekit's middleware and shell decorator are async capable; this proves the whole kit
(shells, fragments over HTTP, inline sub-requests, the loader) works served by ASGI.
Each server is uvicorn on a socket this test binds on 127.0.0.1 (a free port, no race),
in its own process group, stopped by its PID.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from demo.launch import DEMO_DIR, copy_prepared, demo_env
from tests.demo.test_demo import log_in, product_path

pytestmark = pytest.mark.browser

UVICORN = Path(sys.executable).parent / "uvicorn"


class Uvicorn:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    str(UVICORN),
                    "demo_site.asgi:application",
                    f"--fd={self.socket.fileno()}",
                    "--no-access-log",
                ],
                cwd=DEMO_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=[self.socket.fileno()],
                start_new_session=True,
            )

    def wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                requests.get(self.url + "/login/", timeout=5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"uvicorn did not answer in {timeout} s:\n{self.log.read_text()}")

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
def asgi_demo(tmp_path_factory: pytest.TempPathFactory, prepared_demo: Path) -> Iterator[dict[str, str]]:
    """Base URLs of the demo under uvicorn, by mode, each on its own copy of the data."""
    base = tmp_path_factory.mktemp("asgi-demo")
    copy_prepared(prepared_demo, base / "client")
    copy_prepared(prepared_demo, base / "inline")
    servers = {
        mode: Uvicorn(demo_env(base / mode, COMPOSEKIT_MODE=mode), base / f"{mode}.log")
        for mode in ("client", "inline")
    }
    try:
        for server in servers.values():
            server.wait_until_up()
        yield {mode: server.url for mode, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


@pytest.mark.parametrize("mode", ["client", "inline"])
def test_core_flow_under_asgi(page: Page, asgi_demo: dict[str, str], mode: str) -> None:
    url = asgi_demo[mode]
    catalog = requests.get(url + "/", timeout=10)
    assert catalog.headers["server"] == "uvicorn"
    if mode == "client":
        assert catalog.headers["Cache-Control"].startswith("public, ")
    else:  # each visitor's fragments are in the page: never shared
        assert catalog.headers["Cache-Control"] == "private, no-cache"
        assert 'name="user-menu"' in catalog.text and 'state="loaded"' in catalog.text

    page.goto(url + "/")
    expect(page.locator('ck-fragment[name="user-menu"]')).to_have_attribute("state", "loaded")
    expect(page.get_by_role("link", name="Log in")).to_have_attribute("href", "/login/")

    log_in(page, url, "carol")
    expect(page.locator(".user-name")).to_have_text("Carol")

    page.goto(url + product_path(url))
    count = page.locator("[data-cart-count]")
    expect(count).to_have_text("0")
    with page.expect_response(lambda response: "/cart/add/" in response.url) as added:
        page.get_by_role("button", name="Add to cart").click()
    expect(count).to_have_text("1")
    # The answer carried the cart, rendered out of the event loop (composekit/answers.py).
    assert added.value.status == 200
    assert any("<" in part.get("html", "") for part in added.value.json())

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{url}/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator(".user-name")).to_have_count(0)
