"""Per-session copies through a real Varnish (docs/varnish/composekit.vcl, xkey) in front of
gunicorn in ESI mode, purging that Varnish: a private fragment with ``per_session`` is kept
for its session and for nobody else, and dropped when the session ends or its data changes.

What reached Django is read from gunicorn's access log: one line per backend request. One
Varnish announces ESI (it assembles pages), a second one runs the same file without the
announcement (client mode: the loader's requests).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module

import pytest
import requests

from composekit.render import fragment_url
from harness import vcl
from harness.servers import VARNISHD, Server, django_env, free_port, gunicorn, manage, varnishd
from tests import leaks
from tests.recorder import poll

pytestmark = pytest.mark.proxy

import_module("tests.urls")  # registers the served site's fragments, for fragment_url()

SETTINGS = "tests.served.settings"
LOADS_PER_USER = 15

if not os.access(VARNISHD, os.X_OK):  # pragma: no cover - make test installs it
    pytest.fail(f"varnishd not found ({VARNISHD}); run tests/system-deps.sh (make test does)", pytrace=False)


@dataclass
class Stack:
    esi: Server  # Varnish announcing ESI, purged by the app
    plain: Server  # the same file without the announcement: client mode
    app: Server

    def log_in(self, user: str) -> requests.Session:
        """A client logged in as ``user`` (the app's cookies: session, identity)."""
        client = requests.Session()
        client.trust_env = False
        assert client.get(f"{self.app.url}/login/{user}/", timeout=10).text == f"logged in as {user}"
        return client

    def django(self, path: str) -> int:
        """How many requests for ``path`` reached Django so far."""
        request_line = f'"GET {path} HTTP/1.1" '
        return sum(request_line in line for line in self.app.access_lines())

    def reached_django(self, path: str, count: int) -> None:
        """Assert that exactly ``count`` requests for ``path`` reached Django (gunicorn writes
        its access log just after answering: wait for the lines, then check none is extra)."""
        poll(lambda: self.django(path) >= count, 5, f"{count} requests for {path} in the access log")
        assert self.django(path) == count

    def post(self, client: requests.Session, path: str) -> requests.Response:
        response = client.post(self.app.url + path, timeout=10)
        assert response.status_code == 200, response.text
        return response


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("varnish-persession")
    db = str(tmp / "db.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    esi_port, plain_port = free_port(), free_port()
    purged = f"http://127.0.0.1:{esi_port},http://127.0.0.1:{plain_port}"
    # Hard purges are not needed: a per-session copy has no grace, so a soft purge drops it.
    env = django_env(SETTINGS, CK_SERVED_DB=db, CK_SERVED_MODE="esi", CK_SERVED_PURGE=purged)
    with gunicorn(tmp, env=env, ready_path="/shells/kept/", access_log=True) as app:
        esi_vcl = vcl.reference(tmp / "vcl-esi", app.port)
        plain_vcl = vcl.reference(tmp / "vcl-plain", app.port, esi=False)
        with (
            varnishd(tmp, vcl=esi_vcl, address=f"127.0.0.1:{esi_port}", ready_path="/shells/kept/") as esi,
            varnishd(
                tmp, vcl=plain_vcl, address=f"127.0.0.1:{plain_port}", ready_path="/shells/kept/"
            ) as plain,
        ):
            yield Stack(esi, plain, app)


def kept(stamp: str) -> str:
    """A URL of the per-session fragment of its own (a stamp of the test's)."""
    return fragment_url("shell-kept", stamp=stamp)


def test_a_repeat_view_is_a_hit_and_the_browser_still_sees_private(stack: Stack) -> None:
    path = kept("repeat")
    with stack.log_in("pat") as pat:
        first = pat.get(stack.plain.url + path, timeout=10)
        again = pat.get(stack.plain.url + path, timeout=10)
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("MISS", "HIT")
    assert again.text == first.text and first.text.startswith('<b class="kept">kept=pat</b><!-- ')
    assert again.headers["Cache-Control"] == "private, max-age=30"
    assert again.headers["Vary"] == "Accept, Cookie"
    assert [
        h for h in ("xkey", "CK-Per-Session", "CK-Browser-Vary", "CK-Session") if h in again.headers
    ] == []
    stack.reached_django(path, 1)


def test_no_other_session_no_session_and_no_forged_cookie_gets_it(stack: Stack) -> None:
    path = kept("others")
    with stack.log_in("quinn") as quinn, stack.log_in("rae") as rae:
        mine = quinn.get(stack.plain.url + path, timeout=10).text
        assert quinn.get(stack.plain.url + path, timeout=10).headers["X-Cache"] == "HIT"
        key = str(quinn.cookies["sessionid"])
        theirs = rae.get(stack.plain.url + path, timeout=10)
        assert theirs.text.startswith('<b class="kept">kept=rae</b>') and theirs.text != mine
        attempts = {
            "no cookie": {},
            "altered": {"Cookie": f"sessionid={key[:-1]}{'a' if key[-1] != 'a' else 'b'}"},
            "forged": {"Cookie": "sessionid=" + "0" * 32},
            "client-sent key": {"CK-Session": f"s={key} g= i= c="},
            # Two session cookies: Varnish gives no key, Django refuses to mark it.
            "doubled": {"Cookie": f"sessionid={rae.cookies['sessionid']}; sessionid={key}"},
            # Django reads it as quinn's cookie (it holds the key): rendered for quinn, as
            # without Varnish, but Varnish finds no key in it, so neither serves nor keeps it.
            "spaced": {"Cookie": f"sessionid ={key}"},
        }
        for what, headers in attempts.items():
            with requests.Session() as stranger:
                stranger.trust_env = False
                seen = stranger.get(stack.plain.url + path, headers=headers, timeout=10)
            assert seen.text != mine and seen.headers["X-Cache"] != "HIT", what
            assert ("kept=quinn" in seen.text) == (what in ("doubled", "spaced")), what
    stack.reached_django(path, 2 + len(attempts))


def test_ending_the_session_purges_its_copies(stack: Stack) -> None:
    for how in ("logout", "flush", "new-password"):
        path = kept(f"end-{how}")
        with stack.log_in(f"ender-{how}") as client:
            # Every cookie the browser held: the copy's key is all of them.
            old = "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies)
            client.get(stack.plain.url + path, timeout=10)
            assert client.get(stack.plain.url + path, timeout=10).headers["X-Cache"] == "HIT"
            stack.post(client, f"/session/{how}/")
        # The old cookie replayed the moment the session ended: the copy is gone.
        with requests.Session() as replay:
            replay.trust_env = False
            again = replay.get(stack.plain.url + path, headers={"Cookie": old}, timeout=10)
        assert again.headers["X-Cache"] != "HIT", how
        assert f"kept=ender-{how}" not in again.text, how
        stack.reached_django(path, 2)


def test_a_password_changed_elsewhere_purges_every_session_of_the_user(stack: Stack) -> None:
    path = kept("elsewhere")
    with stack.log_in("sam") as laptop, stack.log_in("sam") as phone:
        for device in (laptop, phone):
            device.get(stack.plain.url + path, timeout=10)
            assert device.get(stack.plain.url + path, timeout=10).headers["X-Cache"] == "HIT"
        stack.post(requests.Session(), "/set-password/sam/")
        for device in (laptop, phone):
            after = device.get(stack.plain.url + path, timeout=10)
            # Django's session check logs the old sessions out: they see nobody's copy.
            assert after.headers["X-Cache"] != "HIT"
            assert after.text.split("<!--")[0] == '<b class="kept">kept=anonymous</b>'
    stack.reached_django(path, 4)


def test_a_write_moves_the_generations_and_misses(stack: Stack) -> None:
    path = kept("write")
    with stack.log_in("wes") as client:
        first = client.get(stack.plain.url + path, timeout=10).text
        assert client.get(stack.plain.url + path, timeout=10).headers["X-Cache"] == "HIT"
        generations = client.cookies.get("ck_gen")
        stack.post(client, "/write/")
        assert client.cookies["ck_gen"] != generations
        after = client.get(stack.plain.url + path, timeout=10)
        assert after.headers["X-Cache"] == "MISS" and after.text != first
        assert client.get(stack.plain.url + path, timeout=10).headers["X-Cache"] == "HIT"
    stack.reached_django(path, 2)


def test_a_data_change_purges_by_tag(stack: Stack) -> None:
    path = kept("data")
    with stack.log_in("dee") as dee, stack.log_in("eve") as eve:
        for client in (dee, eve):
            client.get(stack.plain.url + path, timeout=10)
        before = dee.get(stack.plain.url + path, timeout=10)
        assert before.headers["X-Cache"] == "HIT"
        stack.post(requests.Session(), "/expire/kept/dee/")
        poll(lambda: dee.get(stack.plain.url + path, timeout=10).text != before.text, 5, "dee's purge")
        assert eve.get(stack.plain.url + path, timeout=10).headers["X-Cache"] == "HIT"  # not eve's data
    stack.reached_django(path, 3)


def test_responses_that_set_a_cookie_are_not_kept(stack: Stack) -> None:
    # A GET that wrote (invalidate()): the middleware moves the generations in a cookie.
    path = fragment_url("shell-kept", stamp="cookie", write=True)
    with stack.log_in("cole") as client:
        direct = client.get(stack.app.url + path, timeout=10)
        assert (direct.headers["CK-Per-Session"], "ck_gen=" in direct.headers["Set-Cookie"]) == ("300", True)
        seen = [client.get(stack.plain.url + path, timeout=10).headers["X-Cache"] for _ in range(2)]
    assert seen == ["PASS", "PASS"]  # fetched, found uncacheable, and remembered as such
    stack.reached_django(path, 3)


def test_an_esi_first_view_is_one_varnish_response(stack: Stack) -> None:
    page = "/shells/kept/?test=esi"
    with stack.log_in("ida") as ida:
        first = ida.get(stack.esi.url + page, timeout=10)
        before = len(stack.app.access_lines())
        again = ida.get(stack.esi.url + page, timeout=10)
    assert first.text == again.text and '<b class="kept">kept=ida</b>' in again.text
    assert "<esi:" not in again.text and again.headers["Cache-Control"] == "private, no-cache"
    assert len(stack.app.access_lines()) == before  # shell and include: no Django request


@pytest.mark.parametrize("esi", [True, False], ids=["esi-on", "esi-off"])
def test_no_cross_session_leaks_of_per_session_copies(stack: Stack, esi: bool) -> None:
    sessions = {}
    for user in leaks.USERS:
        with stack.log_in(user) as client:
            sessions[user] = str(client.cookies["sessionid"])
    proxy = stack.esi if esi else stack.plain
    site = leaks.Site(proxy.url, sessions)
    totals, figures = leaks.run(site, LOADS_PER_USER, esi=esi, path=leaks.KEPT_PATH, names=leaks.KEPT_NAMES)
    assert totals["page loads"] == len(leaks.USERS) * LOADS_PER_USER, figures
    assert totals["leaks"] == 0, figures
    assert totals["wrong bodies"] == totals["errors"] == totals["bad shells"] == 0, figures
    if not esi:  # each session's copy is rendered once, then kept for it
        assert totals["private fragment HIT"] == len(leaks.USERS) * (LOADS_PER_USER - 1), figures
