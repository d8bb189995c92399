"""(1) Server CPU of real browsing: composed vs monolithic, with and without ``{% cache %}``.

Three stacks serve the demo shop (``bench.variants``), each on its own copy of one seeded
database with a Redis of its own (Django's cache: cached_db sessions, shells, ``{% cache %}``
parts), under gunicorn with the same workers and threads:

- ``composed``: the demo as shipped, behind varnishd running docs/varnish/composekit.vcl
  (only its backend rewritten); the browsers talk to Varnish. The app purges that Varnish by
  tag when a product changes (``DEMO_PURGE_VARNISH``), so Varnish keeps the shells and the
  public price fragment until then (``keep_until_purged``: a day at most).
- ``monolithic`` and ``monolithic-cache``: plain Django; the browsers talk to gunicorn (a page
  made for one user gains nothing from a proxy, which would only add its own CPU).

Shoppers browse in real Chromium (Playwright, ``harness/browsers.py``), so the HTTP cache,
cookies, ``Vary``, the loader's kept fragments and its batching are the real thing. Each
round, for each variant in turn (a rotating order), every shopper gets a new browser context
that has seen the login page (so the static files are in its HTTP cache) and holds the
cookies of a session logged in before any round (logins are not measured); it then views
the pages of its plan (fixed, seeded: catalog, categories, products, all different, the
products skewed to each category's first) in one tab, each until every fragment on it has
loaded (lazy ones scrolled into view), and adds the product of page ``add_after`` to its
cart (composed: composekit-live; monolithic: ``bench/variants/parts.js``, over fetch, the
answer only the parts the add changed, as an htmx-style app). Page 1 of every shopper first (the first view), then the rest. The server CPU of a phase is the CPU time (``/proc``) of every process
of the stack over it: gunicorn's master and workers, varnishd's manager and child,
redis-server. ``bench.request_cpu`` splits gunicorn's by request.

What each page showed (the shopper's name, cart count, picks, price and stock) is compared
across the variants: they must serve the same content.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.launch import copy_prepared, demo_env
from harness import vcl
from harness.browsers import chromium_launch_args
from harness.servers import ROOT, Server, free_port, redis_server, varnish_counters, varnishd

from . import purging, request_cpu
from .demo_data import TIMEOUT, catalog_paths, counted_demo, log_in_all, new_session, placeholders
from .stats import interleaved, summarize

COMPOSED = "composed"
VARIANTS = (COMPOSED, "monolithic", "monolithic-cache")
PHASES = ("first", "rest")  # page 1 of every shopper; then pages 2 and on
LISTING_SHARE = 0.4  # of a plan's pages, catalog and category pages; the rest products
SEED = 15
PUBLIC_FRAGMENTS = ("stock-price",)  # the demo's fragments every visitor shares
TIMEOUT_MS = 30_000

# Every placeholder loaded (lazy ones scrolled into view first), or failed.
SETTLED = """() => {
  const all = [...document.querySelectorAll("ck-fragment")];
  for (const el of all) {
    if (el.getAttribute("loading") === "lazy" && !el.hasAttribute("state")) el.scrollIntoView({block: "center"});
  }
  return all.every((el) => ["loaded", "error"].includes(el.getAttribute("state")));
}"""
# What the shopper sees of themselves and of the page: equal in every variant.
CONTENT = """() => {
  const text = (selector) => document.querySelector(selector)?.textContent.trim() ?? null;
  return {
    title: text("h1"),
    user: text(".user-name"),
    cart: text("[data-cart-count]"),
    price: text(".buy-price .price"),
    stock: text(".buy-price .stock"),
    picks: [...document.querySelectorAll(".recommendations .card:not([hidden]) .card-title")].map((e) => e.textContent.trim()),
    cards: document.querySelectorAll(".card:not(.card-skeleton)").length,
    failed: document.querySelectorAll("ck-fragment[state=error]").length,
  };
}"""
# Before the composed add-to-cart: count the refreshes of the fragments its answer's
# cart:changed reloads (composekit-live's refresh-on). The add is done when the form is no
# longer busy and each of them has refreshed (or found nothing changed).
WATCH_REFRESHES = """() => {
  const watched = [...document.querySelectorAll('ck-fragment[refresh-on~="cart:changed"]')];
  const counts = (window.benchRefreshes = {expected: watched.length, done: 0});
  for (const el of watched) {
    const refresh = el.refresh.bind(el);
    el.refresh = () => refresh().finally(() => { counts.done += 1; });
  }
}"""
ADDED = """() => !document.querySelector('form.add-form[aria-busy]')
  && window.benchRefreshes.done >= window.benchRefreshes.expected"""
# Before the monolithic add-to-cart: parts.js says "cart:changed" once it swapped the parts in.
WATCH_SWAP = """() => {
  window.benchSwapped = false;
  document.addEventListener("cart:changed", () => { window.benchSwapped = true; }, {once: true});
}"""
SWAPPED = """() => window.benchSwapped && !document.querySelector('form.add-form[aria-busy]')"""


@dataclass
class Stack:
    variant: str
    url: str  # where the browsers go: Varnish, or gunicorn
    app: Server
    redis: Server
    proxy: Server | None
    requests: Path  # bench.request_cpu's folder
    env: dict[str, str]  # the app's environment: a management command runs with it too

    def servers(self) -> dict[str, Server]:
        found = {"gunicorn": self.app, "redis-server": self.redis}
        if self.proxy is not None:
            found["varnishd"] = self.proxy
        return found

    def snapshot(self) -> dict[str, Any]:
        return {
            "time": time.time(),
            "cpu": {name: server.cpu_seconds() for name, server in self.servers().items()},
            "varnish": varnish_counters(self.proxy) if self.proxy is not None else {},
        }


@contextmanager
def serving(prepared: Path, tmp: Path, *, workers: int, threads: int) -> Iterator[dict[str, Stack]]:
    """The three stacks, each on a copy of the ``prepared`` demo."""
    with ExitStack() as running:
        stacks = {}
        for variant in VARIANTS:
            folder = tmp / variant
            copy_prepared(prepared, folder)
            redis = running.enter_context(redis_server(folder))
            requests = folder / "requests"
            requests.mkdir()
            # Composed as users run it behind Varnish: the app purges it by tag when a product
            # changes, so Varnish keeps shells and the price until then (a day at most). Varnish
            # listens where the app was told before either starts.
            purged = f"127.0.0.1:{free_port()}" if variant == COMPOSED else None
            env = demo_env(
                folder,
                DJANGO_SETTINGS_MODULE="bench.variants.settings",
                BENCH_VARIANT=variant,
                BENCH_REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
                BENCH_REQUEST_CPU=str(requests),
                PYTHONPATH=str(ROOT),
                **({"DEMO_PURGE_VARNISH": f"http://{purged}"} if purged else {}),
            )
            app = running.enter_context(counted_demo(folder, env, workers=workers, threads=threads))
            proxy = None
            if purged:
                config = vcl.reference(folder / "vcl", app.port)
                proxy = running.enter_context(varnishd(folder, vcl=config, address=purged))
            stacks[variant] = Stack(variant, (proxy or app).url, app, redis, proxy, requests, env)
        yield stacks


@dataclass(frozen=True)
class Catalog:
    listings: tuple[str, ...]  # the catalog and its categories
    products: tuple[str, ...]
    popularity: tuple[float, ...]  # of each product: 1 / its rank in its category
    in_stock: frozenset[str]


def discover(base_url: str) -> Catalog:
    """The shop's pages, as its navigation and category pages link them."""
    listings = catalog_paths(base_url, 100)
    products: dict[str, tuple[float, bool]] = {}
    with new_session() as session:
        for path in listings[1:]:
            html = session.get(base_url + path, timeout=TIMEOUT).text
            cards = re.findall(r'<li class="card"[^>]*>(.*?)</li>', html, re.S)
            for rank, card in enumerate(cards, start=1):
                link = re.search(r'href="(/p/[^"]+)"', card)
                if link:
                    products[link.group(1)] = (1 / rank, "Sold out" not in card)
    return Catalog(
        tuple(listings),
        tuple(products),
        tuple(weight for weight, _ in products.values()),
        frozenset(path for path, (_, ok) in products.items() if ok),
    )


