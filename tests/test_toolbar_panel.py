"""composekit/toolbar.py in process: the panel of a real DebugToolbar around a page and a fetch.

tests/test_toolbar.py drives the toolbar end to end under gunicorn (its own process, so
outside coverage); this runs the same panel class in the test process.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test import Client, RequestFactory

from composekit.render import fragment_url
from composekit.signals import fragment_rendered
from tests import pages
from tests.test_batch import BATCH, part

pytestmark = pytest.mark.django_db


@pytest.fixture
def toolbar(settings: Any) -> Any:
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "debug_toolbar"]
    settings.DEBUG_TOOLBAR_PANELS = ["composekit.toolbar.FragmentsPanel"]
    from debug_toolbar.toolbar import DebugToolbar

    return DebugToolbar


def panel_around(toolbar_class: Any, request: HttpRequest, view: Any) -> Any:
    """Runs ``view`` through the toolbar's panel, as its middleware would; the panel."""
    toolbar = toolbar_class(request, view)
    toolbar.init_store()  # a request id, and the store later panels read from
    panel = toolbar.get_panel_by_id("FragmentsPanel")
    response = panel.process_request(request)
    panel.generate_stats(request, response)
    return panel


def page_request(rf: RequestFactory) -> HttpRequest:
    return pages.page_request(rf, "/toolbar-page/")


def test_an_inline_page_lists_what_ran_and_what_it_holds(
    toolbar: Any, rf: RequestFactory, settings: Any
) -> None:
    settings.COMPOSEKIT_MODE = "inline"
    panel = panel_around(toolbar, page_request(rf), lambda r: render(r, "testapp/toolbar_page.html"))
    stats = panel.get_stats()
    ran = {entry["name"]: entry for entry in stats["ran"]}
    assert {"counted", "hello", "news", "cells"} <= set(ran)
    assert {entry["mode"] for entry in ran.values()} == {"inline"}
    assert ran["hello"]["status"] == 200 and ran["hello"]["key"].startswith("hello:")
    placed = {p["name"]: p for p in stats["placeholders"]}
    assert placed["hello"]["mode"] == "inline" and placed["cells"]["element"] == "tr"
    assert placed["members"]["mode"] == "inline, failed"  # anonymous: members answer 401
    assert panel.nav_subtitle == f"{len(stats['ran'])} rendered, {len(stats['placeholders'])} on the page"
    assert "hello" in panel.content


def test_a_client_page_lists_placeholders_and_a_fetch_lists_its_fragment(
    toolbar: Any, rf: RequestFactory, settings: Any
) -> None:
    settings.COMPOSEKIT_MODE = "client"
    page = panel_around(toolbar, page_request(rf), lambda r: render(r, "testapp/toolbar_page.html"))
    placed = page.get_stats()["placeholders"]
    assert placed and {p["mode"] for p in placed} == {"client"}
    assert page.get_stats()["ran"] == []
    assert page.content  # nothing followed in this store: an empty list, rendered

    client = Client()
    src = fragment_url("hello", who="toolbar")

    def fetch(request: HttpRequest) -> Any:
        return client.get(src, headers={"If-None-Match": '"nope"'})

    fetched = panel_around(toolbar, page_request(rf), fetch)
    [entry] = fetched.get_stats()["ran"]
    assert (entry["name"], entry["mode"], entry["status"]) == ("hello", "fetch", 200)
    assert fetched.nav_subtitle == "1 rendered"
    # The page's panel finds it among the requests that followed (the toolbar's store).
    followed = page._followed(page.get_stats())
    assert [(f["name"], f["request_id"]) for f in followed] == [("hello", fetched.toolbar.request_id)]
    assert entry["key"] in {p["key"] for p in placed}  # the same fragment and params


def test_batched_says_what_the_loader_will_do_and_nothing_for_inline(
    toolbar: Any, rf: RequestFactory, settings: Any
) -> None:
    view = lambda r: render(r, "testapp/toolbar_page.html")  # noqa: E731
    settings.COMPOSEKIT_MODE = "client"
    client = {
        p["name"]: p["batch"]
        for p in panel_around(toolbar, page_request(rf), view).get_stats()["placeholders"]
    }
    assert client["hello"] is True and client["news"] is False  # news is public: alone
    settings.COMPOSEKIT_MODE = "inline"
    panel = panel_around(toolbar, page_request(rf), view)
    inline = {p["name"]: p["batch"] for p in panel.get_stats()["placeholders"]}
    assert set(inline) == set(client) and set(inline.values()) == {None}  # rendered, never fetched
    # The "On this page" row: fragment, mode, element, public, batched, URL.
    start = "<td>hello</td><td>inline</td><td>&lt;ck-fragment&gt;</td><td>no</td><td>-</td><td><code>"
    assert sum(row.startswith(start) for row in panel.content.split("<tr>")) == 1


