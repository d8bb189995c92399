"""Purging by tag through a real Varnish (docs/varnish/composekit.vcl, with the xkey vmod) in
front of gunicorn: tags reach Varnish and never the browser; ``expire()`` purges exactly the
objects tagged with it, after commit; a soft purge serves the stale copy once, then one
revalidation answered 304; a dead node is retried and logged while the other is purged.

What reached Django is read from gunicorn's access log: one line per backend request.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from composekit.purge import Varnish
from composekit.render import fragment_url
from harness import vcl
from harness.servers import (
    VARNISHD,
    Server,
    django_env,
    free_port,
    gunicorn,
    loopback_session,
    manage,
    varnishd,
)
from tests.recorder import poll

pytestmark = pytest.mark.proxy

SETTINGS = "tests.served.settings"
TAG_HEADERS = ("xkey", "Surrogate-Key", "Cache-Tag")

if not os.access(VARNISHD, os.X_OK):  # pragma: no cover - make test installs it
    pytest.fail(f"varnishd not found ({VARNISHD}); run tests/system-deps.sh (make test does)", pytrace=False)


client = loopback_session


@dataclass
class Stack:
    proxy: Server  # Varnish
    app: Server  # gunicorn, purging the Varnish above and a node that is down
    dead_node: str

    def get(self, path: str) -> requests.Response:
        with client() as session:
            return session.get(self.proxy.url + path, timeout=10)

    def expire(self, name: str, id: str, *, rollback: bool = False) -> None:
        with client() as session:
            url = f"{self.app.url}/expire/{name}/{id}/" + ("?rollback=1" if rollback else "")
            assert session.post(url, timeout=10).status_code == 200

    def backend_requests(self, path: str) -> list[str]:
        """The statuses Django answered for ``path`` so far (gunicorn's access log)."""
        request_line = f'"GET {path} HTTP/1.1" '
        return [
            line.split(request_line)[1].split()[0] for line in self.app.access_lines() if request_line in line
        ]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("varnish-purge")
    db = str(tmp / "db.sqlite3")
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    port, dead = free_port(), free_port()  # the app must know where to purge before Varnish starts
    env = django_env(
        SETTINGS, CK_SERVED_DB=db, CK_SERVED_PURGE=f"http://127.0.0.1:{port},http://127.0.0.1:{dead}"
    )
    # One worker: the versions live in its memory (local-memory cache), as they would in a
    # Redis every worker shares; two workers would each keep their own.
    with gunicorn(tmp, env=env, ready_path="/shells/page/", access_log=True, workers=1) as app:
        config = vcl.reference(tmp / "vcl", app.port)
        with varnishd(tmp, vcl=config, address=f"127.0.0.1:{port}", ready_path="/shells/page/") as proxy:
            yield Stack(proxy, app, f"http://127.0.0.1:{dead}")


def warm(stack: Stack, *paths: str) -> None:
    """Each of ``paths`` fetched through Varnish until it is a hit (stored, tagged)."""
    for path in paths:
        stack.get(path)
        assert stack.get(path).headers["X-Cache"] == "HIT", path


def test_tags_reach_varnish_and_never_the_browser(stack: Stack) -> None:
    path = fragment_url("stamped-item", sku="t1")
    direct = client().get(stack.app.url + path, timeout=10)
    assert direct.headers["xkey"] == "composekit item:t1"
    assert direct.headers["Cache-Control"] == "public, max-age=0, s-maxage=86400, stale-while-revalidate=30"
    through = stack.get(path)
    assert through.status_code == 200
    assert [h for h in TAG_HEADERS if h in through.headers] == []
    assert through.headers["Cache-Control"] == direct.headers["Cache-Control"]
    shell = stack.get("/shells/tagged/t1/")
    assert [h for h in TAG_HEADERS if h in shell.headers] == []
    assert shell.headers["Cache-Control"] == "public, max-age=0, s-maxage=86400"


def test_expire_purges_exactly_what_is_tagged_with_it(stack: Stack) -> None:
    hit = fragment_url("stamped-item", sku="x1")
    spared = fragment_url("stamped-item", sku="x2")
    shell, other_shell = "/shells/tagged/x1/", "/shells/tagged/x2/"
    warm(stack, hit, spared, shell, other_shell)
    paths = (hit, spared, shell, other_shell)
    # gunicorn logs a request once its answer has left, so its line can come after Varnish's hit.
    poll(
        lambda: [len(stack.backend_requests(p)) for p in paths] == [1, 1, 1, 1], 5, "one fetch of each logged"
    )
    before = {path: len(stack.backend_requests(path)) for path in paths}
    assert before == {hit: 1, spared: 1, shell: 1, other_shell: 1}
    old = stack.get(hit).text

    stack.expire("item", "x1")
    # Soft: the first visitor after the purge still gets the stale copy, while Varnish asks
    # Django once (the version moved: a new render); then everyone gets the new one.
    poll(lambda: stack.get(hit).text != old, 5, "the purged fragment to be rendered anew")
    poll(
        lambda: bool(stack.get(shell)) and len(stack.backend_requests(shell)) == 2,
        5,
        "the purged shell to be fetched anew",
    )
    for path in (hit, spared, shell, other_shell):
        assert stack.get(path).headers["X-Cache"] == "HIT"
    poll(lambda: len(stack.backend_requests(hit)) == 2, 5, "the purged fragment's fetch logged")
    after = {path: stack.backend_requests(path) for path in paths}
    assert after == {hit: ["200", "200"], spared: ["200"], shell: ["200", "200"], other_shell: ["200"]}


def test_a_soft_purge_serves_stale_once_then_a_304_without_rendering(stack: Stack) -> None:
    path = fragment_url("stamped-item", sku="s1")
    warm(stack, path)
    body = stack.get(path).text
    # A purge with nothing changed (composekit_purge by hand): the versions did not move.
    Varnish([stack.proxy.url]).send(stack.proxy.url, ["item:s1"])
    stale = stack.get(path)
    assert (stale.headers["X-Cache"], stale.text) == ("HIT", body)
    poll(lambda: stack.backend_requests(path) == ["200", "304"], 5, "one revalidation answered 304")
    fresh = stack.get(path)
    assert (fresh.headers["X-Cache"], fresh.text) == ("HIT", body)  # the same render, revalidated
    assert stack.backend_requests(path) == ["200", "304"]


def test_a_rolled_back_change_purges_nothing(stack: Stack) -> None:
    kept, purged = fragment_url("stamped-item", sku="r1"), fragment_url("stamped-item", sku="r2")
    warm(stack, kept, purged)
    kept_body, purged_body = stack.get(kept).text, stack.get(purged).text
    stack.expire("item", "r1", rollback=True)
    stack.expire("item", "r2")
    # Purges leave in the order they were queued: r2's arriving means r1's would have too.
    poll(
        lambda: stack.get(purged).text != purged_body,
        5,
        f"the committed change to be purged: {stack.backend_requests(purged)} {stack.app.log_tail()}",
    )
    assert stack.get(kept).text == kept_body
    assert stack.backend_requests(kept) == ["200"]


def test_a_dead_node_is_retried_and_logged_while_the_live_one_is_purged(stack: Stack) -> None:
    path = fragment_url("stamped-item", sku="d1")
    warm(stack, path)
    body = stack.get(path).text
    stack.expire("item", "d1")
    poll(lambda: stack.get(path).text != body, 5, "the live node to be purged")
    given_up = f"gave up purging 2 tags at {stack.dead_node} after 3 attempts"
    poll(lambda: given_up in stack.app.log.read_text(), 10, "the dead node's purge to be given up")
    failed = [
        line
        for line in stack.app.log.read_text().splitlines()
        if f"purge at {stack.dead_node} failed" in line
    ]
    attempts = {line.rsplit("(", 1)[1] for line in failed if "gave up" not in line}
    assert attempts == {"attempt 1 of 3)", "attempt 2 of 3)", "attempt 3 of 3)"}
