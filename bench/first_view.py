"""(1c) The complete first view in Chromium, and the add-to-cart before and after write answers.

Four stacks of the demo shop, each on its own copy of one seeded database with a Redis of its
own, under gunicorn with the same workers and threads (``bench.variants.settings``):

- ``client``: composed, client mode (the loader fetches the fragments), behind varnishd running
  the shipped VCL (as users run it; the app purges it by tag, so Varnish keeps each session's
  private fragments: persession.py);
- ``client-unpurged``: the same without purges (``DEMO_PURGE_VARNISH`` unset): Varnish keeps no
  private fragment, and the loader batches them;
- ``esi``: composed, ESI mode, behind the same Varnish setup (Varnish composes);
- ``stream``: composed, streamed mode (``COMPOSEKIT_MODE=stream``), behind the same Varnish
  setup too (the shipped VCL passes a streamed page without buffering it: docs/streaming.md);
- ``monolithic``: plain Django rendering every part into the page; the browser talks to
  gunicorn (as in section 1).

Each round, for each variant in turn (a rotating order): the stack is left idle for ``idle_s``
seconds (its CPU per second measured), its shared caches warmed (anonymously, as section 1
does), then ``shoppers`` shoppers, each logged in anew for the round (so no earlier round left
their private fragments anywhere: Varnish's per-session copies, the browser), one after the
other:

- ``cold``: a new browser context holding only the login's cookies (an empty HTTP cache, no
  storage) views a product page;
- ``warm``: the same tab then views another product page.

A view's time is from navigation start (``performance.now()``'s origin) to the moment the page
is parsed (DOMContentLoaded) and every ``<ck-fragment>`` in it is ``state="loaded"``, whichever
comes later, as an init script in the page sees it (a MutationObserver on ``state``). The
window is 3000 px tall, so the lazy fragment (the picks, below the fold) is in view at once
and is part of the complete view without scrolling. The monolithic page's parts are in its
HTML (``<ck-fragment state="loaded">`` boxes), so its time is its DOMContentLoaded. Each phase
lies between two snapshots of every server process's CPU (gunicorn's master and workers,
varnishd, redis-server: ``/proc/<pid>/stat``); ``bench.request_cpu`` splits gunicorn's by
request.

Then, on ``client`` and ``client-unpurged`` (``ADDING``), each shopper adds the warm page's
product to their cart twice, once as main does (``after``: the loader's form sends
``CK-Fragments`` and the answer carries the fragments the add moved) and once without write
answers (``before``: a Playwright route on the add's URL strips the ``CK-Fragments`` request
header, so the server answers 204 with ``CK-Trigger`` and the loader asks again for the
fragments that listen, as before item 1; nothing else changes). Both go through the same route
(one passes the request on unchanged), so both pay the same interception. The first add of a
product moves the picks (scope ``cart-products``), the second only the cart, so the two modes
take turns going first, round by round. Counted: the browser's requests from the click until
the cart summary shows the new count, and until no request has been in flight for
``QUIET_S``; the round trips (the most of those requests that ran one after the other);
gunicorn's requests and the server CPU of the phase.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from demo.launch import copy_prepared, demo_env
from harness import vcl
from harness.browsers import chromium_launch_args
from harness.servers import ROOT, free_port, redis_server, varnishd

from . import request_cpu
from .browsing import Stack, _cpu_ms, _settle, _where, cookies_of, discover, warm_shared_caches
from .demo_data import TIMEOUT, counted_demo, log_in_all
from .stats import interleaved, summarize

VARIANTS = ("client", "client-unpurged", "esi", "stream", "monolithic")
MODES = {"client": "client", "client-unpurged": "client", "esi": "esi", "stream": "stream"}
# The app purges its Varnish by tag (DEMO_PURGE_VARNISH), as the demo behind Varnish runs: Varnish
# keeps shells and the price until purged, and the private fragments per session (persession.py),
# which the loader then fetches alone (batch="session").
PURGED = ("client", "esi", "stream")
BASELINE = "client"
ADDING = ("client", "client-unpurged")  # the variants that add to the cart
PHASES = ("cold", "warm")
ADD_MODES = ("after", "before")  # main (write answers), and CK-Fragments stripped
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 3000}
QUIET_S = 0.5  # after the add: no request in flight for this long
ASK_HEADER = "ck-fragments"  # composekit.answers.ASK_HEADER, as Playwright spells headers

# Records window.benchComplete: performance.now() once the page is parsed and every
# <ck-fragment> is loaded (or failed).
COMPLETE = """(() => {
  const settled = () => [...document.querySelectorAll("ck-fragment")]
    .every((el) => ["loaded", "error"].includes(el.getAttribute("state")));
  const check = () => {
    if (window.benchComplete !== undefined || document.readyState === "loading") return;
    if (settled()) { window.benchComplete = performance.now(); observer.disconnect(); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, attributes: true, attributeFilter: ["state"]});
  document.addEventListener("DOMContentLoaded", check);
})();"""
TIMES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    complete_ms: window.benchComplete,
    first_byte_ms: nav.responseStart,
    dom_content_loaded_ms: nav.domContentLoadedEventStart,
    fragments: document.querySelectorAll("ck-fragment").length,
    failed: document.querySelectorAll("ck-fragment[state=error]").length,
    cart: document.querySelector("[data-cart-count]")?.textContent.trim() ?? null,
  };
}"""
CART_CHANGED = """(before) => {
  const now = document.querySelector("[data-cart-count]")?.textContent.trim() ?? null;
  return now !== null && now !== before;
}"""


