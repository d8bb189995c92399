"""The demo shop prepared for benchmarking: its own database, 20 shoppers, logged-in sessions."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from demo.launch import DEMO_DIR, demo_env, prepare
from harness.servers import Server, gunicorn, run

T = TypeVar("T")
PASSWORD = "alice-demo"  # the bench shoppers reuse alice's password hash: no hashing at set-up
TIMEOUT = 30

# Runs in the demo's `manage.py shell`: shoppers bench-00.. with carts of 1-3 products.
_ADD_SHOPPERS = """
from django.contrib.auth.models import User
from shop.models import Cart, CartItem, Product
alice = User.objects.get(username="alice")
products = list(Product.objects.filter(stock__gt=0).order_by("featured_rank")[:60])
for i in range({count}):
    user, created = User.objects.get_or_create(
        username=f"bench-{{i:02}}", defaults={{"first_name": f"Bench{{i}}", "password": alice.password}}
    )
    if created:
        cart = Cart.objects.create(user=user)
        for j in range(1 + i % 3):
            CartItem.objects.create(cart=cart, product=products[(7 * i + 11 * j) % len(products)], quantity=1 + j)
"""


def prepare_demo(workdir: Path, shoppers: int) -> None:
    """Migrate, seed and collect static files into ``workdir``, then add the bench shoppers."""
    prepare(workdir)
    run(
        [sys.executable, "manage.py", "shell", "-c", _ADD_SHOPPERS.format(count=shoppers)],
        cwd=DEMO_DIR,
        env=demo_env(workdir),
    )


@contextmanager
def counted_demo(parent: Path, env: Mapping[str, str], *, workers: int, threads: int) -> Iterator[Server]:
    """The demo under gunicorn with ``env``, each request's CPU written by ``bench.request_cpu``
    into the folder ``env["BENCH_REQUEST_CPU"]`` names (once the server has stopped)."""
    with gunicorn(
        parent,
        env=env,
        app="demo_site.wsgi",
        cwd=DEMO_DIR,
        workers=workers,
        threads=threads,
        extra_args=["--config=python:bench.request_cpu"],
    ) as server:
        yield server


def usernames(count: int) -> list[str]:
    return [f"bench-{i:02}" for i in range(count)]


def log_in(base_url: str, username: str) -> requests.Session:
    """A keep-alive session logged in through the demo's login form, as a browser would."""
    session = new_session()
    form = session.get(f"{base_url}/login/", timeout=TIMEOUT)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]*)"', form.text)
    if not match:
        raise RuntimeError("no CSRF token in the login form")
    response = session.post(
        f"{base_url}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": unescape(match.group(1))},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if response.status_code != 302:
        raise RuntimeError(f"logging in {username} answered {response.status_code}")
    return session


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a proxy from the environment
    # gunicorn closes a keep-alive connection idle for 2 s; a GET sent on it just then is
    # reset before the server read it. Send it again on a new connection (GET and HEAD only).
    retry = Retry(
        total=2, connect=2, read=2, status=0, other=0, allowed_methods=["GET", "HEAD"], backoff_factor=0
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def log_in_all(base_url: str, names: Sequence[str]) -> list[requests.Session]:
    # Each login hashes a password (PBKDF2): use both cores.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda name: log_in(base_url, name), names))


@dataclass(frozen=True)
class Shell:
    path: str
    eager: tuple[str, ...]  # fragment URLs a browser fetches at once
    lazy: tuple[str, ...]  # ... and those it fetches when scrolled near


class _Placeholders(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ck-fragment":
            self.found.append(dict(attrs))


def placeholders(html: str) -> list[dict[str, str | None]]:
    """Attributes of every ``<ck-fragment>`` in a page, in document order."""
    parser = _Placeholders()
    parser.feed(html)
    return parser.found


def parse_shell(path: str, html: str) -> Shell:
    eager: list[str] = []
    lazy: list[str] = []
    for attrs in placeholders(html):
        src = attrs.get("src")
        if not src or attrs.get("state") == "loaded":
            continue
        target = lazy if attrs.get("loading") == "lazy" else eager
        if src not in eager and src not in lazy:  # the loader fetches a src once per page
            target.append(src)
    return Shell(path, tuple(eager), tuple(lazy))


def fragment_name(src: str) -> str:
    """The fragment name in ``<prefix>/<name>/?p=...``."""
    return src.split("?", 1)[0].rstrip("/").rsplit("/", 1)[1]


def in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(0)`` to ``work(count - 1)``, each in a thread of its own; their results, or the
    first exception raised."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(work, range(count)))


def catalog_paths(base_url: str, limit: int) -> list[str]:
    """The catalog, then its category pages, as linked from the catalog's navigation."""
    with new_session() as session:
        html = session.get(base_url + "/", timeout=TIMEOUT).text
    paths = ["/"] + list(dict.fromkeys(re.findall(r'href="(/c/[^"/]+/)"', html)))
    return paths[:limit]
