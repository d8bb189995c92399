"""Fragments from a second origin, through django-cors-headers, with the user's cookies.

The setup of docs/cors.md, for real: the page comes from ``live_server`` on
``http://localhost:A``; fragments come from gunicorn serving tests/served/ with CORS on
``http://localhost:B``. Different ports make them different origins, so the loader needs
``COMPOSEKIT_ALLOWED_ORIGINS`` and the fragment server needs CORS; but cookies ignore ports,
so both are the same *site*: the session cookie B's login sets (SameSite=Lax) goes with the
loader's ``credentials: "include"`` fetch. Each gunicorn writes an access log with the Origin
header, which is how the tests count what the fragment server saw.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import override_settings
from playwright.sync_api import expect

from composekit.render import fragment_url
from harness.servers import Server, django_env, gunicorn, manage
from tests.browser.conftest import Loader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETTINGS = "tests.served.settings"
# The request line, the status and the Origin header of each request.
ACCESS_FORMAT = "--access-logformat=%(r)s %(s)s origin=%({origin}i)s"
ELSEWHERE = "https://www.example.com"  # a page origin that is not the test's


@dataclass
class Origin:
    """A fragment server, seen from the browser at ``url`` (localhost, not 127.0.0.1)."""

    server: Server
    url: str

    def hits(self, path: str) -> list[str]:
        """Access log lines of GET ``path``: ``<status> origin=<Origin header>``."""
        prefix = f"GET {path} HTTP/1.1 "
        return [line.removeprefix(prefix) for line in self.server.access_lines() if line.startswith(prefix)]

    def wait_hits(self, path: str, count: int) -> list[str]:
        """The hits of ``path`` once there are ``count``: gunicorn logs just after answering."""
        deadline = time.monotonic() + 5
        while len(hits := self.hits(path)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return hits


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("cors") / "db.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=path)
    return path


def serve(tmp: Path, database: str, allowed_origins: str) -> Iterator[Origin]:
    with gunicorn(
        tmp,
        env=django_env(SETTINGS, CK_SERVED_DB=database, CK_SERVED_CORS_ORIGINS=allowed_origins),
        workers=1,
        threads=4,
        access_log=True,
        extra_args=[ACCESS_FORMAT],
        ready_path="/_composekit/",
    ) as server:
        yield Origin(server, f"http://localhost:{server.port}")


@pytest.fixture(scope="module")
def fragments(tmp_path_factory: pytest.TempPathFactory, database: str, live_server: Any) -> Iterator[Origin]:
    """A fragment server that allows the test's page origin, by name and by IP."""
    origins = f"{live_server.url} {by_ip(live_server.url)}"
    yield from serve(tmp_path_factory.mktemp("fragments"), database, origins)


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[Origin]:
    """A fragment server that allows another page origin only."""
    yield from serve(tmp_path_factory.mktemp("stranger"), database, ELSEWHERE)


def by_ip(url: str) -> str:
    return url.replace("//localhost:", "//127.0.0.1:")


def placeholder(src: str) -> str:
    return f'<ck-fragment id="a" src="{src}"><i>fallback</i></ck-fragment>'


# -- in Chromium ----------------------------------------------------------------


def test_allowed_origin_loads_with_the_users_session(loader: Loader, fragments: Origin) -> None:
    page = loader.page
    page.goto(f"{fragments.url}/login/cors-alice/")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    # Set by Django on localhost:B, sent to any port of localhost: same site, so Lax is enough.
    assert (cookie["name"], cookie["domain"], cookie["sameSite"], cookie["httpOnly"]) == (
        "sessionid",
        "localhost",
        "Lax",
        True,
    )
    # 401 without the session cookie; the param only makes the URL this test's own.
    path = fragment_url("members", via="allowed")
    with override_settings(COMPOSEKIT_FRAGMENT_ORIGIN=fragments.url):
        loader.open('<div id="a">{% fragment "members" via="allowed" %}fallback{% endfragment %}</div>')
        fragment = page.locator("#a ck-fragment")
        expect(fragment).to_have_attribute("state", "loaded")
    assert fragment.get_attribute("src") == fragments.url + path
    assert fragment.inner_html() == "Hello cors-alice"
    assert [event[1] for event in loader.events()] == ["loadstart", "beforeswap", "load", "loadend"]
    assert fragments.wait_hits(path, 1) == [f"200 origin={loader.url}"]


def test_cross_site_page_gets_no_lax_session_cookie(loader: Loader, fragments: Origin) -> None:
    # The same page from 127.0.0.1:A is another *site* than localhost:B: CORS allows it,
    # but the browser keeps the SameSite=Lax session cookie to itself, so the fragment
    # server sees an anonymous user. Why docs/cors.md puts page and fragments on one site.
    page = loader.page
    page.goto(f"{fragments.url}/login/cors-frank/")
    path = fragment_url("members", via="cross-site")
    with override_settings(COMPOSEKIT_ALLOWED_ORIGINS=[fragments.url]):
        Loader(page, by_ip(loader.url)).open(placeholder(fragments.url + path))
        expect(page.locator("#a")).to_have_attribute("state", "error")
    assert loader.events()[-2:] == [["a", "error", 401, 1, "HTTP 401"], ["a", "loadend", None, None, None]]
    assert page.inner_html("#a") == "<i>fallback</i>"
    assert fragments.wait_hits(path, 1) == [f"401 origin={by_ip(loader.url)}"]


