from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from harness.browsers import chromium_launch_args
from harness.servers import REDIS_SERVER, redis_server

# In CI every run explores the same examples, so a red build is reproducible; locally
# each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The fixtures composekit gives its users' test suites (docs/testing.md): ck, shell_users.
pytest_plugins = ["composekit.testing.pytest_plugin"]

# pytest-playwright runs an event loop in the main thread; Django's ORM refuses
# synchronous calls there unless told it is safe (it is: one thread drives both).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _reset_fragment_counters() -> None:
    from tests.testapp import fragments

    fragments.calls.clear()
    fragments.versions["counted"] = "v1"


@pytest.fixture(autouse=True)
def _empty_caches() -> None:
    """Every test starts with empty Django caches: a server-cached fragment kept by one test
    (under a user's pk, which the next test's user may share) must not answer in another."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    """The repository's one Chromium configuration (harness/browsers.py), for pytest-playwright:
    the headless shell where installed (tests/system-deps.sh installs it)."""
    return {**browser_type_launch_args, **chromium_launch_args(headless_shell=True)}


@pytest.fixture(scope="session")
def bfcache_browser(browser_type: Any, browser_type_launch_args: dict[str, object]) -> Iterator[Any]:
    """A second Chromium with the back/forward cache on, as in every real browser.

    Playwright turns the cache off by default (``--disable-back-forward-cache``), so pages
    left and returned to are loaded anew and restores are never tested.
    """
    browser = browser_type.launch(**{**browser_type_launch_args, **chromium_launch_args(bfcache=True)})
    yield browser
    browser.close()


@pytest.fixture
def bfcache_context(bfcache_browser: Any) -> Iterator[Any]:
    context = bfcache_browser.new_context()
    yield context
    context.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of the test session's own, for ``CACHES``: ``redis://127.0.0.1:<port>``."""
    if not os.access(REDIS_SERVER, os.X_OK):  # pragma: no cover - make test installs it
        pytest.fail(f"redis-server not found ({REDIS_SERVER}); run tests/system-deps.sh (make test does)")
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield f"redis://127.0.0.1:{server.port}"
