"""composekit-debug in real Chromium: under DEBUG, each failed fragment on the console."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, expect

from tests.browser.conftest import Loader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRAGMENTS = (
    '<p id="ok">{% fragment "hello" %}ok…{% endfragment %}</p>'
    '<p id="boom">{% fragment "boom" %}boom…{% endfragment %}</p>'
    '<p id="raises">{% fragment "raises" what="404" %}raises…{% endfragment %}</p>'
    '<p id="away"><ck-fragment name="away" src="https://elsewhere.example/_composekit/away/?p=x">'
    "away…</ck-fragment></p>"
)


def failures(loader: Loader, messages: list[ConsoleMessage]) -> list[tuple[str, str, Any]]:
    """The page's composekit console messages: (type, text, the second argument's value)."""
    page = loader.open(FRAGMENTS)
    expect(page.locator("#ok ck-fragment")).to_have_attribute("state", "loaded")
    for element_id in ("boom", "raises", "away"):
        expect(page.locator(f"#{element_id} ck-fragment")).to_have_attribute("state", "error")
    page.wait_for_function("ckEvents.filter((e) => e[1] === 'error').length === 3")
    # Logged once the problem's body is read: poll (wait_for_timeout lets Playwright deliver
    # the console events) until all three came, or the deadline passed.
    deadline = time.monotonic() + 10
    while len(ours := [m for m in messages if m.text.startswith("composekit:")]) < 3:
        assert time.monotonic() < deadline, [m.text for m in messages]
        page.wait_for_timeout(50)
    return sorted((m.type, m.args[0].json_value(), m.args[1].json_value()) for m in ours)


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "alone"])
def test_failed_fragments_are_logged_with_their_problem(loader: Loader, settings: Any, batch: bool) -> None:
    settings.DEBUG = True
    settings.COMPOSEKIT_MODE = "client"
    settings.COMPOSEKIT_BATCH = batch
    messages: list[ConsoleMessage] = []
    loader.page.on("console", lambda message: messages.append(message))
    logged = failures(loader, messages)
    assert [(kind, text) for kind, text, _ in logged] == [
        (
            "error",
            'composekit: fragment "away" failed: src refused',
        ),
        (
            "error",
            'composekit: fragment "boom" failed: HTTP 500 Internal Server Error: '
            "RuntimeError: the fragment blew up",
        ),
        ("warning", 'composekit: fragment "raises" failed: HTTP 404 Not Found: no such product'),
    ]
    boom = logged[1][2]
    assert (boom["fragment"], boom["exception"]) == ("boom", "RuntimeError")
    assert boom["traceback"].startswith("Traceback (most recent call last):")


def test_fragments_the_server_failed_to_render_inline_are_named(loader: Loader, settings: Any) -> None:
    settings.DEBUG = True
    settings.COMPOSEKIT_MODE = "inline"
    messages: list[ConsoleMessage] = []
    loader.page.on("console", lambda message: messages.append(message))
    page = loader.open(
        '{% fragment "hello" %}ok{% endfragment %}{% fragment "staff" %}staff…{% endfragment %}'
    )
    expect(page.locator("ck-fragment[name=staff]")).to_have_attribute("state", "error")  # anonymous: 403
    page.wait_for_load_state("domcontentloaded")
    deadline = time.monotonic() + 10
    while not (ours := [(m.type, m.text) for m in messages if m.text.startswith("composekit:")]):
        assert time.monotonic() < deadline, [m.text for m in messages]
        page.wait_for_timeout(50)
    assert ours == [
        ("warning", 'composekit: fragment "staff" was not rendered into the page: the server\'s log says why')
    ]


def test_nothing_is_logged_without_debug(loader: Loader, settings: Any) -> None:
    settings.COMPOSEKIT_MODE = "client"
    messages: list[ConsoleMessage] = []
    loader.page.on("console", lambda message: messages.append(message))
    page = loader.open(FRAGMENTS)
    page.wait_for_function("ckEvents.filter((e) => e[1] === 'error').length === 3")
    assert page.evaluate("document.querySelectorAll('script[src*=composekit-debug]').length") == 0
    assert [m.text for m in messages if m.text.startswith("composekit:")] == []
