"""The loader under faults: broken connections, odd bodies, slow and failing neighbours."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.signals import request_started
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.conftest import Loader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connection_dropped_mid_body_is_retried(loader: Loader, dropping_server: Any) -> None:
    server = dropping_server(1)
    with override_settings(COMPOSEKIT_ALLOWED_ORIGINS=[server.origin]):
        page = loader.open(f'<ck-fragment id="a" src="{server.origin}/x/">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.inner_text("#a") == "whole after 2"
    assert server.hits == 2


def test_connection_always_dropped_is_an_error_with_the_fallback(
    loader: Loader, dropping_server: Any
) -> None:
    server = dropping_server(1000)
    with override_settings(COMPOSEKIT_ALLOWED_ORIGINS=[server.origin]):
        page = loader.open(f'<ck-fragment id="a" src="{server.origin}/x/"><b>fallback</b></ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error")
    assert page.inner_html("#a") == "<b>fallback</b>"  # no partial body swapped in
    [error] = [e for e in loader.events() if e[1] == "error"]
    assert error[2:4] == [0, 3]
    assert server.hits == 3


def test_empty_200_is_an_empty_fragment(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/empty/">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.inner_html("#a") == ""


def test_one_megabyte_fragment(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/big/">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.locator("#a li").count() == 1000
    assert page.evaluate("document.getElementById('a').textContent.length") == 1_000_000


def test_slow_fragment_does_not_delay_the_others(loader: Loader) -> None:
    page = loader.open(
        '<ck-fragment id="slow" src="/loader/f/slow/?ms=4000">slow</ck-fragment>'
        '<ck-fragment id="fast" src="/loader/f/ok/?text=fast">fast</ck-fragment>'
    )
    expect(page.locator("#fast")).to_have_attribute("state", "loaded")
    assert page.get_attribute("#slow", "state") == "loading"
    assert page.inner_text("#slow") == "slow"


def test_offline_then_back_online(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/ok/?text=first">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    page.context.set_offline(True)
    page.evaluate("document.getElementById('a').reload()")
    expect(page.locator("#a")).to_have_attribute("state", "error")
    assert page.inner_text("#a") == "first"  # what was shown stays
    [error] = [e for e in loader.events() if e[1] == "error"]
    assert error[2:4] == [0, 3]
    page.context.set_offline(False)
    page.evaluate("document.getElementById('a').reload()")
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert loader.hits("/loader/f/ok/?text=first") == 2


def test_a_raising_fragment_keeps_its_fallback_and_the_others_load(loader: Loader) -> None:
    page = loader.open(
        '<div id="boom">{% fragment "boom" %}<b>boom fallback</b>{% endfragment %}</div>'
        '<div id="hello">{% fragment "hello" who="neighbour" %}...{% endfragment %}</div>'
        '<div id="news">{% fragment "news" topic="faults" %}...{% endfragment %}</div>'
    )
    expect(page.locator("#hello ck-fragment")).to_have_attribute("state", "loaded")
    expect(page.locator("#news ck-fragment")).to_have_attribute("state", "loaded")
    expect(page.locator("#boom ck-fragment")).to_have_attribute("state", "error")
    assert page.inner_text("#hello") == "Hello anonymous from neighbour"
    assert page.inner_text("#news") == "News about faults"
    assert page.inner_html("#boom ck-fragment") == "<b>boom fallback</b>"
    [error] = [e for e in loader.events() if e[1] == "error"]
    assert error[2:] == [500, 1, "HTTP 500"]  # a 500 is not retried


@pytest.mark.parametrize("neighbours", [False, True], ids=["alone", "in-a-batch"])
def test_a_database_error_shows_that_fragments_error_content_and_nothing_else_fails(
    loader: Loader, neighbours: bool
) -> None:
    down = '<div id="down">{% fragment "db-down" %}<i>loading</i>{% error %}<b>no data</b>{% endfragment %}</div>'
    others = (
        '<div id="hello">{% fragment "hello" who="n" %}...{% endfragment %}</div>'
        '<div id="picks">{% fragment "picks" %}...{% endfragment %}</div>'
    )
    page = loader.open(down + (others if neighbours else ""))
    expect(page.locator("#down ck-fragment")).to_have_attribute("state", "error")
    assert page.inner_text("#down ck-fragment") == "no data"
    if neighbours:
        expect(page.locator("#hello ck-fragment")).to_have_text("Hello anonymous from n")
        expect(page.locator("#picks ck-fragment")).to_have_attribute("state", "loaded")
        assert page.inner_text("#picks").startswith("picks for anonymous: 0 in cart")
    errors = [e[2:] for e in loader.events() if e[1] == "error"]
    assert errors == [[500, 1, "HTTP 500"]]


# When each load starts and fails, by the id of the element around it (performance.now(), ms).
TIMES = """<script nonce="{{ csp_nonce }}">
window.ckTimes = {};
for (const type of ["loadstart", "error", "load"]) {
  document.addEventListener("ck:" + type, (e) => {
    (ckTimes[e.target.parentElement.id] ||= {})[type] = performance.now();
  });
}
</script>"""
DEADLINE_MS = 2000
MARGIN_MS = 1000  # a busy machine's scheduling; the backend sleeps longer than both
SLEEP_MS = 4000


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
def test_a_backend_that_hangs_shows_the_error_content_within_the_deadline(
    loader: Loader, batched: bool
) -> None:
    started: list[str] = []

    def count(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        if environ["PATH_INFO"].startswith("/_composekit/"):
            started.append(environ["PATH_INFO"])

    ids = ["a", "b"] if batched else ["a"]
    tags = "".join(
        f'<p id="{i}">{{% fragment "sleepy" ms={SLEEP_MS} n="{i}" %}}<i>loading</i>'
        "{% error %}<b>gave up</b>{% endfragment %}</p>"
        for i in ids
    )
    request_started.connect(count)
    try:
        # The deadline from the global config ({% composekit_script %}'s data-timeout).
        with override_settings(COMPOSEKIT_TIMEOUT=DEADLINE_MS):
            page = loader.open(TIMES + tags)
        for i in ids:
            expect(page.locator(f"#{i} ck-fragment")).to_have_attribute(
                "state", "error", timeout=DEADLINE_MS + MARGIN_MS + 2000
            )
            assert page.inner_text(f"#{i} ck-fragment") == "gave up"
        times = page.evaluate("ckTimes")
    finally:
        request_started.disconnect(count)
    took = {i: times[i]["error"] - times[i]["loadstart"] for i in ids}
    assert all(DEADLINE_MS - 50 <= ms <= DEADLINE_MS + MARGIN_MS for ms in took.values()), took
    assert sorted(e[2:] for e in loader.events() if e[1] == "error") == [[0, 1, "timeout"]] * len(ids)
    # The batch's fallback shared the deadline: nothing was asked for after the batch.
    assert started == (["/_composekit/_batch/"] if batched else ["/_composekit/sleepy/"]), started
