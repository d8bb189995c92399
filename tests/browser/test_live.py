"""composekit-live in real Chromium against the live server: events, server triggers,
forms through the loader, polling, other tabs. What the server saw is counted server-side
(tests/loader/views.py: hits per URL, posts)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from harness.waiting import poll
from tests.browser.conftest import Loader
from tests.loader import views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTER = "/loader/f/counter/?text="
ETAG = "/loader/f/etag/?text="

# Visibility cannot be changed in headless Chromium (every page stays "visible", minimized
# or not), so the tests that need a hidden tab drive document.hidden themselves.
HIDE = """
window.ckHidden = false;
Object.defineProperty(document, 'hidden', { get: () => window.ckHidden });
Object.defineProperty(document, 'visibilityState', { get: () => (window.ckHidden ? 'hidden' : 'visible') });
window.ckSetHidden = (hidden) => { window.ckHidden = hidden; document.dispatchEvent(new Event('visibilitychange')); };
"""

# Counts every change to #watched's subtree and attributes once it has loaded.
WATCH_MUTATIONS = """
window.ckMutations = 0;
new MutationObserver((records) => { ckMutations += records.length; })
  .observe(document.getElementById('watched'), { subtree: true, childList: true, attributes: true, characterData: true });
"""


def open_live(loader: Loader, body: str) -> Page:
    return loader.open(body, "?live")


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    poll(condition, timeout, "the condition", interval=0.02)


def test_an_event_on_document_refreshes_the_fragments_that_say_so(loader: Loader) -> None:
    page = open_live(
        loader,
        f'<ck-fragment id="a" refresh-on="x:changed other:thing" src="{COUNTER}a">f</ck-fragment>'
        f'<ck-fragment id="b" refresh-on="y:changed" src="{COUNTER}b">f</ck-fragment>',
    )
    expect(page.locator("#a")).to_have_text("a 1")
    page.evaluate("composekit.trigger('x:changed')")
    expect(page.locator("#a")).to_have_text("a 2")
    page.evaluate("document.dispatchEvent(new CustomEvent('other:thing'))")  # the page's own
    expect(page.locator("#a")).to_have_text("a 3")
    # Negative wait: a refresh the events must not cause (#a again, #b at all) would be sent
    # at once, within a few ms of the dispatch; 300 ms leaves room for a busy machine.
    page.wait_for_timeout(300)
    assert (loader.hits(f"{COUNTER}a"), loader.hits(f"{COUNTER}b")) == (3, 1)


def test_a_servers_ck_trigger_is_dispatched_after_its_swap(loader: Loader) -> None:
    page = loader.page
    page.add_init_script(
        "window.ckHeard = []; document.addEventListener('x:changed', (e) => ckHeard.push("
        "[e.detail.source && e.detail.source.id, e.detail.source && e.detail.source.textContent]));"
    )
    open_live(loader, f'<ck-fragment id="a" refresh-on="x:changed" src="{COUNTER}a">f</ck-fragment>')
    # Loaded first: an event while #a's own first load is in flight (the two in one batch,
    # say) is already answered by that load.
    expect(page.locator("#a")).to_have_text("a 1")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', "
        '\'<ck-fragment id="t" src="/loader/f/trigger/?event=x:changed&text=said">f</ck-fragment>\')'
    )
    expect(page.locator("#a")).to_have_text("a 2")
    assert page.evaluate("ckHeard") == [["t", "said"]]  # dispatched once it was in the page


def test_a_burst_of_ten_events_refreshes_once(loader: Loader) -> None:
    page = open_live(loader, f'<ck-fragment id="a" refresh-on="x:changed" src="{COUNTER}a">f</ck-fragment>')
    expect(page.locator("#a")).to_have_text("a 1")
    elapsed = page.evaluate(
        "(() => { const t = performance.now(); for (let i = 0; i < 10; i++) composekit.trigger('x:changed');"
        " return performance.now() - t; })()"
    )
    assert elapsed < 100
    expect(page.locator("#a")).to_have_text("a 2")
    # Negative wait: a second refresh of the burst would follow the first at once; 500 ms
    # leaves room for a busy machine.
    page.wait_for_timeout(500)
    assert loader.hits(f"{COUNTER}a") == 2


def test_events_during_a_refresh_in_flight_cause_one_more_not_many(loader: Loader) -> None:
    slow = "/loader/f/slow/?ms=600&text=s"
    page = open_live(loader, f'<ck-fragment id="s" refresh-on="x:changed" src="{slow}">f</ck-fragment>')
    expect(page.locator("#s")).to_have_attribute("state", "loaded")
    page.evaluate("composekit.trigger('x:changed')")
    wait_until(lambda: loader.hits(slow) == 2)  # the refresh is in flight
    page.evaluate("for (let i = 0; i < 5; i++) composekit.trigger('x:changed')")
    wait_until(lambda: loader.hits(slow) >= 3)  # one more, once the refresh in flight lands
    # Negative wait: a fourth would be sent as soon as the third is answered (600 ms).
    page.wait_for_timeout(1000)
    assert loader.hits(slow) == 3


def test_a_form_through_the_loader_fires_its_answers_triggers(loader: Loader) -> None:
    page = open_live(
        loader,
        f'<ck-fragment id="a" refresh-on="x:changed" src="{COUNTER}a">f</ck-fragment>'
        '<form id="f" data-ck-submit method="post" action="/loader/form/">{% csrf_token %}'
        '<input type="hidden" name="event" value="x:changed"><button>Send</button></form>',
    )
    expect(page.locator("#a")).to_have_text("a 1")
    url = page.url
    page.click("#f button")
    expect(page.locator("#a")).to_have_text("a 2")
    assert views.posts == [(True, "x:changed")]
    assert page.url == url  # no navigation
    assert page.get_attribute("#f", "aria-busy") is None


def test_a_form_without_a_token_field_sends_the_cookies_token(loader: Loader) -> None:
    page = open_live(
        loader,
        "{% csrf_token %}"  # the page sets the CSRF cookie; the form itself holds no token
        f'<ck-fragment id="a" refresh-on="x:changed" src="{COUNTER}a">f</ck-fragment>'
        '<form id="f" data-ck-submit method="post" action="/loader/form/">'
        '<input type="hidden" name="event" value="x:changed"><button>Send</button></form>',
    )
    expect(page.locator("#a")).to_have_text("a 1")
    page.click("#f button")
    expect(page.locator("#a")).to_have_text("a 2")
    assert views.posts == [(True, "x:changed")]


def test_a_form_the_server_refuses_is_then_submitted_the_ordinary_way(loader: Loader) -> None:
    page = open_live(
        loader,
        '<form id="f" data-ck-submit method="post" action="/loader/form/?fail">{% csrf_token %}'
        '<input type="hidden" name="event" value="x:changed"><button>Send</button></form>',
    )
    page.click("#f button")
    page.wait_for_url("**/loader/f/ok/?text=posted")
    assert views.posts == [(True, "x:changed"), (False, "x:changed")]


def test_without_js_the_form_posts_and_redirects(loader: Loader) -> None:
    context = loader.page.context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
    try:
        page = context.new_page()
        views.pages["nojs"] = (
            '<form id="f" data-ck-submit method="post" action="/loader/form/">{% csrf_token %}'
            '<input type="hidden" name="event" value="x:changed"><button>Send</button></form>'
        )
        page.goto(f"{loader.url}/loader/page/nojs/?live")
        page.click("#f button")
        page.wait_for_url("**/loader/f/ok/?text=posted")
        assert views.posts == [(False, "x:changed")]
    finally:
        context.close()


def test_polling_revalidates_and_does_no_dom_work_while_unchanged(loader: Loader) -> None:
    src = f"{ETAG}p"
    page = open_live(
        loader, f'<div id="watched"><ck-fragment refresh-every="200ms" src="{src}">f</ck-fragment></div>'
    )
    expect(page.locator("#watched ck-fragment")).to_have_text("p v0")
    page.evaluate(WATCH_MUTATIONS)
    wait_until(lambda: loader.hits(src) >= 5)  # four polls, each answered 304
    assert page.evaluate("ckMutations") == 0
    assert [e[1] for e in loader.events()].count("loadstart") == 1
    views.versions["p"] += 1  # the content changes on the server
    expect(page.locator("#watched ck-fragment")).to_have_text("p v1")
    assert page.evaluate("ckMutations") > 0


def test_polling_pauses_while_the_tab_is_hidden_and_resumes_at_once(loader: Loader) -> None:
    loader.page.add_init_script(HIDE)
    src = f"{ETAG}h"
    page = open_live(loader, f'<ck-fragment refresh-every="200ms" src="{src}">f</ck-fragment>')
    wait_until(lambda: loader.hits(src) >= 3)
    page.evaluate("ckSetHidden(true)")
    page.wait_for_timeout(100)  # a poll in flight may still land
    paused = loader.hits(src)
    # Negative wait: five poll intervals, in which a visible tab would have polled.
    page.wait_for_timeout(1000)
    assert loader.hits(src) == paused
    page.evaluate("ckSetHidden(false)")
    wait_until(lambda: loader.hits(src) > paused, timeout=0.5)  # due already: at once


def test_polling_waits_for_the_fragment_to_be_on_screen(loader: Loader) -> None:
    src = f"{ETAG}far"
    page = open_live(
        loader,
        f'<div style="height: 6000px">tall</div><ck-fragment id="far" refresh-every="200ms" src="{src}">f</ck-fragment>',
    )
    expect(page.locator("#far")).to_have_attribute("state", "loaded")  # eager: loaded, off-screen
    # Negative wait: five poll intervals, in which a fragment on screen would have polled.
    page.wait_for_timeout(1000)
    assert loader.hits(src) == 1
    page.locator("#far").scroll_into_view_if_needed()
    wait_until(lambda: loader.hits(src) >= 3)


def test_a_failing_poll_backs_off(loader: Loader) -> None:
    src = "/loader/f/status/?code=500&text=down"
    open_live(loader, f'<ck-fragment id="d" refresh-every="100ms" src="{src}">f</ck-fragment>')
    expect(loader.page.locator("#d")).to_have_attribute("state", "error")
    # It keeps polling, and each failure doubles the wait: 100, 200, 400, 800 ms (a busy
    # machine only makes the gaps longer). The first poll may start while the first load is
    # still failing, so only the gaps after it are measured: the time between two arrivals
    # is at least the wait the loader set in between. Without backing off the gaps would
    # all be about 100 ms.
    wait_until(lambda: loader.hits(src) >= 5, timeout=20)
    arrivals = [entry[0] for entry in views.log[src]]
    gaps = [later - earlier for earlier, later in pairwise(arrivals[1:5])]
    assert all(gap >= 0.9 * wait for gap, wait in zip(gaps, [0.2, 0.4, 0.8], strict=True)), gaps
    assert loader.page.get_attribute("#d", "state") == "error"  # polls leave the DOM alone


@override_settings(COMPOSEKIT_LIVE_TABS=["x:changed"])
def test_a_shared_event_refreshes_the_users_other_tabs(loader: Loader) -> None:
    body = f'<ck-fragment id="a" refresh-on="x:changed" src="{COUNTER}a">f</ck-fragment>'
    tab_a = open_live(loader, body)
    expect(tab_a.locator("#a")).to_have_text("a 1")
    tab_b = tab_a.context.new_page()
    tab_b.goto(tab_a.url)
    expect(tab_b.locator("#a")).to_have_text("a 2")
    tab_a.evaluate("composekit.trigger('x:changed')")
    # Both tabs refresh once; which of the two asks first is up to timing.
    wait_until(lambda: loader.hits(f"{COUNTER}a") == 4)
    wait_until(lambda: {tab_a.inner_text("#a"), tab_b.inner_text("#a")} == {"a 3", "a 4"})
    # Told by a tab of another identity (a logout and login there): not followed.
    tab_a.evaluate(
        "localStorage.setItem('composekit:event', JSON.stringify({name: 'x:changed', identity: 'someone-else', id: 1}))"
    )
    # Negative wait: a tab that followed it would refresh at once; 500 ms leaves room for a
    # busy machine.
    tab_a.wait_for_timeout(500)
    assert loader.hits(f"{COUNTER}a") == 4
    tab_b.close()
