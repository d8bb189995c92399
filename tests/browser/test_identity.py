"""Never show a past identity: restores from the back/forward cache, identity changes, reset().

These run in a Chromium with the back/forward cache on (``bfcache_context``), and each
restore test checks ``pageshow.persisted`` so it proves the page really came back from
the cache rather than being loaded anew.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Loader
from tests.loader import views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHO = "/loader/f/whoami/?text="
PUBLIC = "/loader/f/public/?text="

# Installed before any page script: logs each pageshow, and from a restore on, the text of
# every fragment at the event and at each of the next 30 frames: what the visitor could see.
WATCH_RESTORES = """
window.ckShows = [];
window.ckSeen = [];
addEventListener('pageshow', (event) => {
  ckShows.push(event.persisted);
  if (!event.persisted) return;
  const look = () => ckSeen.push([...document.querySelectorAll('ck-fragment')].map((f) => f.textContent).join('|'));
  let frames = 0;
  const next = () => { look(); if (++frames < 30) requestAnimationFrame(next); };
  next();
});
"""


@pytest.fixture
def restorable(bfcache_context: BrowserContext, live_server: Any) -> Loader:
    views.hits.clear()
    page = bfcache_context.new_page()
    page.add_init_script(WATCH_RESTORES)
    return Loader(page, live_server.url)


def set_identity(context: BrowserContext, url: str, who: str, marker: str) -> None:
    """What a login or logout does to the cookies: another person, another marker."""
    context.add_cookies(
        [{"name": "who", "value": who, "url": url}, {"name": "ck_identity", "value": marker, "url": url}]
    )


def leave_and_come_back(page: Page, url: str) -> None:
    page.goto(url + "/loader/f/ok/?text=elsewhere")
    page.go_back(wait_until="commit")  # a restore fires no load event
    page.wait_for_function("ckShows.length >= 2")
    assert page.evaluate("ckShows") == [False, True], "the page was not restored from the back/forward cache"


def test_restore_refetches_private_fragments_and_never_shows_the_old_ones(restorable: Loader) -> None:
    page, url = restorable.page, restorable.url
    set_identity(page.context, url, "alice", "A1")
    restorable.open(
        f'<ck-fragment id="a" src="{WHO}menu"><i>menu fallback</i></ck-fragment>'
        f'<ck-fragment id="b" src="{PUBLIC}prices"><i>prices fallback</i></ck-fragment>'
        f'<ck-fragment id="c" state="loaded" src="{WHO}inline">alice inline</ck-fragment>',
        "?bfcache",
    )
    expect(page.locator("#a")).to_have_text("alice menu")
    expect(page.locator("#b")).to_have_text("public prices 1")
    set_identity(page.context, url, "bob", "B2")
    leave_and_come_back(page, url)
    expect(page.locator("#a")).to_have_text("bob menu")
    expect(page.locator("#c")).to_have_text("bob inline")
    page.wait_for_function("ckSeen.length >= 30")
    seen = page.evaluate("ckSeen")
    # From the first moment after the restore: fallbacks for the private ones, never alice.
    assert seen[0] == "menu fallback|public prices 1|"
    assert not [s for s in seen if "alice" in s]
    # The public fragment stayed as it was: no request, no flicker.
    assert restorable.hits(f"{PUBLIC}prices") == 1
    assert all("public prices 1" in s for s in seen)
    assert restorable.hits(f"{WHO}menu") == 2


def test_restore_with_the_same_person_revalidates_too(restorable: Loader) -> None:
    page, url = restorable.page, restorable.url
    set_identity(page.context, url, "alice", "A1")
    restorable.open(f'<ck-fragment id="a" src="{WHO}cart"><i>cart fallback</i></ck-fragment>', "?bfcache")
    expect(page.locator("#a")).to_have_text("alice cart")
    leave_and_come_back(page, url)
    expect(page.locator("#a")).to_have_attribute("state", "loaded")
    expect(page.locator("#a")).to_have_text("alice cart")
    assert restorable.hits(f"{WHO}cart") == 2  # what changed while away (the cart) shows


def test_a_late_element_after_a_user_switch_gets_the_current_users_html(loader: Loader) -> None:
    page, url = loader.page, loader.url
    set_identity(page.context, url, "alice", "A1")
    loader.open(
        f'<ck-fragment id="a" src="{WHO}menu">f</ck-fragment>'
        f'<ck-fragment id="b" src="{WHO}cart">f</ck-fragment>'
        f'<ck-fragment id="p" src="{PUBLIC}prices">f</ck-fragment>'
    )
    expect(page.locator("#a")).to_have_text("alice menu")
    expect(page.locator("#b")).to_have_text("alice cart")
    # bob logs in from a page that does not run the loader: no tab is told.
    set_identity(page.context, url, "bob", "B2")
    page.evaluate(
        f"""document.body.insertAdjacentHTML('beforeend', '<ck-fragment id="late" src="{WHO}menu">f</ck-fragment>')"""
    )
    expect(page.locator("#late")).to_have_text("bob menu")
    # ...and the page does not go on showing two people: the others follow.
    expect(page.locator("#a")).to_have_text("bob menu")
    expect(page.locator("#b")).to_have_text("bob cart")
    expect(page.locator("#p")).to_have_text("public prices 1")
    assert loader.hits(f"{PUBLIC}prices") == 1


def test_another_tab_logging_in_renews_this_one(loader: Loader) -> None:
    page, url = loader.page, loader.url
    set_identity(page.context, url, "alice", "A1")
    loader.open(f'<ck-fragment id="a" src="{WHO}menu">f</ck-fragment>')
    expect(page.locator("#a")).to_have_text("alice menu")
    other = page.context.new_page()
    set_identity(page.context, url, "bob", "B2")
    other.goto(f"{url}/loader/page/{next(iter(views.pages))}/")  # any page with the loader
    expect(page.locator("#a")).to_have_text("bob menu")
    other.close()


def test_reset_drops_shared_responses_and_refetches_private_fragments(loader: Loader) -> None:
    counted = "/loader/f/cached/?text=r"  # private; its body counts the requests
    page = loader.open(
        f'<ck-fragment id="a" src="{counted}">f</ck-fragment><ck-fragment id="p" src="{PUBLIC}prices">f</ck-fragment>'
    )
    expect(page.locator("#a")).to_have_text("hit 1")
    expect(page.locator("#p")).to_have_text("public prices 1")
    page.evaluate("composekit.reset()")
    expect(page.locator("#a")).to_have_text("hit 2")
    page.evaluate(
        f"""document.body.insertAdjacentHTML('beforeend', '<ck-fragment id="late" src="{counted}">f</ck-fragment>')"""
    )
    # The late element shares the response fetched after the reset, never the one before.
    expect(page.locator("#late")).to_have_text("hit 2")
    assert loader.hits(counted) == 2
    assert loader.hits(f"{PUBLIC}prices") == 1
    assert [e[:2] for e in loader.events() if e[0] == "a"] == [
        ["a", "loadstart"],
        ["a", "beforeswap"],
        ["a", "load"],
        ["a", "loadend"],
    ] * 2
