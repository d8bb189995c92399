"""Shells behind a real Varnish running docs/varnish/composekit.vcl, in front of gunicorn.

Everything listens on 127.0.0.1 on free ports, lives in a temporary folder, and is stopped
by PID when the module's tests end (pass or fail). `X-Cache` (HIT / MISS / PASS) is set by
the reference VCL; a HIT is also checked by what only a cache can do: serve a body with the
same per-render id twice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import pytest
import requests

from composekit.render import fragment_url
from harness import vcl
from harness.servers import VARNISHD, Server, django_env, gunicorn, loopback_session, manage, varnishd
from tests import leaks
from tests.test_views import ACCEPT_CASES

pytestmark = pytest.mark.proxy

SETTINGS = "tests.served.settings"
USERS = leaks.USERS
LOADS_PER_USER = 50

if not os.access(VARNISHD, os.X_OK):  # pragma: no cover - make test installs it
    pytest.fail(f"varnishd not found ({VARNISHD}); run tests/system-deps.sh (make test does)", pytrace=False)


client = loopback_session


@dataclass
class Stack:
    url: str  # Varnish
    app_url: str  # gunicorn, straight
    sessions: dict[str, str]  # username -> session key
    app: Server

    def client(self, user: str | None = None) -> requests.Session:
        session = client()
        if user is not None:
            session.cookies.set("sessionid", self.sessions[user])
        return session

    def get(self, path: str, user: str | None = None, **headers: str) -> requests.Response:
        return self.client(user).get(self.url + path, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("varnish")
    db = str(tmp / "db.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    env = django_env(SETTINGS, CK_SERVED_DB=db)
    with gunicorn(tmp, env=env, ready_path="/shells/page/", access_log=True) as app:
        # Real logins, straight to gunicorn: the session cookies the clients send through Varnish.
        sessions: dict[str, str] = {}
        for user in USERS:
            with client() as session:
                assert session.get(f"{app.url}/login/{user}/", timeout=10).text == f"logged in as {user}"
                sessions[user] = cast(str, session.cookies["sessionid"])
        # The reference file, unchanged but for the backend's port.
        with varnishd(tmp, vcl=vcl.reference(tmp / "vcl", app.port)) as proxy:
            yield Stack(proxy.url, app.url, sessions, app)


fragment_srcs = leaks.fragment_srcs


def test_second_user_gets_the_shell_from_the_cache(stack: Stack) -> None:
    url = "/shells/stamped/?test=hit"
    first = stack.get(url, "shopper-0")
    second = stack.get(url, "shopper-1")
    anonymous = stack.get(url)
    assert first.status_code == second.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert (first.headers["X-Cache"], second.headers["X-Cache"], anonymous.headers["X-Cache"]) == (
        "MISS",
        "HIT",
        "HIT",
    )
    assert len(first.headers["X-Varnish"].split()) == 1
    assert len(second.headers["X-Varnish"].split()) == 2  # this request's id and the stored object's
    assert second.content == anonymous.content == first.content  # the same per-render id: one render
    assert b'<meta name="rendered" content="' in first.content
    assert "Set-Cookie" not in second.headers


def test_private_fragments_are_never_served_from_the_cache(stack: Stack) -> None:
    src = fragment_srcs(stack.get("/shells/page/?test=private").text)["shell-whoami"]
    seen = []
    for _ in range(3):
        for user in ("shopper-0", "shopper-1"):
            response = stack.get(src, user)
            assert response.status_code == 200
            assert response.text == f'<b class="who">user={user}</b>'
            assert response.headers["Cache-Control"] == "private, no-cache"
            seen.append(response.headers["X-Cache"])
    assert seen == ["PASS"] * 6


def access_line_for(app: Server, marker: str) -> str:
    """The access log line holding ``marker`` (gunicorn writes it after answering)."""
    deadline = time.monotonic() + 5
    while not (lines := [line for line in app.access_lines() if marker in line]):
        assert time.monotonic() < deadline, f"gunicorn logged no request with {marker!r}"
        time.sleep(0.01)
    [line] = lines
    return line


def test_a_private_fragment_is_revalidated_by_django_not_rendered(stack: Stack) -> None:
    """Varnish passes If-None-Match to Django, which answers 304 from get_etag() alone.

    A private fragment is a hit-for-miss object in Varnish. On a miss Varnish sends its own
    request, without the browser's If-None-Match, so Django rendered a full 200 that Varnish
    then cut down to a 304: every revalidation cost a render. The VCL passes those requests.
    """
    src = fragment_url("counted")
    first = stack.get(src, "shopper-4")
    assert (first.status_code, first.headers["Cache-Control"]) == (200, "private, max-age=30")
    backend = []
    for n in range(3):
        # The User-Agent marks this request's line in the access log (lines of other workers'
        # earlier requests may still be arriving); the URL stays the hit-for-miss one.
        marker = f"revalidation-{n}"
        again = stack.get(src, "shopper-4", **{"If-None-Match": first.headers["ETag"], "User-Agent": marker})
        assert (again.status_code, again.headers["ETag"]) == (304, first.headers["ETag"])
        backend.append(access_line_for(stack.app, f'"{marker}"'))
    # What Django itself answered each time: 304, no body, so nothing was rendered.
    assert [line.split('"')[2].split()[0] for line in backend] == ["304"] * 3, backend


def test_public_fragments_are_served_from_the_cache(stack: Stack) -> None:
    src = fragment_srcs(stack.get("/shells/page/?test=public").text)["shell-news"]
    src += "&test=public"  # a URL no other test has cached
    first = stack.get(src, "shopper-0")
    second = stack.get(src, "shopper-1", Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert first.headers["Vary"] == "Accept"
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.text == first.text  # the same per-render id
    assert first.text.startswith("<aside>news about shoes #")
    # JSON is a second variant, normalised by the VCL, cached on its own.
    as_json = [stack.get(src, user, Accept="application/json") for user in ("shopper-2", "shopper-3")]
    assert [r.headers["X-Cache"] for r in as_json] == ["MISS", "HIT"]
    assert as_json[0].json()["name"] == "shell-news"
    assert as_json[1].content == as_json[0].content


@pytest.mark.parametrize(("accept", "json"), ACCEPT_CASES)
def test_varnish_chooses_the_representation_django_would(stack: Stack, accept: str, json: bool) -> None:
    """The VCL rewrites Accept to text/html or application/json before the cache lookup:
    for every Accept composekit's tests read, Django must answer the rewritten request
    as it answers the original one, or a cached variant would hold the other."""
    src = fragment_srcs(stack.get("/shells/page/?test=accept").text)["shell-whoami"]
    headers = {"Accept": accept} if accept else {}
    straight = stack.client().get(stack.app_url + src, headers=headers, timeout=10)
    through = stack.client().get(stack.url + src, headers=headers, timeout=10)
    assert straight.headers["Content-Type"] == ("application/json" if json else "text/html; charset=utf-8")
    assert through.headers["Content-Type"] == straight.headers["Content-Type"]
    assert through.content == straight.content


def test_impure_page_is_not_cached(stack: Stack) -> None:
    for user in ("shopper-0", "shopper-1", None, "shopper-0"):
        response = stack.get("/shells/user-in-template/", user)
        assert response.text == f"<p>Hello {user or 'anonymous'}</p>\n"
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert response.headers["X-Composekit-Shell"] == (
            "not cached: the session (request.user or request.session)"
        )
        assert response.headers["X-Cache"] == "PASS"


def test_no_cross_user_leaks_under_concurrent_load(stack: Stack) -> None:
    site = leaks.Site(stack.url, stack.sessions)
    totals, figures = leaks.run(site, LOADS_PER_USER, esi=False)
    pages = len(USERS) * LOADS_PER_USER
    assert totals["page loads"] == pages, figures
    assert totals["leaks"] == 0, figures
    assert totals["wrong bodies"] == totals["errors"] == totals["bad shells"] == 0, figures
    # One render of the shell served everyone; no private fragment ever came from the cache.
    assert totals["shell MISS"] == 1 and totals["shell HIT"] == pages - 1, figures
    assert totals["private fragment HIT"] == totals["private fragment MISS"] == 0, figures
    assert totals["private fragment PASS"] == 2 * pages, figures
    assert totals["public fragment HIT"] >= pages - len(USERS), figures
