"""composekit/toolbar.py against the real django-debug-toolbar, served by gunicorn.

The toolbar keeps each request's panels in its store; its own view (``render_panel``) renders
a panel from there, as the toolbar's JS does when the panel is opened. The tests read the
Fragments panel the same way: for a page in inline mode, for a page in client mode and the
fragment requests that followed it (fetched by Chromium's loader, or by hand).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from composekit.render import fragment_url
from harness.servers import Server, django_env, gunicorn, manage

pytestmark = pytest.mark.slow  # servers with the debug toolbar, started for this module

SETTINGS = "tests.served.settings"


def serve(tmp: Path, mode: str) -> Iterator[Server]:
    db = str(tmp / f"{mode}.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    env = django_env(SETTINGS, CK_SERVED_DB=db, CK_SERVED_TOOLBAR="1", CK_SERVED_MODE=mode)
    with gunicorn(tmp, env=env, workers=1, ready_path="/toolbar-page/") as app:
        yield app


@pytest.fixture(scope="module")
def client_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory.mktemp("toolbar"), "client")


@pytest.fixture(scope="module")
def inline_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory.mktemp("toolbar"), "inline")


def panel(app: Server, request_id: str) -> str:
    response = requests.get(
        f"{app.url}/__debug__/render_panel/",
        params={"request_id": request_id, "panel_id": "FragmentsPanel"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["content"])


def rows(html: str, heading: str) -> list[list[str]]:
    """The cells of each body row of the table under ``<h4>heading</h4>``."""
    section = html.split(f"<h4>{heading}</h4>", 1)[1].split("<h4>", 1)[0]
    if "<tbody>" not in section:
        assert "<p>None.</p>" in section
        return []
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def page_request_id(html: str) -> str:
    return re.search(r'data-request-id="(\w+)"', html).group(1)  # type: ignore[union-attr]


def test_inline_page_lists_each_fragment_with_how_it_ran(inline_app: Server) -> None:
    response = requests.get(f"{inline_app.url}/toolbar-page/", timeout=10)
    content = panel(inline_app, page_request_id(response.text))
    ran = {row[0]: row for row in rows(content, "Rendered by this request")}
    assert set(ran) == {"counted", "hello", "news", "members", "cells"}
    for name in ("counted", "hello", "news", "cells"):
        assert ran[name][1:4] == ["inline", "200", "no"], ran[name]
        assert ran[name][5].startswith('"'), ran[name]  # a strong ETag
    assert ran["members"][1:3] == ["inline", "401"]
    assert ran["counted"][4] == "private, max-age=30"
    assert ran["news"][4] == "public, max-age=60, s-maxage=300, stale-while-revalidate=30"
    assert int(ran["counted"][6]) >= 2  # its queries, counted
    assert float(ran["counted"][7]) > 0
    placed = {row[0]: row[1:3] for row in rows(content, "On this page")}
    assert placed == {
        "counted": ["inline", "<ck-fragment>"],
        "hello": ["inline", "<ck-fragment>"],
        "news": ["inline", "<ck-fragment>"],
        "members": ["inline, failed", "<ck-fragment>"],
        "cells": ["inline", "<tr>"],
    }


def test_a_fragment_request_shows_its_own_fragment_and_its_304(client_app: Server) -> None:
    session = requests.Session()
    url = client_app.url + fragment_url("counted")
    first = session.get(url, timeout=10)
    again = session.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304
    [row] = rows(panel(client_app, again.headers["djdt-request-id"]), "Rendered by this request")
    assert row[:6] == ["counted", "fetch", "304", "yes", "private, max-age=30", first.headers["ETag"]]
    assert row[6] == "0"  # get_etag() answered without the query the body needs


def test_server_timing_carries_composekits_entries_and_the_toolbars(client_app: Server) -> None:
    timing = requests.get(client_app.url + fragment_url("counted"), timeout=10).headers["Server-Timing"]
    entries = [entry.split(";")[0] for entry in timing.split(", ")]
    assert {"render", "db", "TimerPanel_total", "SQLPanel_sql_time"} <= set(entries), timing


def test_client_page_lists_placeholders_and_the_requests_that_followed(
    client_app: Server, page: Page
) -> None:
    response = page.goto(f"{client_app.url}/toolbar-page/")
    assert response is not None
    request_id = page.get_attribute("#djDebug", "data-request-id")
    assert request_id
    for name in ("counted", "hello", "news", "members"):
        expect(page.locator(f'ck-fragment[name="{name}"]')).to_have_attribute(
            "state", re.compile("loaded|error")
        )
    expect(page.locator('tr[data-ck-name="cells"]')).to_have_attribute("data-ck-state", "loaded")
    content = panel(client_app, request_id)
    assert rows(content, "Rendered by this request") == []  # client mode: the page rendered none
    placed = {row[0]: row[1:5] for row in rows(content, "On this page")}
    assert placed == {
        "counted": ["client", "<ck-fragment>", "no", "yes"],
        "hello": ["client", "<ck-fragment>", "no", "yes"],
        "news": ["client", "<ck-fragment>", "yes", "no"],
        "members": ["client", "<ck-fragment>", "no", "yes"],
        "cells": ["client", "<tr>", "no", "yes"],
    }
    followed = {row[0]: row[1:4] for row in rows(content, "Requests that followed (the loader's fetches)")}
    # The private ones came in one batch, each a part of it; the public one alone.
    assert followed == {
        "counted": ["batch part", "200", "no"],
        "hello": ["batch part", "200", "no"],
        "members": ["batch part", "401", "no"],
        "cells": ["batch part", "200", "no"],
        "news": ["fetch", "200", "no"],
    }
