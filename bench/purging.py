"""(1) The composed variant kept until purged: what still reaches Django, and how soon a change shows.

Behind Varnish with purging configured, Django is asked for a shell or the public price only
when Varnish does not hold it: the first time, or after a purge.

- ``django_requests()``: what reached gunicorn over the measured sessions, by kind, per page
  view (``bench.request_cpu``'s labels, grouped). No product changes during the rounds, so
  the target is that no shell and no price request reaches Django at all.
- ``price_changes()``: after the rounds, a product's price is saved through the demo's own
  code (``manage.py shell`` with the app's environment: ``expire_on_change`` purges after the
  commit, in the background, flushed at exit) while several visitors poll, through Varnish,
  its page, its price fragment and a listing (catalog or category page) showing its card,
  until each has seen the new price on all three. Per change: the time from the save's
  commit to the last visitor seeing it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from demo.launch import DEMO_DIR

from .demo_data import TIMEOUT, in_threads, new_session, placeholders

GROUPS = ("shell", "stock-price", "batch", "picks (recommended)", "add to cart (POST)", "other")
KEPT = ("shell", "stock-price")  # what Varnish keeps until purged: the target is none of these
POLL_S = 0.05  # each visitor asks again this long after its last answer
DEADLINE_S = 30.0  # a change not seen by every visitor by then is reported as not seen

# Runs in the demo's `manage.py shell`: the save commits (autocommit), so its purge is queued
# before the time is printed; it is sent in the background and flushed when the shell exits.
_CHANGE = """
import time
from decimal import Decimal
from shop.models import Product
product = Product.objects.get(sku={sku!r})
product.price = Decimal({price!r})
product.save()
print("saved", time.time(), flush=True)
"""
_PRICE = re.compile(r'<div class="buy-price">\s*<p class="price[^"]*">([^<]*)</p>')


class Composed(Protocol):
    url: str
    env: dict[str, str]


def group(kind: str) -> str:
    """``bench.request_cpu``'s label of a request, as the report groups it."""
    if kind.startswith("shell"):
        return "shell"
    if kind.startswith("fragment stock-price"):
        return "stock-price"
    if kind.startswith("batch of"):
        return "batch"
    if kind.startswith("fragment recommended"):
        return "picks (recommended)"
    if kind == "POST /cart/add/":
        return "add to cart (POST)"
    return "other"


def django_requests(
    windows: Sequence[dict[str, Any]], served: Sequence[tuple[float, str, float]], views: int
) -> dict[str, Any]:
    """The requests gunicorn served over every round's session (its marks 0 to 2), by group
    and by label; ``views`` is the page views of all those rounds."""
    kinds: Counter[str] = Counter()
    for window in windows:
        begin, until = window["marks"][0]["time"], window["marks"][2]["time"]
        kinds.update(kind for at, kind, _ in served if begin <= at < until)
    groups = Counter(dict.fromkeys(GROUPS, 0))
    for kind, count in kinds.items():
        groups[group(kind)] += count
    return {
        "views": views,
        "counts": dict(groups),
        "per_view": {name: count / views for name, count in groups.items()},
        "kinds": dict(kinds.most_common()),
        "product_changes": 0,  # none during the rounds: the price changes come after them
    }


def _price(html: str, sku: str) -> str | None:
    """The price the buy box (product page, price fragment) shows, else ``sku``'s card."""
    found = _PRICE.search(html) or re.search(
        rf'<li class="card" data-sku="{re.escape(sku)}".*?<p class="price">([^<]*)</p>', html, re.S
    )
    return found.group(1).strip() if found else None


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"  # as the demo's `money` filter writes it


def price_changes(
    stack: Composed,
    product: str,
    listings: Sequence[str],
    *,
    changes: int,
    visitors: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Change the price of the product at ``product`` (a path) ``changes`` times; after each,
    ``visitors`` anonymous clients poll through ``stack.url`` its page, its price fragment and
    the first of ``listings`` that shows its card."""
    with new_session() as session:
        page = session.get(stack.url + product, timeout=TIMEOUT).text
        item = re.search(r"Item ([A-Z]+-\d+)", page)
        src = next((a.get("src") for a in placeholders(page) if a.get("name") == "stock-price"), None)
        if not (item and src):
            raise AssertionError(f"{product}: no SKU or price fragment on the page")
        sku = item.group(1)
        listing = next(
            (
                path
                for path in listings
                if f'data-sku="{sku}"' in session.get(stack.url + path, timeout=TIMEOUT).text
            ),
            None,
        )
    shown = _price(page, sku)
    if not (shown and listing):
        raise AssertionError(f"{product}: no price on the page, or no listing shows {sku}")
    urls = {"product page": product, "price fragment": str(src), "listing": listing}
    price = Decimal(shown.lstrip("$").replace(",", ""))
    clients = [new_session() for _ in range(visitors)]
    samples: list[dict[str, Any]] = []
    started = time.time()
    try:
        for number in range(1, changes + 1):
            samples.append(_change(stack, sku, price + number, urls, clients))
            seen = samples[-1]["last_s"]
            log(
                f"  price change {number}: "
                + ("not seen" if seen is None else f"{seen:.2f} s to every visitor")
            )
    finally:
        for client in clients:
            client.close()
    return {
        "product": product,
        "urls": urls,
        "visitors": visitors,
        "poll_s": POLL_S,
        "deadline_s": DEADLINE_S,
        "changes": samples,
        "window": [started, time.time()],
    }


def _change(
    stack: Composed, sku: str, price: Decimal, urls: dict[str, str], clients: Sequence[Any]
) -> dict[str, Any]:
    """One price change: when the first visitor saw it anywhere, when the last had seen it on
    each URL, and on them all; in seconds after the save, None if someone never did."""
    script = _CHANGE.format(sku=sku, price=str(price))
    change = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=DEMO_DIR,
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert change.stdout is not None
    # The shell may print first (Django 5.2 says what it imported).
    line = next((line for line in change.stdout if line.startswith("saved ")), "")
    if not line:
        _, err = change.communicate(timeout=TIMEOUT)
        raise RuntimeError(f"saving {sku} printed no time:\n{err[-4000:]}")
    saved_at = float(line.split()[1])
    wanted = _money(price)

    def watch(who: int) -> dict[str, float | None]:
        seen: dict[str, float | None] = dict.fromkeys(urls)
        while None in seen.values() and time.time() < saved_at + DEADLINE_S:
            for name, path in urls.items():
                if seen[name] is None:
                    html = clients[who].get(stack.url + path, timeout=TIMEOUT).text
                    if _price(html, sku) == wanted:
                        seen[name] = time.time() - saved_at
            time.sleep(POLL_S)
        return seen

    seen = in_threads(len(clients), watch)
    _, err = change.communicate(timeout=TIMEOUT)
    if change.returncode:
        raise RuntimeError(f"saving {sku} exited with {change.returncode}:\n{err[-4000:]}")

    def last(times: list[float | None]) -> float | None:
        return None if None in times else max(t for t in times if t is not None)

    return {
        "first_s": min((t for s in seen for t in s.values() if t is not None), default=None),
        "each_s": {name: last([s[name] for s in seen]) for name in urls},
        "last_s": last([t for s in seen for t in s.values()]),
    }


def requests_during(served: Sequence[tuple[float, str, float]], window: Sequence[float]) -> dict[str, int]:
    """What reached gunicorn while the prices changed, by group."""
    groups = Counter(group(kind) for at, kind, _ in served if window[0] <= at < window[1])
    return {name: groups[name] for name in GROUPS if groups[name]}