@contextmanager
def serving(prepared: Path, tmp: Path, *, workers: int, threads: int) -> Iterator[dict[str, Stack]]:
    """The four stacks, each on a copy of the ``prepared`` demo."""
    with ExitStack() as running:
        stacks = {}
        for variant in VARIANTS:
            folder = tmp / variant
            copy_prepared(prepared, folder)
            redis = running.enter_context(redis_server(folder))
            requests = folder / "requests"
            requests.mkdir()
            composed = variant != "monolithic"
            address = f"127.0.0.1:{free_port()}"
            extra = {"BENCH_COMPOSEKIT_MODE": MODES.get(variant, "client")} if composed else {}
            if variant in PURGED:
                extra["DEMO_PURGE_VARNISH"] = f"http://{address}"
            env = demo_env(
                folder,
                DJANGO_SETTINGS_MODULE="bench.variants.settings",
                BENCH_VARIANT="composed" if composed else "monolithic",
                BENCH_REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
                BENCH_REQUEST_CPU=str(requests),
                PYTHONPATH=str(ROOT),
                **extra,
            )
            app = running.enter_context(counted_demo(folder, env, workers=workers, threads=threads))
            proxy = None
            if composed:
                config = vcl.reference(folder / "vcl", app.port)
                proxy = running.enter_context(varnishd(folder, vcl=config, address=address))
            stacks[variant] = Stack(variant, (proxy or app).url, app, redis, proxy, requests, env)
        yield stacks


def pick_pages(products: tuple[str, ...], in_stock: frozenset[str], shoppers: int) -> list[tuple[str, str]]:
    """Each shopper's two product pages (cold, then warm), all different, the warm one in stock."""
    stocked = [path for path in products if path in in_stock]
    if len(stocked) < 2 * shoppers:
        raise ValueError(
            f"{shoppers} shoppers need {2 * shoppers} products in stock, the demo has {len(stocked)}"
        )
    return [(stocked[2 * who], stocked[2 * who + 1]) for who in range(shoppers)]