def make_plans(catalog: Catalog, shoppers: int, pages: int, add_after: int) -> list[list[str]]:
    """Each shopper's pages, all different: listings or products, the products skewed to each
    category's first (Zipf, as a shop's traffic is); page ``add_after`` a product in stock."""
    rng = random.Random(SEED)
    plans = []
    for _ in range(shoppers):
        plan: list[str] = []
        while len(plan) < pages:
            if rng.random() < LISTING_SHARE and len(plan) + 1 != add_after:
                path = rng.choice(catalog.listings)
            else:
                path = rng.choices(catalog.products, catalog.popularity)[0]
                if len(plan) + 1 == add_after and path not in catalog.in_stock:
                    continue
            if path not in plan:
                plan.append(path)
        plans.append(plan)
    return plans


def cookies_of(stack: Stack, names: Sequence[str]) -> list[list[dict[str, str]]]:
    """Log each shopper in (straight to gunicorn); the cookies a browser would hold."""
    sessions = log_in_all(stack.app.url, names)
    try:
        return [
            [{"name": c.name, "value": c.value or "", "domain": "127.0.0.1", "path": "/"} for c in s.cookies]
            for s in sessions
        ]
    finally:
        for session in sessions:
            session.close()


# -- one shopper's tab ------------------------------------------------------------------------


