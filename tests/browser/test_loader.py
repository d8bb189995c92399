"""The loader contract, each behaviour in a real Chromium against the live test server."""

from __future__ import annotations

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.conftest import Loader
from tests.loader import views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OK = "/loader/f/ok/?text="


def test_eager_fragment_loads_with_events_in_order(loader: Loader) -> None:
    page = loader.open(f'<ck-fragment id="a" src="{OK}hello"><i>fallback</i></ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.inner_html("#a") == "<span>hello</span>"
    assert page.get_attribute("#a", "aria-busy") is None
    assert loader.wait_events(4) == [
        ["a", "loadstart", None, None, None],
        ["a", "beforeswap", None, None, None],
        ["a", "load", None, None, None],
        ["a", "loadend", None, None, None],
    ]
    assert loader.hits(f"{OK}hello") == 1


def test_request_is_a_same_origin_get_asking_for_html(loader: Loader) -> None:
    page = loader.open(f'<ck-fragment id="a" src="{OK}headers"></ck-fragment>')
    page.context.add_cookies([{"name": "sessionid", "value": "abc", "url": loader.url}])
    page.evaluate("document.getElementById('a').reload()")
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    [(_, accept, _), (_, accept_again, cookie_sent)] = views.log[f"{OK}headers"]
    assert accept == accept_again == "text/html"
    assert cookie_sent  # credentials: same-origin sends the session cookie


def test_loading_state_and_aria_busy_while_in_flight(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/slow/?ms=800&text=late">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loading")
    expect(page.locator("#a")).to_have_attribute("aria-busy", "true")
    assert page.inner_text("#a") == "fallback"
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.get_attribute("#a", "aria-busy") is None


def test_lazy_fragment_waits_for_the_viewport(loader: Loader) -> None:
    page = loader.open(
        f'<div style="height: 5000px">tall</div><ck-fragment id="a" loading="lazy" src="{OK}lazy">'
        "fallback</ck-fragment>"
    )
    page.wait_for_load_state("load")
    assert page.get_attribute("#a", "state") is None
    assert loader.hits(f"{OK}lazy") == 0
    page.locator("#a").scroll_into_view_if_needed()
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert loader.hits(f"{OK}lazy") == 1


@override_settings(COMPOSEKIT_LAZY_MARGIN="6000px")
def test_lazy_margin_is_configurable(loader: Loader) -> None:
    page = loader.open(
        f'<div style="height: 5000px">tall</div><ck-fragment id="a" loading="lazy" src="{OK}near">'
        "fallback</ck-fragment>"
    )
    expect(page.locator("#a")).to_have_attribute("state", "loaded")


def test_timeout_is_an_error_and_keeps_the_fallback(loader: Loader) -> None:
    page = loader.open(
        '<ck-fragment id="a" timeout="300" src="/loader/f/slow/?ms=3000"><b>fallback</b></ck-fragment>'
    )
    expect(page.locator("#a")).to_have_attribute("state", "error", timeout=15000)
    assert page.inner_html("#a") == "<b>fallback</b>"
    # The timeout is the whole load's deadline: the attempt that hung used it all, no retry.
    assert loader.events()[-2:] == [["a", "error", 0, 1, "timeout"], ["a", "loadend", None, None, None]]
    assert loader.hits("/loader/f/slow/?ms=3000") == 1


@override_settings(COMPOSEKIT_RETRIES=0, COMPOSEKIT_TIMEOUT=300)
def test_global_timeout_from_the_script_tag(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/slow/?ms=3000">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error")
    assert loader.events()[-2] == ["a", "error", 0, 1, "timeout"]


def test_503_is_retried_until_it_passes(loader: Loader) -> None:
    src = "/loader/f/status/?code=503&fail=2&text=ok"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.inner_text("#a") == "ok after 3"
    assert loader.hits(src) == 3
    # Retries are invisible to events: one loadstart, one load.
    assert [e[1] for e in loader.events()] == ["loadstart", "beforeswap", "load", "loadend"]


@pytest.mark.parametrize("code", [502, 504])
def test_other_gateway_errors_are_retried(loader: Loader, code: int) -> None:
    src = f"/loader/f/status/?code={code}&fail=1&text=ok"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert loader.hits(src) == 2


def test_retry_after_is_honoured(loader: Loader) -> None:
    src = "/loader/f/status/?code=503&fail=1&retry_after=2&text=ok"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded", timeout=10000)
    first, second = (entry[0] for entry in views.log[src])
    # Backoff alone would retry within 450 ms; Retry-After asked for 2 s.
    assert second - first >= 1.9


def test_retries_give_up_with_the_last_status(loader: Loader) -> None:
    src = "/loader/f/status/?code=503"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error", timeout=10000)
    assert loader.hits(src) == 3  # the first try and the default 2 retries
    assert loader.events()[-2] == ["a", "error", 503, 3, "HTTP 503"]
    assert page.inner_text("#a") == "fallback"


@pytest.mark.parametrize("code", [400, 403, 404, 429, 500])
def test_other_errors_are_never_retried(loader: Loader, code: int) -> None:
    src = f"/loader/f/status/?code={code}"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error")
    # The error state comes only once the loader gives up (after the last retry, see
    # test_retries_give_up_with_the_last_status): one try at that point is no retry at all.
    assert loader.events()[-2] == ["a", "error", code, 1, f"HTTP {code}"]
    assert loader.hits(src) == 1


def test_removal_aborts_the_request_and_its_retries(loader: Loader) -> None:
    # Retry-After 2 s: the removal comes well before the retry, even on a loaded machine.
    src = "/loader/f/status/?code=503&retry_after=2"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    page.wait_for_function("() => true", polling=100)
    expect(page.locator("#a")).to_have_attribute("state", "loading")
    page.wait_for_timeout(200)
    page.evaluate("document.getElementById('a').remove()")
    hits_at_removal = loader.hits(src)
    page.wait_for_timeout(2500)  # past Retry-After: a retry would have been sent
    assert loader.hits(src) == hits_at_removal == 1
    assert [e[1] for e in loader.events()] == ["loadstart"]  # abandoned: nothing after it


def test_removal_aborts_a_slow_response(loader: Loader) -> None:
    page = loader.open(
        '<div id="box"><ck-fragment id="a" src="/loader/f/slow/?ms=1000">f</ck-fragment></div>'
    )
    expect(page.locator("#a")).to_have_attribute("state", "loading")
    page.evaluate("window.kept = document.getElementById('a'); kept.remove()")
    page.wait_for_timeout(1500)  # negative: past the 1 s answer, which must not be swapped in
    assert page.evaluate("kept.innerHTML") == "f"
    assert page.evaluate("kept.getAttribute('state')") == "loading"
    assert [e[1] for e in loader.events()] == ["loadstart"]


def test_cross_origin_src_is_refused(loader: Loader) -> None:
    other = loader.url.replace("localhost", "127.0.0.1")
    src = f"{other}/loader/f/cors/?text=other"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error")
    assert loader.events()[-2] == ["a", "error", 0, 0, "src refused"]
    assert loader.hits("/loader/f/cors/?text=other") == 0


def test_allowed_cross_origin_is_fetched(loader: Loader) -> None:
    other = loader.url.replace("localhost", "127.0.0.1")
    with override_settings(COMPOSEKIT_ALLOWED_ORIGINS=[other]):
        page = loader.open(
            f'<ck-fragment id="a" src="{other}/loader/f/cors/?text=other">fallback</ck-fragment>'
        )
        expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.inner_html("#a") == "<span>other</span>"


@pytest.mark.parametrize(("kind", "message"), [("json", "not text/html"), ("redirect", "redirected")])
def test_non_html_and_redirected_responses_are_refused(loader: Loader, kind: str, message: str) -> None:
    page = loader.open(f'<ck-fragment id="a" src="/loader/f/{kind}/">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error")
    assert loader.events()[-2] == ["a", "error", 200, 1, message]
    assert page.inner_text("#a") == "fallback"


def test_swap_replaces_children_and_keeps_the_element(loader: Loader) -> None:
    page = loader.open(f'<ck-fragment id="a" name="x" src="{OK}new"><i>old</i><b>older</b></ck-fragment>')
    page.evaluate("window.original = document.getElementById('a')")
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.evaluate("document.getElementById('a') === original")
    assert page.evaluate("original.outerHTML") == (
        f'<ck-fragment id="a" name="x" src="{OK}new" state="loaded"><span>new</span></ck-fragment>'
    )


def test_beforeswap_can_cancel_or_replace(loader: Loader) -> None:
    page = loader.open(
        "<script>document.addEventListener('ck:beforeswap', (e) => {"
        "  if (e.target.id === 'cancel') e.preventDefault();"
        "  if (e.target.id === 'replace') e.detail.html = '<em>replaced</em>';"
        "});</script>"
        f'<ck-fragment id="cancel" src="{OK}one">kept</ck-fragment>'
        f'<ck-fragment id="replace" src="{OK}two">old</ck-fragment>'
    )
    expect(page.locator("#cancel")).to_have_attribute("state", "loaded")
    expect(page.locator("#replace")).to_have_attribute("state", "loaded")
    assert page.inner_html("#cancel") == "kept"
    assert page.inner_html("#replace") == "<em>replaced</em>"


def test_same_src_is_fetched_once(loader: Loader) -> None:
    page = loader.open(
        f'<ck-fragment id="a" src="{OK}twice">1</ck-fragment><ck-fragment id="b" src="{OK}twice">2</ck-fragment>'
    )
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    expect(page.locator("#b")).to_have_attribute("state", "loaded")
    assert page.inner_html("#a") == page.inner_html("#b") == "<span>twice</span>"
    assert loader.hits(f"{OK}twice") == 1


def test_nested_fragments_load(loader: Loader) -> None:
    src = f"/loader/f/nest/?text=outer&child={OK}inner"
    page = loader.open(f'<ck-fragment id="a" src="{src.replace("&", "&amp;")}">fallback</ck-fragment>')
    inner = page.locator("#a ck-fragment")
    expect(inner).to_have_attribute("state", "loaded")
    assert inner.inner_html() == "<span>inner</span>"


def test_self_inclusion_is_refused(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/self/">fallback</ck-fragment>')
    inner = page.locator("#a ck-fragment")
    expect(inner).to_have_attribute("state", "error")
    assert inner.inner_text() == "f"
    [error] = [e for e in loader.events() if e[1] == "error"]
    assert error[2:] == [0, 0, "includes itself"]
    assert loader.hits("/loader/f/self/") == 1


@override_settings(COMPOSEKIT_MAX_DEPTH=2)
def test_depth_limit(loader: Loader) -> None:
    inner = f"/loader/f/nest/?text=3%26child={OK}4"  # each level a distinct src
    middle = f"/loader/f/nest/?text=2%26child={inner.replace('%26', '%2526')}"
    page = loader.open(f'<ck-fragment id="a" src="/loader/f/nest/?text=1&amp;child={middle}">f</ck-fragment>')
    page.wait_for_function("ckEvents.some((e) => e[1] === 'error')")
    [error] = [e for e in loader.events() if e[1] == "error"]
    assert error[2:] == [0, 0, "too deep"]
    assert page.evaluate("document.querySelectorAll('ck-fragment').length") == 3


def test_reload_fetches_again(loader: Loader) -> None:
    src = "/loader/f/status/?code=500&fail=1&text=second"
    page = loader.open(f'<ck-fragment id="a" name="n" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "error")
    page.evaluate("document.getElementById('a').reload()")
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.inner_text("#a") == "second after 2"


def test_reload_revalidates_what_the_browser_cache_holds(loader: Loader) -> None:
    src = "/loader/f/cached/?text=x"
    page = loader.open(f'<ck-fragment id="a" src="{src}">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_text("hit 1")
    # A plain fetch of the URL is answered by the browser's cache (max-age=60)...
    assert page.evaluate(f"fetch('{src}').then((r) => r.text())") == "<span>hit 1</span>"
    assert loader.hits(src) == 1
    # ...but reload() follows a change, so it asks the server.
    page.evaluate("document.getElementById('a').reload()")
    expect(page.locator("#a")).to_have_text("hit 2")
    assert loader.hits(src) == 2


def test_composekit_reload_by_name(loader: Loader) -> None:
    page = loader.open(
        f'<ck-fragment id="a" name="cart" src="{OK}a">1</ck-fragment>'
        f'<ck-fragment id="b" name="cart" src="{OK}b">2</ck-fragment>'
        f'<ck-fragment id="c" name="other" src="{OK}c">3</ck-fragment>'
    )
    for fragment_id in "abc":
        expect(page.locator(f"#{fragment_id}")).to_have_attribute("state", "loaded")
    page.evaluate("composekit.reload('cart')")
    page.wait_for_function("ckEvents.filter((e) => e[1] === 'loadend').length === 5")
    assert (loader.hits(f"{OK}a"), loader.hits(f"{OK}b"), loader.hits(f"{OK}c")) == (2, 2, 1)


def test_scripts_in_fragments_do_not_run(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/script/?text=ran">f</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.locator("#a script").count() == 1  # inserted, inert
    assert page.evaluate("window.ranFragmentScript") is None


def test_scripts_run_when_allowed_per_element(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" allow-scripts src="/loader/f/script/?text=ran">f</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.evaluate("window.ranFragmentScript") == "ran"


@override_settings(COMPOSEKIT_ALLOW_SCRIPTS=True)
def test_scripts_run_when_allowed_globally(loader: Loader) -> None:
    page = loader.open('<ck-fragment id="a" src="/loader/f/script/?text=global">f</ck-fragment>')
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    assert page.evaluate("window.ranFragmentScript") == "global"


def test_elements_added_later_load(loader: Loader) -> None:
    page = loader.open('<div id="box"></div>')
    page.evaluate(
        f"""document.getElementById('box').innerHTML = '<ck-fragment id="late" src="{OK}late">f</ck-fragment>'"""
    )
    expect(page.locator("#late")).to_have_attribute("state", "loaded")
    assert page.inner_html("#late") == "<span>late</span>"


def test_a_new_src_is_loaded(loader: Loader) -> None:
    page = loader.open(f'<ck-fragment id="a" src="{OK}first">fallback</ck-fragment>')
    expect(page.locator("#a")).to_have_text("first")
    page.evaluate(f"document.getElementById('a').setAttribute('src', '{OK}second')")
    expect(page.locator("#a")).to_have_text("second")
    page.evaluate(f"document.getElementById('a').setAttribute('src', '{OK}second')")  # the same: nothing
    page.wait_for_function("ckEvents.filter((e) => e[1] === 'loadend').length === 2")
    assert [e[1] for e in loader.events()] == ["loadstart", "beforeswap", "load", "loadend"] * 2
    assert (loader.hits(f"{OK}first"), loader.hits(f"{OK}second")) == (1, 1)


def test_a_new_src_on_a_lazy_element_waits_for_the_viewport(loader: Loader) -> None:
    page = loader.open(
        f'<div style="height: 5000px">tall</div><ck-fragment id="a" loading="lazy" src="{OK}old">'
        "fallback</ck-fragment>"
    )
    page.wait_for_load_state("load")
    page.evaluate(f"document.getElementById('a').setAttribute('src', '{OK}new')")
    assert page.get_attribute("#a", "state") is None
    page.locator("#a").scroll_into_view_if_needed()
    expect(page.locator("#a")).to_have_text("new")
    assert (loader.hits(f"{OK}old"), loader.hits(f"{OK}new")) == (0, 1)


def test_a_new_src_on_a_server_rendered_fragment_is_loaded(loader: Loader) -> None:
    page = loader.open(
        f'<ck-fragment id="a" state="loaded" src="{OK}inline"><p>from the server</p></ck-fragment>'
    )
    page.evaluate(f"document.getElementById('a').setAttribute('src', '{OK}moved')")
    expect(page.locator("#a")).to_have_text("moved")


def test_server_rendered_fragments_are_not_fetched(loader: Loader) -> None:
    page = loader.open(
        f'<ck-fragment id="a" state="loaded" src="{OK}inline"><p>from the server</p></ck-fragment>'
    )
    page.wait_for_load_state("load")
    assert loader.hits(f"{OK}inline") == 0
    page.evaluate("document.getElementById('a').reload()")
    expect(page.locator("#a")).to_have_text("inline")


def test_requests_start_while_the_shell_is_still_being_parsed(loader: Loader) -> None:
    page = loader.page
    page.goto(f"{loader.url}/loader/stream/")
    expect(page.locator("#early")).to_have_attribute("state", "loaded")
    [(fragment_requested, _, _)] = views.log[f"{OK}early"]
    [stall_ended] = views.stream_finished
    # The fragment was requested while the server was still stalling mid-page (within its
    # 1.5 s, which leaves a loaded machine time to parse the first chunk).
    assert fragment_requested < stall_ended


def test_real_fragment_end_to_end(loader: Loader) -> None:
    page = loader.page
    page.goto(f"{loader.url}/page/?who=e2e&loading=lazy")
    expect(page.locator("ck-fragment")).to_have_text("Hello anonymous from e2e")
