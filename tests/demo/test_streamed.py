"""The demo shop in streamed mode (``COMPOSEKIT_MODE=stream``, docs/streaming.md), as a
benchmark runs it: the shell from the demo's shell cache, then the shopper's fragments, in
one response, under the demo's strict Content-Security-Policy and Trusted Types."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from demo.launch import copy_prepared, demo_env, demo_server
from tests.demo.test_demo import log_in, product_path, session_for, wait_for_all_fragments

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def streamed_demo(tmp_path_factory: pytest.TempPathFactory, prepared_demo: Path) -> Iterator[str]:
    base = tmp_path_factory.mktemp("demo-streamed")
    copy_prepared(prepared_demo, base / "stream")
    with demo_server(demo_env(base / "stream", COMPOSEKIT_MODE="stream"), base) as server:
        yield server.url


def test_a_product_page_streams_the_cached_shell_then_the_shoppers_fragments(
    page: Page, streamed_demo: str
) -> None:
    path = product_path(streamed_demo)
    alice = session_for(streamed_demo, "alice")
    first = alice.get(streamed_demo + path, timeout=10)
    second = alice.get(streamed_demo + path, timeout=10)
    assert second.headers["Cache-Control"] == "private, no-store"
    assert second.headers["X-Shell-Cache"] == "hit"  # the shell's bytes from the demo's cache
    shell = second.text.split("</html>", 1)[0]
    assert first.text.split("</html>", 1)[0] == shell
    assert requests.get(streamed_demo + path, timeout=10).text.startswith(shell)  # anyone's
    assert "<ck-part></ck-part>" in second.text

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    log_in(page, streamed_demo, "alice")
    page.goto(streamed_demo + path)
    wait_for_all_fragments(page)
    expect(page.locator("template[data-ck-for], ck-part")).to_have_count(0)
    assert page.evaluate("cspViolations") == []
    assert errors == []