async def _settled(page: Any) -> dict[str, Any]:
    await page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
    content: dict[str, Any] = await page.evaluate(CONTENT)
    if content.pop("failed"):
        raise AssertionError(f"{page.url}: a fragment failed to load")
    return content


async def _view(page: Any, url: str) -> dict[str, Any]:
    await page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    return await _settled(page)


async def _add_to_cart(page: Any, variant: str) -> dict[str, Any]:
    button = page.get_by_role("button", name="Add to cart")
    if variant == COMPOSED:
        # composekit-live posts the form with fetch(); the answer's cart:changed refreshes the
        # cart's fragments in place.
        await page.evaluate(WATCH_REFRESHES)
        await button.click()
        await page.wait_for_function(ADDED, timeout=TIMEOUT_MS)
    else:
        # htmx-style (bench/variants/parts.js): the form posted over fetch, the answer's parts
        # (the cart summary, the picks) swapped in, then "cart:changed".
        await page.evaluate(WATCH_SWAP)
        await button.click()
        await page.wait_for_function(SWAPPED, timeout=TIMEOUT_MS)
    return await _settled(page)


async def _tab(browser: Any, url: str, cookies: list[dict[str, str]]) -> tuple[Any, Any]:
    """A new context that has seen the login page, with a logged-in shopper's cookies, and a
    new tab (no kept fragments)."""
    context = await browser.new_context()
    first = await context.new_page()
    await _view(first, url + "/login/")
    await first.close()
    await context.add_cookies(cookies)
    return context, await context.new_page()


def warm_shared_caches(stack: Stack, plans: list[list[str]]) -> None:
    """Ask once for every page of the plans, and the public fragments on them, anonymously,
    before the shoppers come.

    A shop has more visitors than the benchmark's shoppers: they keep what every visitor
    shares in the shared caches (Varnish's shells and price fragments, the ``{% cache %}``
    parts), which would otherwise be missing from the first round of a run without warm-up.
    Asked of every variant alike (the monolithic pages render their parts in the page).
    """
    with new_session() as session:
        for path in sorted({path for plan in plans for path in plan}):
            response = session.get(stack.url + path, timeout=TIMEOUT)
            if response.status_code != 200:
                raise AssertionError(f"{stack.variant} {path} answered {response.status_code}")
            for attrs in placeholders(response.text):
                if attrs.get("name") in PUBLIC_FRAGMENTS and attrs.get("src"):
                    url = stack.url + str(attrs["src"])
                    fragment = session.get(url, headers={"Accept": "text/html"}, timeout=TIMEOUT)
                    if fragment.status_code != 200:
                        raise AssertionError(f"{stack.variant} {url} answered {fragment.status_code}")


