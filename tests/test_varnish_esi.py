"""ESI through a real Varnish running docs/varnish/composekit.vcl, in front of gunicorn.

One gunicorn serves the test app in ESI mode behind Varnish, a second serves it in inline
mode on the same database and Redis, for comparison: a page Varnish assembles must be the
page inline mode renders, byte for byte, for every user. Everything listens on 127.0.0.1,
lives in a temporary folder and is stopped by PID.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
import requests
from playwright.sync_api import Page, expect

from composekit.render import fragment_url
from harness import vcl
from harness.servers import Server, django_env, gunicorn, manage, redis_server, varnishd
from tests.recorder import poll

pytestmark = pytest.mark.proxy

SETTINGS = "tests.served.settings"
USERS = ["esi-ann", "esi-bob", "esi-cy"]


def client(user_session: str | None = None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only
    if user_session is not None:
        session.cookies.set("sessionid", user_session)
    return session


@dataclass
class Stack:
    url: str  # Varnish, in front of the ESI app
    esi: Server
    inline: Server
    sessions: dict[str, str]

    def get(self, base: str, path: str, user: str | None = None, **headers: str) -> requests.Response:
        with client(self.sessions[user] if user else None) as session:
            return session.get(base + path, headers=headers, timeout=10)


def log_in(app: Server, users: list[str]) -> dict[str, str]:
    sessions: dict[str, str] = {}
    for user in users:
        with client() as session:
            assert session.get(f"{app.url}/login/{user}/", timeout=10).text == f"logged in as {user}"
            sessions[user] = cast(str, session.cookies["sessionid"])
    return sessions


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("varnish-esi")
    db = str(tmp / "db.sqlite3")
    manage(SETTINGS, "migrate", "--run-syncdb", CK_SERVED_DB=db)
    with redis_server(tmp) as redis:
        shared = {"CK_SERVED_DB": db, "CK_SERVED_REDIS": f"redis://127.0.0.1:{redis.port}"}
        with (
            gunicorn(tmp, env=django_env(SETTINGS, CK_SERVED_MODE="esi", **shared), access_log=True) as esi,
            gunicorn(tmp, env=django_env(SETTINGS, CK_SERVED_MODE="inline", **shared)) as inline,
            varnishd(tmp, vcl=vcl.reference(tmp / "vcl", esi.port)) as proxy,
        ):
            yield Stack(proxy.url, esi, inline, log_in(esi, USERS))


def loaded(html: str, name: str) -> str:
    """The content of the loaded ``<ck-fragment name=...>`` in a page (no nesting here)."""
    match = re.search(
        rf'<ck-fragment name="{name}" src="[^"]+"[^>]* state="loaded">(.*?)</ck-fragment>', html
    )
    assert match, f"no loaded {name} in {html}"
    return match.group(1)


def test_varnish_assembles_the_page_inline_mode_renders(stack: Stack) -> None:
    for user in [*USERS, None]:
        assembled = stack.get(stack.url, "/shells/account/", user)
        inline = stack.get(stack.inline.url, "/shells/account/", user)
        assert assembled.status_code == inline.status_code == 200
        assert assembled.text == inline.text, user
        assert loaded(assembled.text, "shell-whoami") == f'<b class="who">user={user or "anonymous"}</b>'
        assert "<esi:" not in assembled.text
    assert loaded(assembled.text, "stock").startswith("<b>shoe-1: ")
    assert loaded(stack.get(stack.url, "/shells/account/", "esi-bob").text, "picks").startswith(
        "<p>picks for esi-bob: 0 in cart (render #"
    )


def test_the_shell_is_stored_once_and_the_assembled_page_leaves_private(stack: Stack) -> None:
    path = "/shells/account/?test=headers"
    responses = [stack.get(stack.url, path, user) for user in USERS]
    assert [r.headers["X-Cache"] for r in responses] == ["MISS", "HIT", "HIT"]
    for response in responses:
        assert response.headers["Cache-Control"] == "private, no-cache"
        for header in ("ETag", "Last-Modified", "Surrogate-Control", "X-Composekit-Esi", "Set-Cookie"):
            assert header not in response.headers
    # Straight from Django: the shell is public, one for everyone, with its includes unfilled.
    straight = [
        stack.get(stack.esi.url, path, user, **{"Surrogate-Capability": 'varnish="ESI/1.0"'})
        for user in (*USERS, None)
    ]
    assert {r.headers["Cache-Control"] for r in straight} == {"public, max-age=0, s-maxage=60"}
    assert {r.text for r in straight} == {straight[0].text}
    assert straight[0].text.count("<esi:include") == 5
    assert straight[0].headers["Surrogate-Control"] == 'content="ESI/1.0"'
    assert straight[0].headers["Vary"] == "Surrogate-Capability"


def test_private_includes_reach_django_every_time_public_ones_do_not(stack: Stack) -> None:
    path = "/shells/account/?test=includes"
    seen = len(stack.esi.access_lines())
    for _ in range(2):
        for user in USERS:
            stack.get(stack.url, path, user)

    def counts() -> dict[str, int]:
        requested = [line.split('"')[1].split()[1] for line in stack.esi.access_lines()[seen:]]
        fragments = [re.match(r"/_composekit/([a-z-]+)/", p) for p in requested]
        found = {
            name: sum(1 for m in fragments if m and m.group(1) == name)
            for name in ("shell-whoami", "picks", "news")
        }
        return {**found, "shell": requested.count(path)}

    # gunicorn writes its access log after answering: wait for the private includes' lines.
    poll(lambda: counts()["picks"] >= 6 and counts()["shell-whoami"] >= 6, 10, "the includes' log lines")
    found = counts()
    assert found["shell-whoami"] == found["picks"] == 6  # per user, per page view
    assert found["news"] <= 1  # from Varnish's cache
    assert found["shell"] == 1  # this page's shell, once (the path is this test's own)


def test_a_browser_never_gets_raw_esi_from_django(stack: Stack) -> None:
    """No Surrogate-Capability (a request that did not come through Varnish): client mode."""
    straight = stack.get(stack.esi.url, "/shells/account/", "esi-ann")
    assert "<esi:" not in straight.text
    assert straight.text.count("<ck-fragment") == 5 and 'state="loaded"' not in straight.text
    assert "Surrogate-Control" not in straight.headers


def test_a_failed_include_leaves_a_client_placeholder(stack: Stack) -> None:
    run = uuid.uuid4().hex
    page = stack.get(stack.url, f"/shells/flaky/?run={run}")
    assert page.status_code == 200
    src = fragment_url("fails-once", run=run)
    assert f'<body><ck-fragment name="fails-once" src="{src}"></ck-fragment></body>' in page.text


@pytest.mark.browser
def test_the_loader_fills_a_failed_include(stack: Stack, page: Page) -> None:
    run = uuid.uuid4().hex
    page.goto(f"{stack.url}/shells/flaky/?run={run}")
    fragment = page.locator('ck-fragment[name="fails-once"]')
    expect(fragment).to_have_attribute("state", "loaded")
    expect(fragment).to_have_text(f"second try {run}")


def test_with_django_down_the_shell_is_served_and_includes_become_placeholders(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    manage(SETTINGS, "migrate", "--run-syncdb", CK_SERVED_DB=db)
    with gunicorn(tmp_path, env=django_env(SETTINGS, CK_SERVED_MODE="esi", CK_SERVED_DB=db)) as app:
        [session] = log_in(app, ["esi-down"]).values()
        with (
            varnishd(tmp_path, vcl=vcl.reference(tmp_path / "vcl", app.port)) as proxy,
            client(session) as browser,
        ):
            warm = browser.get(proxy.url + "/shells/account/", timeout=10)
            assert loaded(warm.text, "shell-whoami") == '<b class="who">user=esi-down</b>'
            app.stop()
            down = browser.get(proxy.url + "/shells/account/", timeout=10)
    assert down.status_code == 200 and down.headers["X-Cache"] == "HIT"
    # Private includes could not be fetched: empty client placeholders, for the loader.
    for name in ("shell-whoami", "picks"):
        src = fragment_url(name)
        assert f'<ck-fragment name="{name}" src="{src}"></ck-fragment>' in down.text
    # Public ones came from Varnish's cache.
    assert loaded(down.text, "news") == loaded(warm.text, "news")
    assert "Guru Meditation" not in down.text
