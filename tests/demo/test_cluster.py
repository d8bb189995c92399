"""``make demo-varnish``: the demo on two app hosts behind Varnish, with Redis, in ESI mode.

Started by ``demo.launch.demo_cluster()``, the code the make target runs, on a copy of the
seeded demo: two gunicorns, one redis-server, one Varnish running docs/varnish/two-hosts.vcl.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo.launch import DEMO_DIR, Cluster, copy_prepared, demo_cluster, demo_env
from harness.servers import free_port, run
from tests.demo.test_demo import LOGINS, fragment_src, product_path

pytestmark = pytest.mark.proxy


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, prepared_demo: Path) -> Iterator[tuple[Cluster, Path]]:
    workdir = tmp_path_factory.mktemp("demo-cluster")
    copy_prepared(prepared_demo, workdir)
    with demo_cluster(demo_env(workdir), workdir / "logs") as running:
        yield running, workdir


def shopper(base_url: str, username: str) -> requests.Session:
    """Logged in through Varnish with the login form, as a browser would be."""
    session = requests.Session()
    session.trust_env = False
    form = session.get(f"{base_url}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]*)"', form.text).group(1)  # type: ignore[union-attr]
    response = session.post(
        f"{base_url}/login/",
        data={"username": username, "password": LOGINS[username], "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def loaded(html: str, name: str) -> str:
    match = re.search(
        rf'<ck-fragment name="{name}" src="[^"]+"[^>]* state="loaded">(.*?)</ck-fragment>', html, re.S
    )
    assert match, f"no loaded {name}"
    return match.group(1)


def cache_desc(response: requests.Response) -> str:
    return re.search(r"cache;desc=(\w+)", response.headers["Server-Timing"]).group(1)  # type: ignore[union-attr]


def test_varnish_assembles_the_product_page_for_each_shopper(cluster: tuple[Cluster, Path]) -> None:
    running, _ = cluster
    base = running.proxy.url
    path = product_path(base)
    pages = {user: shopper(base, user).get(base + path, timeout=10) for user in ("alice", "bob")}
    for user, page in pages.items():
        assert page.status_code == 200 and "<esi:" not in page.text
        assert page.headers["Cache-Control"] == "private, no-cache"
        assert f'<span class="user-name">{user.capitalize()}</span>' in loaded(page.text, "user-menu")
        assert 'class="buy-price"' in loaded(page.text, "stock-price")
        # Below the fold: left to the loader.
        assert re.search(r'<ck-fragment name="recommended" src="[^"]+" loading="lazy"[^>]*>', page.text)
    assert pages["bob"].headers["X-Cache"] == "HIT"  # one shell for both
    assert "Alice" not in pages["bob"].text and "Bob" not in pages["alice"].text


def test_a_cart_change_on_one_host_renders_that_shoppers_picks_anew_on_the_other(
    cluster: tuple[Cluster, Path],
) -> None:
    running, _ = cluster
    host_a, host_b = running.hosts
    alice, carol = shopper(running.proxy.url, "alice"), shopper(running.proxy.url, "carol")
    page = alice.get(running.proxy.url + product_path(running.proxy.url), timeout=10).text
    picks = fragment_src(page, "recommended")
    for who in (alice, carol):
        who.get(host_b.url + picks, timeout=10)
        assert cache_desc(who.get(host_b.url + picks, timeout=10)) == "hit"
    # Alice adds to her cart through host A (a POST Varnish would pass there too).
    # The buy box is in the shell; its token comes from the CSRF cookie, as the page's JS takes it.
    token = alice.cookies["csrftoken"]
    sku = re.search(r'name="sku" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    added = alice.post(
        host_a.url + "/cart/add/",
        data={"sku": sku, "quantity": 1, "csrfmiddlewaretoken": token},
        headers={"Accept": "application/json", "Referer": host_a.url + "/"},
        timeout=10,
    )
    assert added.status_code == 200, added.text[:300]
    assert cache_desc(alice.get(host_b.url + picks, timeout=10)) == "miss"  # hers moved...
    assert cache_desc(carol.get(host_b.url + picks, timeout=10)) == "hit"  # ...not Carol's


def test_a_product_saved_anywhere_expires_its_price_on_every_host(cluster: tuple[Cluster, Path]) -> None:
    running, workdir = cluster
    page = requests.get(running.proxy.url + product_path(running.proxy.url), timeout=10).text
    price = fragment_src(page, "stock-price")
    sku = re.search(r"Item ([A-Z]+-\d+)", page).group(1)  # type: ignore[union-attr]
    for host in running.hosts:
        requests.get(host.url + price, timeout=10)
        assert cache_desc(requests.get(host.url + price, timeout=10)) == "hit"
    # A save in another process (a management command, a queue worker) on the same Redis.
    code = f"from shop.models import Product; p = Product.objects.get(sku={sku!r}); p.stock += 1; p.save()"
    env = demo_env(workdir, DEMO_REDIS_URL=running.redis_url)
    run([sys.executable, "manage.py", "shell", "-c", code], cwd=DEMO_DIR, env=env)
    # Rendered anew once, by whichever host is asked first; the other reads what it stored.
    assert [cache_desc(requests.get(h.url + price, timeout=10)) for h in running.hosts] == ["miss", "hit"]


def shown_price(html: str) -> str:
    return re.search(r'class="price price-large">([^<]*)<', loaded(html, "stock-price")).group(1)  # type: ignore[union-attr]


def test_a_price_saved_shows_on_every_visitors_next_page_within_a_second(
    cluster: tuple[Cluster, Path],
) -> None:
    """The price and the product shell stay in Varnish until the product changes; a price set
    by a back-office command purges them (through either host's data: one database, one
    Redis) and every visitor's next page shows it."""
    running, workdir = cluster
    base = running.proxy.url
    path = product_path(base)
    visitors = [requests.Session() for _ in range(3)] + [shopper(base, "alice"), shopper(base, "bob")]
    for visitor in visitors:
        visitor.trust_env = False
    first = visitors[0].get(base + path, timeout=10)
    sku = re.search(r"Item ([A-Z]+-\d+)", first.text).group(1)  # type: ignore[union-attr]
    old = shown_price(first.text)
    # Kept in Varnish for a day, now that purges are sent; both hits.
    price_src = fragment_src(first.text, "stock-price")
    assert requests.get(base + price_src, timeout=10).headers["Cache-Control"] == (
        "public, max-age=5, s-maxage=86400, stale-while-revalidate=30"
    )
    assert requests.get(base + path, timeout=10).headers["X-Cache"] == "HIT"
    new = "$123.45" if old != "$123.45" else "$123.46"
    env = demo_env(workdir, DEMO_REDIS_URL=running.redis_url, DEMO_PURGE_VARNISH=base)
    out = run([sys.executable, "manage.py", "set_price", sku, new.lstrip("$")], cwd=DEMO_DIR, env=env)
    committed = float(out.rsplit("committed at ", 1)[1])
    seen: dict[int, float] = {}
    deadline = time.monotonic() + 10
    while len(seen) < len(visitors) and time.monotonic() < deadline:
        for index, visitor in enumerate(visitors):
            if index not in seen and shown_price(visitor.get(base + path, timeout=10).text) == new:
                seen[index] = time.time()
    assert len(seen) == len(visitors), f"{len(seen)} of {len(visitors)} visitors saw {new} within 10 s"
    slowest = max(seen.values()) - committed
    print(f"price change to every visitor's page: {slowest * 1000:.0f} ms")
    assert slowest < 1.0