async def _settle(stack: Stack, *, quiet_ms: float = 10.0, step: float = 0.5, limit: float = 20.0) -> None:
    """Wait (at most ``limit`` s) until the stack spends at most ``quiet_ms`` of CPU in ``step`` s."""
    before = stack.snapshot()
    for _ in range(int(limit / step)):
        await asyncio.sleep(step)
        after = stack.snapshot()
        if _cpu_ms([before, after], 0, 1) <= quiet_ms:
            return
        before = after


async def _window(
    browser: Any,
    stack: Stack,
    cookies: list[list[dict[str, str]]],
    plans: list[list[str]],
    add_after: int,
    concurrency: int,
    idle_s: float,
) -> dict[str, Any]:
    """Every shopper's session on ``stack``: page 1 of each, then the rest.

    Before it: the stack's CPU while it serves nothing for ``idle_s`` seconds (polling, timers,
    housekeeping: a cost per second, not per page view), measured while the stack has been
    quiet since its last round; then the shared caches warmed, and the work that set going in
    the background (Varnish's background fetches of stale shells) let finish, so that the
    round pays for neither.
    """
    idle = [stack.snapshot()]
    await asyncio.sleep(idle_s)
    idle.append(stack.snapshot())
    warm_shared_caches(stack, plans)
    await _settle(stack)
    limit = asyncio.Semaphore(concurrency)

    async def tab(jar: list[dict[str, str]]) -> tuple[Any, Any]:
        async with limit:
            return await _tab(browser, stack.url, jar)

    tabs = await asyncio.gather(*(tab(jar) for jar in cookies))
    seen: list[list[dict[str, Any]]] = [[] for _ in plans]

    async def browse(who: int, pages: range) -> None:
        async with limit:
            page = tabs[who][1]
            for number in pages:
                seen[who].append(await _view(page, stack.url + plans[who][number - 1]))
                if number == add_after:
                    seen[who].append(await _add_to_cart(page, stack.variant))

    marks = [stack.snapshot()]
    started = time.perf_counter()
    try:
        for pages in (range(1, 2), range(2, len(plans[0]) + 1)):
            await asyncio.gather(*(browse(who, pages) for who in range(len(plans))))
            marks.append(stack.snapshot())
    finally:
        for context, _ in tabs:
            await context.close()
    return {"marks": marks, "wall": time.perf_counter() - started, "seen": seen, "idle": idle}


# -- the benchmark ------------------------------------------------------------------------------


