"""Kept fragments shared by the tabs of one browser (localStorage), in real Chromium.

A new tab shows what another tab kept, without a request, while it is fresh; an identity
change in one tab (a logout, a login) drops what every tab kept; and a page that loads under
another identity, or without the identity cookie, never shows them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Loader
from tests.loader import views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINE = "/loader/f/mine/?text=menu"  # private, max-age=300, names the cookie "who", counts renders
BODY = f'<ck-fragment id="m" src="{MINE}">…</ck-fragment>'


def set_identity(context: BrowserContext, url: str, who: str, marker: str) -> None:
    """What a login or logout does to the cookies: another person, another marker."""
    context.add_cookies(
        [{"name": "who", "value": who, "url": url}, {"name": "ck_identity", "value": marker, "url": url}]
    )


def open_tab(context: BrowserContext, loader: Loader, page_name: str) -> Page:
    tab = context.new_page()
    tab.goto(f"{loader.url}/loader/page/{page_name}/")
    return tab


def fetched(tab: Page) -> list[str]:
    """The fragment requests this tab made (the HTTP cache's answers included)."""
    entries: list[str] = tab.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
    return [name for name in entries if "/loader/f/mine/" in name]


def kept_keys(tab: Page) -> list[str]:
    keys: list[str] = tab.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('composekit:fragment:'))"
    )
    return keys


@pytest.fixture
def first(loader: Loader) -> tuple[Loader, str]:
    """Alice's first tab, showing her kept fragment; the test page's name."""
    set_identity(loader.page.context, loader.url, "alice", "A1")
    loader.open(BODY)
    expect(loader.page.locator("#m")).to_have_text("alice menu 1")
    return loader, next(reversed(views.pages))


def test_a_new_tab_shows_the_kept_fragment_without_a_request(first: tuple[Loader, str]) -> None:
    loader, name = first
    tab = open_tab(loader.page.context, loader, name)
    expect(tab.locator("#m")).to_have_text("alice menu 1")  # the first render, kept
    tab.wait_for_load_state("networkidle")
    assert fetched(tab) == []
    assert loader.hits(MINE) == 1
    tab.close()


def test_a_logout_in_one_tab_drops_what_every_tab_kept(first: tuple[Loader, str]) -> None:
    loader, name = first
    context = loader.page.context
    other = open_tab(context, loader, name)
    expect(other.locator("#m")).to_have_text("alice menu 1")
    # Tab A logs out: the answer moves the cookies, and the page it shows next sees it.
    set_identity(context, loader.url, "nobody", "N2")
    loader.page.goto(f"{loader.url}/loader/page/{name}/")
    expect(loader.page.locator("#m")).to_have_text("nobody menu 2")
    # Tab B heard of it (a storage event): nothing of alice is shown or kept there.
    expect(other.locator("#m")).to_have_text(re.compile(r"^nobody menu \d$"))
    assert "alice" not in other.evaluate("JSON.stringify(localStorage)")
    fresh = open_tab(context, loader, name)
    expect(fresh.locator("#m")).not_to_contain_text("alice")
    for tab in (other, fresh):
        tab.close()


def test_another_identity_in_the_same_browser_never_sees_them(first: tuple[Loader, str]) -> None:
    loader, name = first
    context = loader.page.context
    loader.page.goto("about:blank")  # no tab of the origin is open when bob logs in
    set_identity(context, loader.url, "bob", "B3")
    tab = open_tab(context, loader, name)
    expect(tab.locator("#m")).to_have_text("bob menu 2")
    assert [key.endswith(MINE) for key in kept_keys(tab)] == [True]  # bob's alone now
    tab.close()


def test_a_page_without_the_identity_cookie_drops_them(first: tuple[Loader, str]) -> None:
    loader, name = first
    context = loader.page.context
    loader.page.goto("about:blank")
    # The cookies went (cleared, or ended with the browser): the storage did not.
    context.clear_cookies()
    tab = open_tab(context, loader, name)
    expect(tab.locator("#m")).to_have_text("nobody menu 2")
    assert loader.hits(MINE) == 2
    tab.close()
