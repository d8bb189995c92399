from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

# In CI every run explores the same examples, so a red build is reproducible; locally
# each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# pytest-playwright runs an event loop in the main thread; Django's ORM refuses
# synchronous calls there unless told it is safe (it is: one thread drives both).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _reset_fragment_counters() -> None:
    from tests.testapp import fragments

    fragments.calls.clear()
    fragments.versions["counted"] = "v1"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    """Launch Debian's Chromium (Playwright cannot download its own here).

    CK_CHROMIUM overrides the path; set it to "playwright" to use Playwright's own browser.
    """
    path = os.environ.get("CK_CHROMIUM", "/usr/bin/chromium")
    args: dict[str, object] = {
        **browser_type_launch_args,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }
    if path != "playwright":
        args["executable_path"] = path
    return args


@pytest.fixture(scope="session")
def bfcache_browser(browser_type: Any, browser_type_launch_args: dict[str, object]) -> Iterator[Any]:
    """A second Chromium with the back/forward cache on, as in every real browser.

    Playwright turns the cache off by default (``--disable-back-forward-cache``), so pages
    left and returned to are loaded anew and restores are never tested.
    """
    browser = browser_type.launch(
        **browser_type_launch_args, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield browser
    browser.close()


@pytest.fixture
def bfcache_context(bfcache_browser: Any) -> Iterator[Any]:
    context = bfcache_browser.new_context()
    yield context
    context.close()