def test_origin_not_allowed_by_composekit_is_refused_before_any_request(
    loader: Loader, fragments: Origin
) -> None:
    path = fragment_url("hello", via="refused")
    page = loader.open(placeholder(fragments.url + path))
    expect(page.locator("#a")).to_have_attribute("state", "error")
    assert loader.events() == [
        ["a", "loadstart", None, None, None],
        ["a", "error", 0, 0, "src refused"],
        ["a", "loadend", None, None, None],
    ]
    assert page.inner_html("#a") == "<i>fallback</i>"
    # The server would have logged a request: one sent now shows up, alone.
    client().get(fragments.server.url + path, headers={"Origin": loader.url}, timeout=10)
    assert fragments.wait_hits(path, 1) == [f"200 origin={loader.url}"]


def test_page_origin_not_allowed_by_the_server_is_blocked_by_the_browser(
    loader: Loader, stranger: Origin
) -> None:
    page = loader.page
    page.goto(f"{stranger.url}/login/cors-bob/")
    path = fragment_url("members", via="stranger")
    with override_settings(COMPOSEKIT_ALLOWED_ORIGINS=[stranger.url]):
        loader.open(placeholder(stranger.url + path))
        expect(page.locator("#a")).to_have_attribute("state", "error", timeout=10000)
    # A CORS refusal is a network error to the page: retried, then reported with status 0.
    assert loader.events()[-2:] == [
        ["a", "error", 0, 3, "Failed to fetch"],
        ["a", "loadend", None, None, None],
    ]
    assert page.inner_html("#a") == "<i>fallback</i>"
    # The server answered each attempt with bob's fragment (his cookie was sent), but without
    # Access-Control-Allow-Origin, so the browser kept it from the page.
    assert stranger.wait_hits(path, 3) == [f"200 origin={loader.url}"] * 3


# -- the headers, over plain HTTP -----------------------------------------------


def client() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: never through a proxy from the environment
    return session


def login(origin: Origin, user: str) -> requests.Session:
    session = client()
    assert session.get(f"{origin.server.url}/login/{user}/", timeout=10).text == f"logged in as {user}"
    return session


def test_private_fragment_grants_the_page_origin_with_credentials(
    live_server: Any, fragments: Origin
) -> None:
    with login(fragments, "cors-carol") as session:
        url = fragments.server.url + fragment_url("members")
        response = session.get(url, headers={"Origin": live_server.url}, timeout=10)
    assert (response.status_code, response.text) == (200, "Hello cors-carol")
    assert response.headers["Access-Control-Allow-Origin"] == live_server.url
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Vary"] == "Accept, Cookie, origin"


def test_other_origins_get_the_response_but_no_grant(fragments: Origin) -> None:
    with login(fragments, "cors-dave") as session:
        url = fragments.server.url + fragment_url("members")
        response = session.get(url, headers={"Origin": ELSEWHERE}, timeout=10)
    # CORS is enforced by the browser: the server answers, and withholds the grant.
    assert (response.status_code, response.text) == (200, "Hello cors-dave")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Vary"] == "Accept, Cookie, origin"


@pytest.mark.parametrize("origin", [None, "allowed", ELSEWHERE])
def test_public_fragment_varies_on_origin_for_shared_caches(
    live_server: Any, fragments: Origin, origin: str | None
) -> None:
    headers = {} if origin is None else {"Origin": live_server.url if origin == "allowed" else origin}
    url = fragments.server.url + fragment_url("news", topic="cors")
    response = client().get(url, headers=headers, timeout=10)
    assert (response.status_code, response.text) == (200, "<p>News about cors</p>")
    assert response.headers["Cache-Control"] == "public, max-age=60, s-maxage=300, stale-while-revalidate=30"
    # Every answer, with or without a grant, says it depends on Origin: a shared cache must
    # not serve one origin's grant (or its absence) to another.
    assert response.headers["Vary"] == "Accept, origin"
    granted = response.headers.get("Access-Control-Allow-Origin")
    assert granted == (live_server.url if origin == "allowed" else None)


def test_preflight_is_answered_for_the_page_origin(live_server: Any, fragments: Origin) -> None:
    # The loader's GET needs none; one comes when a fetchFragment override adds a header.
    url = fragments.server.url + fragment_url("members")
    response = client().options(
        url,
        headers={
            "Origin": live_server.url,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-requested-with",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == live_server.url
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "GET" in response.headers["Access-Control-Allow-Methods"].split(", ")
    assert "x-requested-with" in response.headers["Access-Control-Allow-Headers"].split(", ")


def test_only_fragments_are_shared_cross_origin(live_server: Any, fragments: Origin) -> None:
    response = client().get(
        f"{fragments.server.url}/login/erin/", headers={"Origin": live_server.url}, timeout=10
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers  # CORS_URLS_REGEX