@pytest.mark.parametrize("on", [True, False])
def test_the_hint_about_update_on_fetch_matches_the_setting(
    toolbar: Any, rf: RequestFactory, settings: Any, on: bool
) -> None:
    settings.COMPOSEKIT_MODE = "client"
    settings.DEBUG_TOOLBAR_CONFIG = {"UPDATE_ON_FETCH": on}
    content = panel_around(
        toolbar, page_request(rf), lambda r: render(r, "testapp/toolbar_page.html")
    ).content
    assert ("Turn on <code>DEBUG_TOOLBAR_CONFIG" in content) is not on
    assert ("<code>UPDATE_ON_FETCH</code> is on" in content) is on


def test_a_batch_lists_its_parts(toolbar: Any, rf: RequestFactory) -> None:
    client = Client()
    panel = panel_around(
        toolbar,
        page_request(rf),
        lambda r: client.get(f"{BATCH}?f={part('hello', {'who': 'a'})}&f={part('news')}"),
    )
    assert sorted((e["name"], e["mode"]) for e in panel.get_stats()["ran"]) == [
        ("hello", "batch part"),
        ("news", "batch part"),
    ]


def test_only_the_current_requests_fragments_are_listed(toolbar: Any, rf: RequestFactory) -> None:
    client = Client()
    src = fragment_url("hello", who="outside")

    def regenerated_after(request: HttpRequest) -> Any:
        response = client.get(src)
        # A server-cache regeneration after the response: it has no response of its own.
        fragment_rendered.send(
            sender=None,
            name="hello",
            duration=0.0,
            queries=0,
            db_time=0.0,
            status=200,
            inline=False,
            batch=False,
            cache="regenerated",
            request=request,
            response=None,
        )
        return response

    panel = panel_around(toolbar, page_request(rf), regenerated_after)
    assert [e["name"] for e in panel.get_stats()["ran"]] == ["hello"]  # not the regeneration
    client.get(src)  # outside any toolbar request: recorded nowhere
    assert [e["name"] for e in panel.get_stats()["ran"]] == ["hello"]


def test_json_and_streams_hold_no_placeholders(toolbar: Any, rf: RequestFactory) -> None:
    panel = panel_around(
        toolbar, page_request(rf), lambda r: HttpResponse("{}", content_type="application/json")
    )
    assert panel.get_stats()["placeholders"] == []


# -- Server-Timing through the toolbar's middleware -------------------------------------------

urlpatterns: list[Any] = []  # this module as ROOT_URLCONF: the tests' URLs and the toolbar's


@pytest.fixture
def toolbar_middleware(settings: Any) -> None:
    settings.DEBUG = True
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "debug_toolbar"]  # before its imports
    from debug_toolbar.settings import PANELS_DEFAULTS
    from debug_toolbar.toolbar import debug_toolbar_urls

    from tests.urls import urlpatterns as test_urlpatterns

    urlpatterns[:] = [*test_urlpatterns, *debug_toolbar_urls()]  # none unless DEBUG
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *settings.MIDDLEWARE]
    settings.DEBUG_TOOLBAR_PANELS = [*PANELS_DEFAULTS, "composekit.toolbar.FragmentsPanel"]
    settings.DEBUG_TOOLBAR_CONFIG = {"SHOW_TOOLBAR_CALLBACK": lambda request: True}


# composekit's entries, after the toolbar's panels' (the Fragments panel comes last).
COMPOSEKIT_TIMING = re.compile(r', render;dur=\d+\.\d, db;dur=\d+\.\d;desc="2 queries"$')


@pytest.mark.usefixtures("toolbar_middleware")
def test_composekit_server_timing_survives_the_toolbar(client: Client) -> None:
    timing = client.get(fragment_url("counted"))["Server-Timing"]
    assert COMPOSEKIT_TIMING.search(timing), timing
    assert "TimerPanel_total;dur=" in timing and "SQLPanel_sql_time;dur=" in timing  # the toolbar's
    batch = client.get(f"{BATCH}?f={part('hello')}")["Server-Timing"]
    assert re.search(r', batch;dur=\d+\.\d;desc="1 parts"$', batch) and "TimerPanel_total;dur=" in batch


@pytest.mark.usefixtures("toolbar_middleware")
def test_without_the_panel_the_toolbar_replaces_it(client: Client, settings: Any) -> None:
    from debug_toolbar.settings import PANELS_DEFAULTS

    settings.DEBUG_TOOLBAR_PANELS = PANELS_DEFAULTS  # what the panel is there to fix
    timing = client.get(fragment_url("counted"))["Server-Timing"]
    assert "TimerPanel_total;dur=" in timing and "render;dur=" not in timing


@pytest.mark.usefixtures("toolbar_middleware")
def test_with_server_timing_off_the_toolbar_keeps_its_own(client: Client, settings: Any) -> None:
    settings.COMPOSEKIT_SERVER_TIMING = False
    timing = client.get(fragment_url("counted"))["Server-Timing"]
    assert "TimerPanel_total;dur=" in timing and "render;dur=" not in timing
    assert not timing.startswith(", ")