def test_make_demo_varnish_takes_every_port_from_the_environment(tmp_path: Path, prepared_demo: Path) -> None:
    ports: list[int] = []
    while len(ports) < 4:  # four different free ports
        port = free_port()
        if port not in ports:
            ports.append(port)
    varnish, host_a, host_b, redis = ports
    copy_prepared(prepared_demo, tmp_path)
    env = {
        **demo_env(tmp_path),
        "DEMO_PORT": str(varnish),
        "DEMO_HOST_A_PORT": str(host_a),
        "DEMO_HOST_B_PORT": str(host_b),
        "DEMO_REDIS_PORT": str(redis),
        "DEMO_WORKDIR": str(tmp_path),
        "PYTHONPATH": str(DEMO_DIR.parent),
    }
    process = subprocess.Popen(
        [sys.executable, str(DEMO_DIR / "run_varnish.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopped with everything it started
    )
    try:
        printed = ""
        deadline = time.monotonic() + 180
        assert process.stdout is not None
        while "Ctrl+C stops everything" not in printed and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            printed += line
        assert "Ctrl+C stops everything" in printed, printed[-3000:]
        for expected in (f"host A  http://127.0.0.1:{host_a}", f"host B  http://127.0.0.1:{host_b}"):
            assert expected in printed
        assert f"redis://127.0.0.1:{redis}" in printed
        home = requests.get(f"http://127.0.0.1:{varnish}/", timeout=10)
        assert home.status_code == 200 and "X-Cache" in home.headers
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