def take_out(stack: Stack, names: list[str], pages: list[tuple[str, str]]) -> None:
    """Take each shopper's warm product out of their cart (through the demo's cart form, so
    every cache hears of it): each turn's adds then change the count, however many ran before
    (a cart line holds at most 10)."""
    for session, (_, warm) in zip(log_in_all(stack.app.url, names), pages, strict=True):
        with session:
            page = session.get(stack.app.url + warm, timeout=TIMEOUT)
            sku = re.search(r'<article class="product" data-sku="([^"]+)"', page.text)
            if page.status_code != 200 or not sku:
                raise RuntimeError(f"{warm}: no product page to read the SKU from ({page.status_code})")
            answer = session.post(
                f"{stack.app.url}/cart/update/",
                data={
                    "sku": sku.group(1),
                    "quantity": "0",
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                allow_redirects=False,
                timeout=TIMEOUT,
            )
            if answer.status_code != 302:
                raise RuntimeError(f"{warm}: emptying the cart's line answered {answer.status_code}")


async def _view(page: Any, url: str) -> dict[str, Any]:
    await page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    await page.wait_for_function("() => window.benchComplete !== undefined", timeout=TIMEOUT_MS)
    times: dict[str, Any] = await page.evaluate(TIMES)
    if times["failed"]:
        raise AssertionError(f"{url}: {times['failed']} fragment(s) failed to load")
    return times


def round_trips(spans: list[tuple[float, float]]) -> int:
    """The most of these requests (start, end) that ran one after the other: the round trips
    the browser waited for in turn."""
    count, free_at = 0, -float("inf")
    for start, end in sorted(spans, key=lambda span: span[1]):
        if start >= free_at:
            count, free_at = count + 1, end
    return count


async def _add(page: Any, *, strip: bool) -> dict[str, Any]:
    """Add the page's product to the cart; what the browser asked for until the cart showed it."""
    spans: dict[Any, list[Any]] = {}
    sent: list[bool] = []  # the loader's request carried CK-Fragments

    def started(request: Any) -> None:
        spans[request] = [time.perf_counter(), None, request.method, request.url]

    def ended(request: Any) -> None:
        if request in spans:
            spans[request][1] = time.perf_counter()

    async def route(route: Any) -> None:
        headers = await route.request.all_headers()
        sent.append(ASK_HEADER in headers)
        if strip:
            await route.continue_(headers={k: v for k, v in headers.items() if k != ASK_HEADER})
        else:
            await route.continue_()

    def is_add(url: str) -> bool:
        return "/cart/add/" in url

    before = await page.evaluate(
        "() => document.querySelector('[data-cart-count]')?.textContent.trim() ?? null"
    )
    await page.route(is_add, route)
    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    try:
        clicked = time.perf_counter()
        await page.get_by_role("button", name="Add to cart").click()
        await page.wait_for_function(CART_CHANGED, arg=before, timeout=TIMEOUT_MS, polling="raf")
        shown = time.perf_counter()
        quiet_since = time.perf_counter()
        while time.perf_counter() - quiet_since < QUIET_S:
            await asyncio.sleep(0.05)
            if any(span[1] is None for span in spans.values()):
                quiet_since = time.perf_counter()
    finally:
        page.remove_listener("request", started)
        page.remove_listener("requestfinished", ended)
        page.remove_listener("requestfailed", ended)
        await page.unroute(is_add, route)
    done = [(s, e) for s, e, _, _ in spans.values() if s >= clicked]
    to_cart = [(s, e) for s, e in done if s <= shown]
    return {
        "requests_to_cart": len(to_cart),
        "round_trips_to_cart": round_trips([(s, min(e, shown)) for s, e in to_cart]),
        "requests": len(done),
        "round_trips": round_trips(done),
        "to_cart_ms": (shown - clicked) * 1000,
        "asked": [
            f"{m} {u.split('//', 1)[1].split('/', 1)[1][:60]}"
            for s, _, m, u in spans.values()
            if s >= clicked
        ],
        "ck_fragments_sent": any(sent),  # by the loader; reaching the server unless stripped
    }


async def _turn(
    browser: Any,
    stack: Stack,
    pages: list[tuple[str, str]],
    cookies: list[list[dict[str, str]]],
    *,
    idle_s: float,
    settle_s: float,
    add_order: tuple[str, ...],
) -> dict[str, Any]:
    idle = [stack.snapshot()]
    await asyncio.sleep(idle_s)
    idle.append(stack.snapshot())
    warm_shared_caches(stack, [list(pair) for pair in pages])
    await _settle(stack, limit=settle_s)
    found: dict[str, Any] = {"idle": idle}
    contexts, tabs = [], []
    try:
        for jar in cookies:
            context = await browser.new_context(viewport=VIEWPORT)
            await context.add_init_script(COMPLETE)
            await context.add_cookies(jar)
            contexts.append(context)
            tabs.append(await context.new_page())
        for number, phase in enumerate(PHASES):
            await _settle(stack, limit=settle_s)
            marks = [stack.snapshot()]
            views = [
                await _view(tab, stack.url + pair[number]) for tab, pair in zip(tabs, pages, strict=True)
            ]
            marks.append(stack.snapshot())
            found[phase] = {"marks": marks, "views": views}
        if stack.variant in ADDING:
            for mode in add_order:
                await _settle(stack, limit=settle_s)
                marks = [stack.snapshot()]
                adds = [await _add(tab, strip=mode == "before") for tab in tabs]
                marks.append(stack.snapshot())
                found[f"add_{mode}"] = {"marks": marks, "adds": adds}
    finally:
        for context in contexts:
            await context.close()
    return found


def run(
    prepared: Path,
    tmp: Path,
    *,
    shoppers: int,
    rounds: int,
    warmup: int,
    idle_s: float,
    settle_s: float,
    workers: int,
    threads: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    names = [f"bench-{i:02}" for i in range(shoppers)]
    loop = asyncio.new_event_loop()
    turns: dict[str, list[dict[str, Any]]] = {}
    try:
        with serving(prepared, tmp, workers=workers, threads=threads) as stacks:
            catalog = discover(stacks[BASELINE].url)
            pages = pick_pages(catalog.products, catalog.in_stock, shoppers)
            playwright = loop.run_until_complete(async_playwright().start())
            browser = loop.run_until_complete(playwright.chromium.launch(**chromium_launch_args()))
            done = dict.fromkeys(VARIANTS, 0)
            try:

                def measure(variant: str) -> dict[str, Any]:
                    cookies = cookies_of(stacks[variant], names)  # new sessions: nothing kept anywhere
                    if variant in ADDING:
                        take_out(stacks[variant], names, pages)
                    order = ADD_MODES if done[variant] % 2 == 0 else ADD_MODES[::-1]
                    done[variant] += 1
                    turn = _turn(
                        browser,
                        stacks[variant],
                        pages,
                        cookies,
                        idle_s=idle_s,
                        settle_s=settle_s,
                        add_order=order,
                    )
                    result: dict[str, Any] = loop.run_until_complete(turn)
                    figures = ", ".join(
                        f"{phase} {_median([v['complete_ms'] for v in result[phase]['views']]):.0f} ms "
                        f"{_cpu_ms(result[phase]['marks'], 0, 1) / shoppers:.1f} CPU-ms"
                        for phase in PHASES
                    )
                    log(f"  {variant:<10} per view: {figures}")
                    return result

                for _ in range(warmup):
                    for variant in VARIANTS:
                        measure(variant)
                turns = interleaved(list(VARIANTS), rounds, measure)
                version = browser.version
            finally:
                loop.run_until_complete(browser.close())
                loop.run_until_complete(playwright.stop())
        served = {variant: request_cpu.read(stack.requests) for variant, stack in stacks.items()}
    finally:
        loop.close()
    return {
        "shoppers": shoppers,
        "rounds": rounds,
        "warmup": warmup,
        "idle_s": idle_s,
        "viewport": VIEWPORT,
        "server": f"{workers} gthread workers × {threads} threads each",
        "browser_version": version,
        "pages": pages[0],
        "variants": {variant: _variant(turns[variant], served[variant], shoppers) for variant in VARIANTS},
        "ratios": _ratios(turns, shoppers),
        "add_to_cart": {
            variant: {mode: _adds(turns[variant], served[variant], mode, shoppers) for mode in ADD_MODES}
            for variant in ADDING
        },
    }


def _median(values: list[float]) -> float:
    return summarize(values)["median"]


def _idle_rate(turn: dict[str, Any]) -> float:
    return _cpu_ms(turn["idle"], 0, 1) / float(turn["idle"][1]["time"] - turn["idle"][0]["time"])


def _cpu_per_view(turn: dict[str, Any], phase: str, shoppers: int) -> float:
    return _cpu_ms(turn[phase]["marks"], 0, 1) / shoppers


def _busy_per_view(turn: dict[str, Any], phase: str, shoppers: int) -> float:
    """CPU-ms per view less the stack's idle rate over the phase's length."""
    marks = turn[phase]["marks"]
    idle = _idle_rate(turn) * float(marks[1]["time"] - marks[0]["time"])
    return _cpu_per_view(turn, phase, shoppers) - idle / shoppers


def _variant(
    turns: list[dict[str, Any]], served: list[tuple[float, str, float]], shoppers: int
) -> dict[str, Any]:
    result: dict[str, Any] = {"idle_ms_per_s": summarize([_idle_rate(t) for t in turns])}
    for phase in PHASES:
        views = [view for t in turns for view in t[phase]["views"]]
        result[phase] = {
            "complete_ms": summarize([v["complete_ms"] for v in views]),
            "first_byte_ms": summarize([v["first_byte_ms"] for v in views]),
            "dom_content_loaded_ms": summarize([v["dom_content_loaded_ms"] for v in views]),
            "fragments": summarize([v["fragments"] for v in views]),
            "cpu_ms_per_view": summarize([_cpu_per_view(t, phase, shoppers) for t in turns]),
            "busy_ms_per_view": summarize([_busy_per_view(t, phase, shoppers) for t in turns]),
            "where": _where([t[phase] for t in turns], served, 0, 1, shoppers * len(turns)),
        }
    return result


def _ratios(turns: dict[str, list[dict[str, Any]]], shoppers: int) -> dict[str, Any]:
    """Per round: each variant's median time and CPU per view ÷ client's."""
    ratios: dict[str, Any] = {}
    for peer in VARIANTS:
        if peer == BASELINE:
            continue
        ratios[peer] = {}
        for phase in PHASES:
            pairs = list(zip(turns[BASELINE], turns[peer], strict=True))
            ratios[peer][phase] = {
                "complete_ms": summarize(
                    [
                        _median([v["complete_ms"] for v in theirs[phase]["views"]])
                        / _median([v["complete_ms"] for v in ours[phase]["views"]])
                        for ours, theirs in pairs
                    ]
                ),
                "cpu_ms_per_view": summarize(
                    [
                        _cpu_per_view(theirs, phase, shoppers) / _cpu_per_view(ours, phase, shoppers)
                        if _cpu_per_view(ours, phase, shoppers) > 0
                        else float("inf")
                        for ours, theirs in pairs
                    ]
                ),
                # Over every round at once: finite even where a round of client's measured no
                # whole 10 ms clock tick (its warm views, at small sizes).
                "cpu_pooled": _pooled(
                    [_cpu_per_view(t, phase, shoppers) for _, t in pairs],
                    [_cpu_per_view(o, phase, shoppers) for o, _ in pairs],
                ),
            }
    return ratios


def _pooled(theirs: list[float], ours: list[float]) -> float | None:
    """sum(theirs) ÷ sum(ours); None when ours measured nothing."""
    return sum(theirs) / sum(ours) if sum(ours) > 0 else None


def _adds(
    turns: list[dict[str, Any]], served: list[tuple[float, str, float]], mode: str, shoppers: int
) -> dict[str, Any]:
    key = f"add_{mode}"
    adds = [add for t in turns for add in t[key]["adds"]]
    where = _where([t[key] for t in turns], served, 0, 1, shoppers * len(turns))
    return {
        "requests_to_cart": summarize([a["requests_to_cart"] for a in adds]),
        "round_trips_to_cart": summarize([a["round_trips_to_cart"] for a in adds]),
        "requests": summarize([a["requests"] for a in adds]),
        "round_trips": summarize([a["round_trips"] for a in adds]),
        "to_cart_ms": summarize([a["to_cart_ms"] for a in adds]),
        "gunicorn_requests": sum(row["requests"] or 0 for row in where["rows"]),
        "cpu_ms_per_add": summarize([_cpu_ms(t[key]["marks"], 0, 1) / shoppers for t in turns]),
        "ck_fragments_sent": sorted({a["ck_fragments_sent"] for a in adds}),
        "example": adds[0]["asked"],
        "where": where,
    }
