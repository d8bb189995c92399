"""Two app hosts behind one Varnish (docs/varnish/two-hosts.vcl), sharing one database and one Redis.

Host A and host B are gunicorns serving tests/served in ESI mode, with Django's cache (so
the server fragment cache) and the sessions (``composekit.sessions``) on one redis-server, and one
SQLite file. Varnish spreads fetches round robin and probes ``/health/``. Shown here: an
invalidation made through A is what B serves next; the cross-user leak test finds nothing,
ESI on and off; killing A under load loses no page view and no acknowledged cart write; and
stopping Redis under load answers no error and ends no session (``composekit.sessions``).
Everything listens on 127.0.0.1, lives in a temporary folder and is stopped by PID.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import cast

import pytest
import redis
import requests

from composekit.render import fragment_url
from harness import vcl
from harness.servers import Server, django_env, gunicorn, manage, redis_server, varnishd
from tests import leaks

pytestmark = pytest.mark.proxy

# The served site's fragments, for fragment_url() here: its URLs import them. (Registered only
# once something imported them, the first test failed when this file ran on its own.)
import_module("tests.urls")

SETTINGS = "tests.served.settings"
LOADS_PER_USER = 25
LOAD_SECONDS = 20.0
KILL_AFTER = 5.0
MAX_REQUESTS = 20_000  # a bound on top of the clock


@dataclass
class Cluster:
    a: Server
    b: Server
    esi: Server  # Varnish announcing ESI
    plain: Server  # the same Varnish configuration without the announcement: ESI off
    db: str
    sessions: dict[str, str]
    redis: Server

    def client(self, user: str) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # loopback only
        session.cookies.set("sessionid", self.sessions[user])
        return session


@contextmanager
def cluster(tmp: Path, users: list[str]) -> Iterator[Cluster]:
    db = str(tmp / "db.sqlite3")
    manage(SETTINGS, "migrate", "--run-syncdb", CK_SERVED_DB=db)
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server(tmp))
        shared = {
            "CK_SERVED_DB": db,
            "CK_SERVED_REDIS": f"redis://127.0.0.1:{redis.port}",
            "CK_SERVED_MODE": "esi",
        }
        hosts = [
            stack.enter_context(
                gunicorn(tmp, env=django_env(SETTINGS, CK_SERVED_HOST=name, **shared), ready_path="/health/")
            )
            for name in ("a", "b")
        ]
        proxies = [
            stack.enter_context(
                varnishd(
                    tmp,
                    vcl=vcl.two_hosts(tmp / f"vcl-{esi}", hosts[0].port, hosts[1].port, esi=esi),
                    ready_path="/health/",
                )
            )
            for esi in (True, False)
        ]
        # Each user logs in on host A: the session must work on B as well.
        sessions: dict[str, str] = {}
        for user in users:
            with requests.Session() as session:
                session.trust_env = False
                assert session.get(f"{hosts[0].url}/login/{user}/", timeout=10).text == f"logged in as {user}"
                sessions[user] = cast(str, session.cookies["sessionid"])
        yield Cluster(hosts[0], hosts[1], proxies[0], proxies[1], db, sessions, redis)


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster(tmp_path_factory.mktemp("two-hosts"), [*leaks.USERS, "switcher"]) as running:
        yield running


def failed(page: requests.Response) -> str:
    """What a failed page view showed: its status, the headers that say who served it, the body."""
    headers = {k: v for k, v in page.headers.items() if k.startswith("X-") or k == "Age"}
    return f"{page.status_code} {headers} {page.text}"


def cache_desc(response: requests.Response) -> str:
    match = re.search(r"cache;desc=(\w+)", response.headers["Server-Timing"])
    assert match, response.headers["Server-Timing"]
    return match.group(1)


def test_a_session_made_on_one_host_works_on_the_other(hosts: Cluster) -> None:
    with hosts.client("switcher") as client:
        for host in (hosts.a, hosts.b):
            response = client.get(host.url + fragment_url("shell-whoami"), timeout=10)
            assert (response.text, response.headers["X-Served-By"]) == (
                '<b class="who">user=switcher</b>',
                "a" if host is hosts.a else "b",
            )


def test_an_invalidation_through_host_a_is_seen_on_host_b(hosts: Cluster) -> None:
    picks = fragment_url("picks")
    with hosts.client("switcher") as client:
        first = client.get(hosts.b.url + picks, timeout=10)
        again = client.get(hosts.b.url + picks, timeout=10)
        assert (cache_desc(first), cache_desc(again)) == ("miss", "hit")
        assert again.text == first.text and first.text.startswith("<p>picks for switcher: 0 in cart")
        written = client.post(hosts.a.url + "/cart/lines/", data={"sku": "lamp"}, timeout=10)
        assert (written.status_code, written.headers["X-Served-By"]) == (201, "a")
        after = client.get(hosts.b.url + picks, timeout=10)
        assert (after.headers["X-Served-By"], cache_desc(after)) == ("b", "miss")
        assert after.text.startswith("<p>picks for switcher: 1 in cart")
        # ...and A serves what B stored: one cache for both.
        from_a = client.get(hosts.a.url + picks, timeout=10)
        assert (cache_desc(from_a), from_a.text) == ("hit", after.text)


@pytest.mark.parametrize("esi", [True, False], ids=["esi-on", "esi-off"])
def test_no_cross_user_leaks_through_two_hosts(hosts: Cluster, esi: bool) -> None:
    proxy = hosts.esi if esi else hosts.plain
    totals, figures = leaks.run(leaks.Site(proxy.url, hosts.sessions), LOADS_PER_USER, esi=esi)
    pages = len(leaks.USERS) * LOADS_PER_USER
    assert totals["page loads"] == pages, figures
    assert totals["leaks"] == 0, figures
    assert totals["wrong bodies"] == totals["errors"] == totals["bad shells"] == 0, figures
    assert totals["shell MISS"] == 1 and totals["shell HIT"] == pages - 1, figures
    if not esi:
        assert totals["private fragment PASS"] == 2 * pages, figures
        # Both hosts answered: round robin.
        assert totals["served by a"] > 0 and totals["served by b"] > 0, figures


# -- killing a host under load ---------------------------------------------------------------


@dataclass
class Load:
    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    acknowledged: set[tuple[str, str]] = field(default_factory=set)  # (user, sku) answered 2xx
    problems: list[str] = field(default_factory=list)
    sent: int = 0

    def go(self) -> bool:
        with self.lock:
            self.sent += 1
            return self.sent <= MAX_REQUESTS and time.monotonic() < self.deadline

    def count(self, key: str, problem: str | None = None) -> None:
        with self.lock:
            self.counts[key] += 1
            if problem and len(self.problems) < 10:
                self.problems.append(problem)


def test_killing_a_host_under_load_loses_no_page_view_and_no_acknowledged_write(tmp_path: Path) -> None:
    viewers = [f"viewer-{i}" for i in range(4)]
    writers = [f"writer-{i}" for i in range(2)]
    with cluster(tmp_path, viewers + writers) as running:
        load = Load(deadline=time.monotonic() + LOAD_SECONDS)
        killed_at: list[float] = []

        def view(user: str) -> None:
            with running.client(user) as client:
                while load.go():
                    try:
                        page = client.get(running.esi.url + "/shells/account/", timeout=15)
                    except requests.RequestException as error:
                        load.count("page views failed", f"{user}: {error}")
                        continue
                    ok = page.status_code == 200 and f'<b class="who">user={user}</b>' in page.text
                    ok = ok and "<esi:" not in page.text and f"<p>picks for {user}: " in page.text
                    load.count(
                        "page views served" if ok else "page views failed", None if ok else failed(page)
                    )

        def write(user: str) -> None:
            with running.client(user) as client:
                for number in itertools.count():
                    if not load.go():
                        return
                    sku = f"{user}-{number}"
                    try:
                        response = client.post(
                            running.esi.url + "/cart/lines/", data={"sku": sku}, timeout=15
                        )
                    except requests.RequestException:
                        load.count("writes refused")
                        continue
                    if 200 <= response.status_code < 300:
                        with load.lock:
                            load.acknowledged.add((user, sku))
                        load.count(f"writes acknowledged by {response.headers.get('X-Served-By')}")
                    else:
                        load.count(f"writes refused ({response.status_code})")
                    after_kill = killed_at and time.monotonic() > killed_at[0]
                    load.count(f"writes {'after' if after_kill else 'before'} the kill")

        threads = [threading.Thread(target=view, args=(u,)) for u in viewers]
        threads += [threading.Thread(target=write, args=(u,)) for u in writers]
        for thread in threads:
            thread.start()
        time.sleep(KILL_AFTER)
        os.killpg(running.a.pid, signal.SIGKILL)  # host A, master and workers, with no goodbye
        killed_at.append(time.monotonic())
        for thread in threads:
            thread.join()
        with sqlite3.connect(running.db) as database:
            stored = set(
                database.execute(
                    "SELECT auth_user.username, testapp_cartline.sku FROM testapp_cartline "
                    "JOIN auth_user ON auth_user.id = testapp_cartline.user_id"
                )
            )
    counts = load.counts
    figures = f"{LOAD_SECONDS:g} s, host A killed after {KILL_AFTER:g} s: {dict(sorted(counts.items()))}"
    print(figures)
    assert counts["page views failed"] == 0, (figures, load.problems)
    assert counts["page views served"] > 0, figures
    assert load.acknowledged, figures
    assert load.acknowledged <= stored, (figures, sorted(load.acknowledged - stored)[:10])
    # Host A took writes before it died, host B after: the load really crossed the kill.
    assert counts["writes acknowledged by a"] > 0 and counts["writes acknowledged by b"] > 0, figures
    assert counts["writes after the kill"] > 0, figures


# -- Redis stopped under load ------------------------------------------------------------------

OUTAGE_AFTER = 3.0  # seconds of load before redis-server is stopped
OUTAGE_SECONDS = 6.0
AFTER_OUTAGE = 4.0  # seconds of load once it answers again


def test_stopping_redis_under_load_answers_no_error_and_keeps_every_session(tmp_path: Path) -> None:
    users = [f"shopper-{i}" for i in range(4)]
    with cluster(tmp_path, users) as running:
        port = running.redis.port
        load = Load(deadline=time.monotonic() + OUTAGE_AFTER + OUTAGE_SECONDS + AFTER_OUTAGE)
        phase = ["before"]
        whoami, picks = fragment_url("shell-whoami"), fragment_url("picks")

        def browse(user: str) -> None:
            with running.client(user) as client:
                for number in itertools.count():
                    if not load.go():
                        return
                    host = (running.a, running.b)[number % 2]
                    url, expected = [
                        (host.url + whoami, f'<b class="who">user={user}</b>'),
                        (host.url + picks, f"<p>picks for {user}: "),
                        (running.esi.url + "/shells/account/", f'<b class="who">user={user}</b>'),
                    ][number % 3]
                    at = phase[0]
                    try:
                        response = client.get(url, timeout=15)
                    except requests.RequestException as error:
                        load.count(f"{at}: failed", f"{user} {url}: {error}")
                        continue
                    if response.status_code >= 500:
                        load.count(
                            f"{at}: 5xx", f"{user} {url}: {response.status_code} {response.text[:200]}"
                        )
                    elif response.status_code == 200 and expected in response.text:
                        load.count(f"{at}: served")
                    else:
                        load.count(
                            f"{at}: wrong", f"{user} {url}: {response.status_code} {response.text[:200]}"
                        )

        threads = [threading.Thread(target=browse, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        time.sleep(OUTAGE_AFTER)
        running.redis.stop()  # by its PID: refused connections from now on
        phase[0] = "during"
        # A login while Redis is down: its session exists in the database only.
        with requests.Session() as late:
            late.trust_env = False
            logged_in = late.get(f"{running.b.url}/login/late/", timeout=15)
            late_cookie = late.cookies.get("sessionid")
        time.sleep(OUTAGE_SECONDS)
        with redis_server(tmp_path, port=port) as restarted:
            phase[0] = "after"
            for thread in threads:
                thread.join()
            # The same cookies, on either host: still the same users, now read through Redis.
            still = {}
            for user, cookie in [*running.sessions.items(), ("late", late_cookie or "")]:
                for host in (running.a, running.b):
                    with requests.Session() as client:
                        client.trust_env = False
                        client.cookies.set("sessionid", cookie)
                        still[(user, host.port)] = client.get(host.url + whoami, timeout=15).text
            entries = len(
                [
                    key
                    for key in redis_keys(restarted.port)
                    if key.startswith(":1:composekit:sessions:") and not key.endswith("epoch")
                ]
            )
    counts = load.counts
    figures = (
        f"{OUTAGE_AFTER:g} s, Redis stopped for {OUTAGE_SECONDS:g} s, then {AFTER_OUTAGE:g} s: "
        f"{dict(sorted(counts.items()))}, {entries} sessions in Redis afterwards"
    )
    print(figures)
    assert (logged_in.status_code, logged_in.text) == (200, "logged in as late")
    assert {key: text for key, text in still.items() if text != f'<b class="who">user={key[0]}</b>'} == {}
    assert [key for key in counts if not key.endswith(": served")] == [], (figures, load.problems)
    assert counts["before: served"] > 0 and counts["during: served"] > 0 and counts["after: served"] > 0, (
        figures
    )
    assert entries == len(users) + 1, figures  # every session read through the cache again


def redis_keys(port: int) -> list[str]:
    return [key.decode() for key in redis.Redis(port=port).keys("*")]  # type: ignore[union-attr]  # bytes: no decode_responses