def run(
    prepared: Path,
    tmp: Path,
    *,
    shoppers: int,
    pages: int,
    add_after: int,
    rounds: int,
    warmup: int,
    concurrency: int,
    idle_s: float,
    workers: int,
    threads: int,
    changes: int = 5,
    visitors: int = 5,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """``changes`` and ``visitors``: the price changes after the rounds, each watched by as
    many visitors (defaults, for results saved before they were sizes)."""
    from playwright.async_api import async_playwright

    names = [f"bench-{i:02}" for i in range(shoppers)]
    loop = asyncio.new_event_loop()
    windows: dict[str, list[dict[str, Any]]] = {}
    try:
        with serving(prepared, tmp, workers=workers, threads=threads) as stacks:
            catalog = discover(stacks[COMPOSED].url)
            plans = make_plans(catalog, shoppers, pages, add_after)
            log(f"  logging in {shoppers} shoppers on each variant")
            cookies = {variant: cookies_of(stack, names) for variant, stack in stacks.items()}
            playwright = loop.run_until_complete(async_playwright().start())
            browser = loop.run_until_complete(playwright.chromium.launch(**chromium_launch_args()))
            try:

                def measure(variant: str) -> dict[str, Any]:
                    window = _window(
                        browser, stacks[variant], cookies[variant], plans, add_after, concurrency, idle_s
                    )
                    result: dict[str, Any] = loop.run_until_complete(window)
                    cpu = _cpu_ms(result["marks"], 0, 2) / (shoppers * pages)
                    log(f"  {variant:<17} {cpu:6.2f} server CPU-ms per page view, {result['wall']:.0f} s")
                    return result

                for _ in range(warmup):  # Varnish, Django's caches, connections, the OS page cache
                    for variant in VARIANTS:
                        measure(variant)
                windows = interleaved(list(VARIANTS), rounds, measure)
                version = browser.version
                # After the measured rounds: nothing it costs falls in a window.
                log(f"  {changes} price changes, each watched by {visitors} visitors through Varnish")
                # The first category's first product in stock: among the most viewed.
                popular = next(path for path in catalog.products if path in catalog.in_stock)
                change = purging.price_changes(
                    stacks[COMPOSED], popular, catalog.listings, changes=changes, visitors=visitors, log=log
                )
            finally:
                loop.run_until_complete(browser.close())
                loop.run_until_complete(playwright.stop())
        # The servers have stopped: their workers wrote what each request cost.
        served = {variant: request_cpu.read(stack.requests) for variant, stack in stacks.items()}
    finally:
        loop.close()
    return {
        "shoppers": shoppers,
        "pages": pages,
        "add_after": add_after,
        "rounds": rounds,
        "warmup": warmup,
        "concurrency": concurrency,
        "server": f"{workers} gthread workers × {threads} threads each",
        "browser_version": version,
        "plan": _describe_plans(plans, catalog),
        "variants": {v: _variant(windows[v], served[v], shoppers, pages) for v in VARIANTS},
        "ratios": _ratios(windows, shoppers, pages),
        "busy_ratios": _ratios(windows, shoppers, pages, _busy_per_view),
        "idle_s": idle_s,
        "mismatches": _mismatches(windows),
        "composed_purged": True,  # DEMO_PURGE_VARNISH: kept in Varnish until purged
        "django_requests": purging.django_requests(
            windows[COMPOSED], served[COMPOSED], shoppers * pages * rounds
        ),
        "price_change": {**change, "requests": purging.requests_during(served[COMPOSED], change["window"])},
    }


def _cpu_ms(marks: list[dict[str, Any]], start: int, end: int, server: str | None = None) -> float:
    """Server CPU-ms between two marks: of one server, or of them all."""
    before, after = marks[start]["cpu"], marks[end]["cpu"]
    names = [server] if server else list(after)
    total: float = sum(after[name] - before[name] for name in names) * 1000
    return total


def _idle_ms_per_view(window: dict[str, Any], phase: str, shoppers: int, pages: int) -> float:
    """The stack's idle CPU rate, measured before the round, times the phase's length, per view."""
    before, after = window["idle"]
    rate = _cpu_ms(window["idle"], 0, 1) / (after["time"] - before["time"])
    end = 1 if phase == "first" else 2
    length = window["marks"][end]["time"] - window["marks"][0]["time"]
    per_view: float = rate * length / _views(phase, shoppers, pages)
    return per_view


def _views(phase: str, shoppers: int, pages: int) -> int:
    return shoppers if phase == "first" else shoppers * pages


def _per_view(windows: list[dict[str, Any]], phase: str, shoppers: int, pages: int) -> list[float]:
    """Server CPU-ms per page view of each round: the first view, or the session's average."""
    return [
        _cpu_ms(w["marks"], 0, 1 if phase == "first" else 2) / _views(phase, shoppers, pages) for w in windows
    ]


def _busy_per_view(windows: list[dict[str, Any]], phase: str, shoppers: int, pages: int) -> list[float]:
    """Per round: server CPU-ms per page view less what the stack costs idle over as long."""
    return [
        total - _idle_ms_per_view(window, phase, shoppers, pages)
        for total, window in zip(_per_view(windows, phase, shoppers, pages), windows, strict=True)
    ]


def _ratios(
    windows: dict[str, list[dict[str, Any]]],
    shoppers: int,
    pages: int,
    per_view: Callable[[list[dict[str, Any]], str, int, int], list[float]] = _per_view,
) -> dict[str, Any]:
    """Per round: a monolithic variant's CPU per view ÷ composed's."""
    ratios: dict[str, Any] = {}
    for peer in VARIANTS[1:]:
        ratios[peer] = {}
        for phase in ("first", "session"):
            ours = per_view(windows[COMPOSED], phase, shoppers, pages)
            theirs = per_view(windows[peer], phase, shoppers, pages)
            ratios[peer][phase] = summarize([t / o for t, o in zip(theirs, ours, strict=True)])
    return ratios


def _variant(
    windows: list[dict[str, Any]], served: list[tuple[float, str, float]], shoppers: int, pages: int
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "cpu_ms_per_view": {
            p: summarize(_per_view(windows, p, shoppers, pages)) for p in ("first", "session")
        },
        "wall_s": summarize([w["wall"] for w in windows]),
        "idle_ms_per_s": summarize(
            [_cpu_ms(w["idle"], 0, 1) / (w["idle"][1]["time"] - w["idle"][0]["time"]) for w in windows]
        ),
        "busy_ms_per_view": {
            p: summarize(_busy_per_view(windows, p, shoppers, pages)) for p in ("first", "session")
        },
        "where": {},
    }
    for phase, (start, end) in (("first", (0, 1)), ("session", (0, 2))):
        views = _views(phase, shoppers, pages) * len(windows)
        result["where"][phase] = _where(windows, served, start, end, views)
    return result


def _where(
    windows: list[dict[str, Any]], served: list[tuple[float, str, float]], start: int, end: int, views: int
) -> dict[str, Any]:
    """Where the CPU of every round's marks ``start``..``end`` went, per page view: each kind
    of request gunicorn served, gunicorn outside them, varnishd, redis-server."""
    counts: Counter[str] = Counter()
    cpu: defaultdict[str, float] = defaultdict(float)
    servers: defaultdict[str, float] = defaultdict(float)
    varnish: Counter[str] = Counter()
    for window in windows:
        marks = window["marks"]
        begin, until = marks[start]["time"], marks[end]["time"]
        for at, kind, seconds in served:
            if begin <= at < until:
                counts[kind] += 1
                cpu[kind] += seconds * 1000
        for server in marks[end]["cpu"]:
            servers[server] += _cpu_ms(marks, start, end, server)
        for name, value in marks[end]["varnish"].items():
            varnish[name] += value - marks[start]["varnish"].get(name, 0)
    rows = [
        {
            "what": kind,
            "requests": counts[kind] / views,
            "cpu_ms": cpu[kind] / views,
            "ms_each": cpu[kind] / counts[kind],
        }
        for kind in sorted(counts, key=lambda k: -cpu[k])
    ]
    outside = servers["gunicorn"] - sum(cpu.values())
    rows.append(
        {"what": "gunicorn outside requests", "requests": None, "cpu_ms": outside / views, "ms_each": None}
    )
    for server in ("varnishd", "redis-server"):
        if server in servers:
            rows.append(
                {"what": server, "requests": None, "cpu_ms": servers[server] / views, "ms_each": None}
            )
    return {
        "rows": rows,
        "total_cpu_ms": sum(servers.values()) / views,
        "varnish": {name: varnish[name] / views for name in VARNISH_COUNTERS if name in varnish},
    }


# varnishd's counters the report shows, per page view.
VARNISH_COUNTERS = (
    "MAIN.client_req",
    "MAIN.cache_hit",
    "MAIN.cache_miss",
    "MAIN.cache_hitmiss",
    "MAIN.s_pass",
)


def _mismatches(windows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Page views whose content differs between composed and another variant (should be none)."""
    found = []
    for peer in VARIANTS[1:]:
        for number, (ours, theirs) in enumerate(zip(windows[COMPOSED], windows[peer], strict=True)):
            for who, (a, b) in enumerate(zip(ours["seen"], theirs["seen"], strict=True)):
                for view, (x, y) in enumerate(zip(a, b, strict=True)):
                    if x != y:
                        found.append(f"round {number + 1}, shopper {who}, view {view + 1}: {x} vs {peer} {y}")
    return found[:10]


def _describe_plans(plans: list[list[str]], catalog: Catalog) -> dict[str, Any]:
    views = [path for plan in plans for path in plan]
    return {
        "listings": sum(path in catalog.listings for path in views),
        "products": sum(path.startswith("/p/") for path in views),
        "distinct": len(set(views)),
        "first_pages": Counter("product" if plan[0].startswith("/p/") else "listing" for plan in plans),
        "example": plans[0],
    }
