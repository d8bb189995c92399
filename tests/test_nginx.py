"""The nginx recipe (docs/nginx/composekit.conf) for real: nginx with proxy_cache in front of
gunicorn serving the test app. Only the ports and the cache folder are rewritten
(harness/nginx_conf.py). ``X-Cache`` is nginx's ``$upstream_cache_status``; a HIT is also
checked by what only a cache can do: serve a body with the same per-render id twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import pytest
import requests

from composekit.render import fragment_url
from harness import nginx_conf
from harness.servers import NGINX, django_env, free_port, gunicorn, manage, nginx
from tests.shells import fragments as _shell_fragments  # noqa: F401  # registers shell-news, ...
from tests.test_views import ACCEPT_CASES

pytestmark = pytest.mark.proxy

SETTINGS = "tests.served.settings"
USERS = ("shopper-0", "shopper-1")

if not os.access(NGINX, os.X_OK):  # pragma: no cover - make test installs it
    pytest.fail(f"nginx not found ({NGINX}); run tests/system-deps.sh (make test does)", pytrace=False)


@dataclass
class Stack:
    url: str  # nginx
    app_url: str  # gunicorn, straight
    sessions: dict[str, str]  # username -> session key

    def get(
        self, path: str, user: str | None = None, *, straight: bool = False, **headers: str
    ) -> requests.Response:
        with requests.Session() as session:
            session.trust_env = False  # loopback only: no proxies from the environment
            if user is not None:
                session.cookies.set("sessionid", self.sessions[user])
            return session.get((self.app_url if straight else self.url) + path, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("nginx")
    db = str(tmp / "db.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    with gunicorn(tmp, env=django_env(SETTINGS, CK_SERVED_DB=db), ready_path="/shells/page/") as app:
        sessions: dict[str, str] = {}
        for user in USERS:
            with requests.Session() as session:
                session.trust_env = False
                assert session.get(f"{app.url}/login/{user}/", timeout=10).text == f"logged in as {user}"
                sessions[user] = cast(str, session.cookies["sessionid"])
        port = free_port()
        conf = nginx_conf.reference(tmp / "nginx-conf", app_port=app.port, port=port)
        with nginx(tmp, include=conf, port=port) as proxy:
            yield Stack(proxy.url, app.url, sessions)


def test_html_and_json_of_one_public_fragment_each_get_their_own(stack: Stack) -> None:
    src = fragment_url("shell-news", topic="nginx")
    html = stack.get(src, "shopper-0", Accept="text/html")
    assert (html.status_code, html.headers["X-Cache"]) == (200, "MISS")
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert html.headers["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert html.text.startswith("<aside>news about nginx #")

    # JSON at the same URL: Django's own answer, never the cached HTML, and never stored.
    as_json = [stack.get(src, user, Accept="application/json") for user in (*USERS, None)]
    assert [r.headers["X-Cache"] for r in as_json] == ["BYPASS"] * 3
    assert {r.headers["Content-Type"] for r in as_json} == {"application/json"}
    assert [r.json()["name"] for r in as_json] == ["shell-news"] * 3
    assert len({r.json()["html"] for r in as_json}) == 3  # rendered each time

    # The HTML is served from the cache to everyone who asks as the loader does, and the
    # JSON requests did not replace it.
    for user in ("shopper-1", None):
        again = stack.get(src, user, Accept="text/html")
        assert (again.headers["X-Cache"], again.text) == ("HIT", html.text)
        assert again.headers["Content-Type"] == "text/html; charset=utf-8"
    # Another Accept is another copy (Vary: Accept), of HTML too, kept beside the first.
    other = [stack.get(src, user, Accept="*/*") for user in USERS]
    assert [r.headers["X-Cache"] for r in other] == ["MISS", "HIT"]
    assert other[1].text == other[0].text != html.text
    assert other[0].headers["Content-Type"] == "text/html; charset=utf-8"
    assert stack.get(src, Accept="text/html").text == html.text


@pytest.mark.parametrize(("accept", "json"), ACCEPT_CASES)
def test_nginx_answers_the_representation_django_would(stack: Stack, accept: str, json: bool) -> None:
    """For every Accept composekit's tests read, the answer through nginx is Django's own
    (asked twice: the second may come from the cache)."""
    src = fragment_url("shell-news", topic=f"accept {accept}")  # public: nginx may keep it
    headers = {"Accept": accept} if accept else {}
    straight = stack.get(src, straight=True, **headers)
    assert straight.headers["Content-Type"] == ("application/json" if json else "text/html; charset=utf-8")
    seen = []
    for _ in range(2):
        through = stack.get(src, **headers)  # type: ignore[arg-type]
        assert through.headers["Content-Type"] == straight.headers["Content-Type"]
        seen.append(through.headers["X-Cache"])
    # What may be JSON passes by the cache (JSON always does); the rest is kept.
    json_range = re.search(r"(?i)application/(json|\*)", accept) is not None
    assert seen == (["BYPASS", "BYPASS"] if json_range else ["MISS", "HIT"])
    assert json_range or not json


def test_private_fragments_are_never_cached(stack: Stack) -> None:
    for src in (fragment_url("shell-whoami"), fragment_url("shell-cart", sku="AB-1")):
        seen = []
        for _ in range(2):
            for user in USERS:
                response = stack.get(src, user)
                assert response.status_code == 200
                assert response.headers["Cache-Control"].startswith("private, ")
                if "whoami" in src:
                    assert response.text == f'<b class="who">user={user}</b>'
                seen.append(response.headers["X-Cache"])
        assert seen == ["MISS"] * 4, src  # asked of Django every time, never stored


def test_a_shell_is_served_from_the_cache_to_every_visitor(stack: Stack) -> None:
    url = "/shells/stamped/?test=nginx"
    first = stack.get(url, "shopper-0")
    second = stack.get(url, "shopper-1")
    anonymous = stack.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert [r.headers["X-Cache"] for r in (first, second, anonymous)] == ["MISS", "HIT", "HIT"]
    assert second.content == anonymous.content == first.content  # the same per-render id: one render
    assert "Set-Cookie" not in second.headers


def test_a_page_that_read_the_session_is_not_cached(stack: Stack) -> None:
    for user in ("shopper-0", "shopper-1", "shopper-0"):
        response = stack.get("/shells/user-in-template/", user)
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert response.headers["X-Cache"] == "MISS"
        assert f"Hello {user}" in response.text
