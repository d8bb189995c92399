"""The cross-user leak test (docs/shells.md, "Behind Varnish"), for any Varnish in front of
tests/served: one Varnish and one app, or two app hosts; ESI on or off.

Logged-in users load ``/shells/page/`` (two private fragments naming their user, one public
fragment) concurrently, each on a keep-alive connection of their own. ESI off, a page view is
what the loader sends: the shell, then each fragment. ESI on, Varnish assembles the page from
includes and a page view is one request. Every body is checked against the user who asked:
another user's name anywhere is a leak.

``KEPT_PATH`` is a page of fragments Varnish keeps: ``shell-kept``, per session
(``CachePolicy.private(per_session=...)``), and the public news: there a leak would be one
session's stored copy served to another.
"""

from __future__ import annotations

import html
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

USERS = [f"shopper-{i}" for i in range(8)]
PATH = "/shells/page/?test=load"
NAMES = ["shell-cart", "shell-news", "shell-whoami"]
KEPT_PATH = "/shells/kept/?test=load"
KEPT_NAMES = ["shell-kept", "shell-news"]
NEWS = "<aside>news about shoes #"
_SRC_RE = re.compile(r'<ck-fragment name="([a-z0-9-]+)" src="([^"]+)"')
_LOADED_RE = re.compile(
    r'<ck-fragment name="([a-z0-9-]+)" src="[^"]+"[^>]* state="loaded">(.*?)</ck-fragment>'
)


@dataclass
class Site:
    url: str  # Varnish
    sessions: dict[str, str]  # username -> session key

    def client(self, user: str) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # loopback only
        session.cookies.set("sessionid", self.sessions[user])
        return session


def private_bodies(user: str) -> dict[str, str]:
    return {
        "shell-whoami": f'<b class="who">user={user}</b>',
        "shell-cart": f'<span class="cart">cart={user} sku=shoe-1</span>',
        "shell-kept": f'<b class="kept">kept={user}</b>',
    }


def fragment_srcs(shell: str) -> dict[str, str]:
    return {name: html.unescape(src) for name, src in _SRC_RE.findall(shell)}


def page_views(
    site: Site, user: str, loads: int, *, esi: bool, path: str = PATH, names: list[str] = NAMES
) -> Counter[str]:
    """``loads`` page views of ``user`` of the page at ``path`` (holding fragments ``names``);
    what was seen, counted."""
    counts: Counter[str] = Counter()
    others = [u for u in USERS if u != user]
    expected = private_bodies(user)
    with site.client(user) as client:
        for _ in range(loads):
            page = client.get(site.url + path, timeout=15)
            counts["page loads"] += 1
            counts["errors"] += page.status_code != 200
            counts[f"shell {page.headers.get('X-Cache')}"] += 1
            if esi:
                counts["leaks"] += any(other in page.text for other in others)
                bodies = dict(_LOADED_RE.findall(page.text))
                counts["bad shells"] += sorted(bodies) != names or "<esi:" in page.text
                for name, body in bodies.items():
                    counts["wrong bodies"] += _wrong(name, body, expected)
                continue
            counts["leaks"] += any(name in page.text for name in USERS)
            srcs = fragment_srcs(page.text)
            counts["bad shells"] += sorted(srcs) != names
            for name, src in srcs.items():
                response = client.get(site.url + src, timeout=15)
                kind = "private" if name in expected else "public"
                counts[f"{kind} fragment {response.headers.get('X-Cache')}"] += 1
                counts[f"served by {response.headers.get('X-Served-By') or 'one host'}"] += 1
                counts["leaks"] += any(other in response.text for other in others)
                counts["wrong bodies"] += _wrong(name, response.text, expected)
                counts["errors"] += response.status_code != 200
    return counts


def run(
    site: Site, loads: int, *, esi: bool, path: str = PATH, names: list[str] = NAMES
) -> tuple[Counter[str], str]:
    """Every user's page views at once; the totals and a line that says them."""
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(USERS)) as pool:
        views = pool.map(lambda user: page_views(site, user, loads, esi=esi, path=path, names=names), USERS)
        totals = sum(views, Counter())
    elapsed = time.monotonic() - start
    figures = (
        f"ESI {'on' if esi else 'off'}, {len(USERS)} users x {loads} page loads in {elapsed:.1f} s: "
        + ", ".join(f"{key}={value}" for key, value in sorted(totals.items()))
    )
    print(figures)
    return totals, figures


def _wrong(name: str, body: str, expected: dict[str, str]) -> bool:
    if name in expected:
        return body != expected[name]
    return not body.startswith(NEWS)
