"""(1b) Server CPU of four more ways to browse: composed vs monolithic, with and without ``{% cache %}``.

Beside section 1's shop session, on the same three stacks (``bench.browsing.serving``: composed
behind Varnish running the shipped VCL, with the shipped loader; monolithic; monolithic with
``{% cache %}``), the same logged-in shoppers in real Chromium, no write anywhere:

- ``returning``: the same browser profile coming back later. An earlier visit (not measured)
  views ``earlier`` pages; what the profile keeps of it is its cookies and localStorage
  (Playwright's ``storage_state()``). The return is a new context: its HTTP cache holds only
  the static files (hashed, kept a year, so still fresh: it has seen the login page, as
  every context here has), not the pages or fragments of the earlier visit (their max-ages
  are minutes: not fresh any more); no sessionStorage, no memory. Its clock runs a day ahead
  (``clock.set_system_time``), so every fragment the loader kept is past its max-age and is
  revalidated, not shown as is. Then ``pages`` page views: the first view, and the session.
- ``new_tab``: mid-session, after ``prelude`` page views in one tab, a second tab of the same
  context opened on a product page not seen yet: its first view.
- ``cold_device``: a new context holding only the session cookie (no other cookie, no
  storage, an empty HTTP cache: the static files are fetched too), ``pages`` page views.
- ``browse_only``: ``browse`` page views across ``tabs`` tabs of one context, one after the
  other in turn, all different pages.

Each round, for each variant in turn (a rotating order), the stack is first left idle for
``idle_s`` seconds (its CPU per second measured), the shared caches warmed with every page of
the plans (anonymously, as section 1 does), then the four workloads run one after the other,
each after the stack has been quiet (at most ``settle_s`` seconds' wait), each phase between two snapshots of every server process's CPU (gunicorn's master and
workers, varnishd, redis-server: ``/proc/<pid>/stat``). A phase's figure is its CPU per page
view less the idle rate times its length; ``bench.request_cpu`` splits gunicorn's by request.
Every page view's content (name, cart, picks, price, stock) is compared across the variants.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.browsers import chromium_launch_args

from . import request_cpu
from .browsing import (
    COMPOSED,
    LISTING_SHARE,
    VARIANTS,
    Catalog,
    Stack,
    _cpu_ms,
    _settle,
    _tab,
    _view,
    _where,
    cookies_of,
    discover,
    serving,
    warm_shared_caches,
)
from .stats import interleaved, summarize

WORKLOADS = ("returning", "new_tab", "cold_device", "browse_only")
# The phases each workload measures: the first view (page 1 of each shopper), the session
# (every page view, page 1 included).
PHASES: dict[str, tuple[str, ...]] = {
    "returning": ("first", "session"),
    "new_tab": ("first",),
    "cold_device": ("first", "session"),
    "browse_only": ("session",),
}
# The targets, against monolithic with {% cache %}: (workload, phase) -> ratio.
TARGETS: dict[tuple[str, str], float] = {
    ("returning", "first"): 3.0,
    ("new_tab", "first"): 5.0,
    ("browse_only", "session"): 20.0,
}
MOONSHOTS: dict[tuple[str, str], float] = {("returning", "first"): 5.0}
SESSION_COOKIE = "sessionid"  # Django's default, the demo's
AHEAD_S = 86_400  # the returning visitor's clock: a day later, past every kept fragment's max-age
SEED = 20


def plans(
    catalog: Catalog, shoppers: int, pages: int, seed: int, *, product_last: bool = False
) -> list[list[str]]:
    """Each shopper's ``pages`` pages, all different (listings or products, the products
    skewed to each category's first, as section 1's), the last a product if ``product_last``."""
    rng = random.Random(seed)
    found = []
    for _ in range(shoppers):
        plan: list[str] = []
        while len(plan) < pages:
            last = product_last and len(plan) + 1 == pages
            if not last and rng.random() < LISTING_SHARE:
                path = rng.choice(catalog.listings)
            else:
                path = rng.choices(catalog.products, catalog.popularity)[0]
            if path not in plan:
                plan.append(path)
        found.append(plan)
    return found


def _only_session(cookies: list[dict[str, str]]) -> list[dict[str, str]]:
    session = [cookie for cookie in cookies if cookie["name"] == SESSION_COOKIE]
    if not session:
        raise AssertionError(f"no {SESSION_COOKIE} cookie among {[c['name'] for c in cookies]}")
    return session


async def _returning_context(browser: Any, url: str, state: dict[str, Any]) -> Any:
    """A new context with what a profile keeps of an earlier visit (``state``: its cookies and
    localStorage), the static files in its HTTP cache, its clock a day ahead."""
    context = await browser.new_context()
    page = await context.new_page()
    await _view(page, url + "/login/")  # the static files, as every context here has seen
    await page.goto(url + "/robots.txt", wait_until="load")  # on the origin: its localStorage
    kept = {
        item["name"]: item["value"]
        for origin in state.get("origins", [])
        if origin["origin"] == url
        for item in origin.get("localStorage", [])
    }
    await page.evaluate(
        "(kept) => { localStorage.clear(); for (const [k, v] of Object.entries(kept)) localStorage.setItem(k, v); }",
        kept,
    )
    await page.close()
    await context.clear_cookies()
    await context.add_cookies(state["cookies"])
    await context.clock.set_system_time(time.time() + AHEAD_S)
    return context


async def _turn(
    browser: Any,
    stack: Stack,
    cookies: list[list[dict[str, str]]],
    plan: dict[str, list[list[str]]],
    *,
    tabs: int,
    concurrency: int,
    idle_s: float,
    settle_s: float,
) -> dict[str, Any]:
    """The four workloads on ``stack``, after its idle CPU is measured and its shared caches
    warmed; for each, its marks (snapshots) and what every page view showed."""
    idle = [stack.snapshot()]
    await asyncio.sleep(idle_s)
    idle.append(stack.snapshot())
    warm_shared_caches(stack, [p for plans_ in plan.values() for p in plans_])
    await _settle(stack, limit=settle_s)
    limit = asyncio.Semaphore(concurrency)
    shoppers = range(len(cookies))
    url = stack.url
    found: dict[str, Any] = {}

    async def each(work: Callable[[int], Any]) -> list[Any]:
        async def one(who: int) -> Any:
            async with limit:
                return await work(who)

        return list(await asyncio.gather(*(one(who) for who in shoppers)))

    async def measured(name: str, contexts: list[Any], first: Callable[[int], Any], rest: Any) -> None:
        """Page 1 of every shopper, then (``rest``) the others, between snapshots."""
        await _settle(stack, limit=settle_s)
        marks = [stack.snapshot()]
        started = time.perf_counter()
        try:
            seen = [views if isinstance(views, list) else [views] for views in await each(first)]
            marks.append(stack.snapshot())
            if rest is not None:
                for who, views in enumerate(await each(rest)):
                    seen[who] += views
                marks.append(stack.snapshot())
        finally:
            for context in contexts:
                await context.close()
        found[name] = {"marks": marks, "wall": time.perf_counter() - started, "seen": seen}

    # returning: the earlier visit (not measured), then the return.
    async def earlier(who: int) -> dict[str, Any]:
        context, page = await _tab(browser, url, cookies[who])
        try:
            for path in plan["earlier"][who]:
                await _view(page, url + path)
            state: dict[str, Any] = await context.storage_state()
            return state
        finally:
            await context.close()

    states = await each(earlier)
    contexts = await each(lambda who: _returning_context(browser, url, states[who]))
    pages = [None] * len(contexts)

    async def open_first(who: int, chosen: Sequence[list[str]], of: list[Any]) -> dict[str, Any]:
        pages[who] = await of[who].new_page()
        return await _view(pages[who], url + chosen[who][0])

    async def the_rest(who: int, chosen: Sequence[list[str]]) -> list[dict[str, Any]]:
        return [await _view(pages[who], url + path) for path in chosen[who][1:]]

    await measured(
        "returning",
        contexts,
        lambda who: open_first(who, plan["returning"], contexts),
        lambda who: the_rest(who, plan["returning"]),
    )

    # new tab: the prelude in one tab (not measured), then a second tab on a product.
    opened = await each(lambda who: _tab(browser, url, cookies[who]))
    contexts = [context for context, _ in opened]

    async def prelude(who: int) -> None:
        for path in plan["new_tab"][who][:-1]:
            await _view(opened[who][1], url + path)

    await each(prelude)
    last = [[p[-1]] for p in plan["new_tab"]]
    await measured("new_tab", contexts, lambda who: open_first(who, last, contexts), None)

    # cold device: only the session cookie.
    async def cold(who: int) -> Any:
        context = await browser.new_context()
        await context.add_cookies(_only_session(cookies[who]))
        return context

    contexts = await each(cold)
    await measured(
        "cold_device",
        contexts,
        lambda who: open_first(who, plan["cold_device"], contexts),
        lambda who: the_rest(who, plan["cold_device"]),
    )

    # browse-only: the views in turn across the tabs of one context.
    opened = await each(lambda who: _tab(browser, url, cookies[who]))
    contexts = [context for context, _ in opened]
    windows: list[list[Any]] = [[page] for _, page in opened]

    async def browse(who: int) -> list[dict[str, Any]]:
        for _ in range(tabs - 1):
            windows[who].append(await contexts[who].new_page())
        chosen = plan["browse_only"][who]
        return [await _view(windows[who][n % tabs], url + path) for n, path in enumerate(chosen)]

    await measured("browse_only", contexts, browse, None)  # one phase: the whole session
    found["idle"] = idle
    return found


def run(
    prepared: Path,
    tmp: Path,
    *,
    shoppers: int,
    earlier: int,
    pages: int,
    prelude: int,
    browse: int,
    tabs: int,
    rounds: int,
    warmup: int,
    concurrency: int,
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
            catalog = discover(stacks[COMPOSED].url)
            plan = {
                "earlier": plans(catalog, shoppers, earlier, SEED),
                "returning": plans(catalog, shoppers, pages, SEED + 1),
                "new_tab": plans(catalog, shoppers, prelude + 1, SEED + 2, product_last=True),
                "cold_device": plans(catalog, shoppers, pages, SEED + 3),
                "browse_only": plans(catalog, shoppers, browse, SEED + 4),
            }
            log(f"  logging in {shoppers} shoppers on each variant")
            cookies = {variant: cookies_of(stack, names) for variant, stack in stacks.items()}
            playwright = loop.run_until_complete(async_playwright().start())
            browser = loop.run_until_complete(playwright.chromium.launch(**chromium_launch_args()))
            try:

                def measure(variant: str) -> dict[str, Any]:
                    turn = _turn(
                        browser,
                        stacks[variant],
                        cookies[variant],
                        plan,
                        tabs=tabs,
                        concurrency=concurrency,
                        idle_s=idle_s,
                        settle_s=settle_s,
                    )
                    result: dict[str, Any] = loop.run_until_complete(turn)
                    figures = ", ".join(
                        f"{w} {_per_view(result, w, PHASES[w][-1], _counts(plan, shoppers)):.2f}"
                        for w in WORKLOADS
                    )
                    log(f"  {variant:<17} server CPU-ms per view: {figures}")
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
    counts = _counts(plan, shoppers)
    return {
        "shoppers": shoppers,
        "earlier": earlier,
        "pages": pages,
        "prelude": prelude,
        "browse": browse,
        "tabs": tabs,
        "rounds": rounds,
        "warmup": warmup,
        "concurrency": concurrency,
        "idle_s": idle_s,
        "ahead_s": AHEAD_S,
        "server": f"{workers} gthread workers × {threads} threads each",
        "browser_version": version,
        "views": counts,
        "variants": {
            variant: {
                "idle_ms_per_s": summarize([_idle_rate(t) for t in turns[variant]]),
                "workloads": {w: _workload(turns[variant], served[variant], w, counts) for w in WORKLOADS},
            }
            for variant in VARIANTS
        },
        "ratios": {
            w: {
                peer: {phase: _ratios(turns[COMPOSED], turns[peer], w, phase, counts) for phase in PHASES[w]}
                for peer in VARIANTS[1:]
            }
            for w in WORKLOADS
        },
        "mismatches": _mismatches(turns),
    }


# /proc/<pid>/stat counts CPU in whole clock ticks (USER_HZ, 100 per second).
TICK_MS = 10.0


def _ratios(
    ours: list[dict[str, Any]],
    theirs: list[dict[str, Any]],
    workload: str,
    phase: str,
    counts: dict[str, dict[str, int]],
) -> dict[str, Any]:
    """Per round, theirs ÷ ours, server CPU per view less idle. Ours counts for no less than one
    clock tick over the phase's page views: less than that is below what the clock can tell
    (and subtracting the idle rate can take it to 0 or under), so such a round's ratio is a
    lower bound, and ``floored`` says how many rounds were."""
    floor = TICK_MS / counts[workload][phase]
    pairs = [
        (_busy(t, workload, phase, counts), _busy(o, workload, phase, counts))
        for o, t in zip(ours, theirs, strict=True)
    ]
    ratios = summarize([t / max(o, floor) for t, o in pairs])
    return {**ratios, "floored": sum(o < floor for _, o in pairs)}


def _counts(plan: dict[str, list[list[str]]], shoppers: int) -> dict[str, dict[str, int]]:
    """Page views of each workload's phases, in one turn."""
    return {
        "returning": {"first": shoppers, "session": sum(map(len, plan["returning"]))},
        "new_tab": {"first": shoppers},
        "cold_device": {"first": shoppers, "session": sum(map(len, plan["cold_device"]))},
        "browse_only": {"session": sum(map(len, plan["browse_only"]))},
    }


def _span(workload: str, phase: str) -> tuple[int, int]:
    """The marks a phase lies between: the first view 0..1, the session 0..last."""
    return (0, 1) if phase == "first" else (0, len(PHASES[workload]))


def _idle_rate(turn: dict[str, Any]) -> float:
    """The stack's CPU-ms per second while serving nothing, before the turn."""
    return _cpu_ms(turn["idle"], 0, 1) / float(turn["idle"][1]["time"] - turn["idle"][0]["time"])


def _per_view(turn: dict[str, Any], workload: str, phase: str, counts: dict[str, dict[str, int]]) -> float:
    start, end = _span(workload, phase)
    return _cpu_ms(turn[workload]["marks"], start, end) / counts[workload][phase]


def _busy(turn: dict[str, Any], workload: str, phase: str, counts: dict[str, dict[str, int]]) -> float:
    """Server CPU-ms per page view less the stack's idle rate over the phase's length."""
    start, end = _span(workload, phase)
    marks = turn[workload]["marks"]
    idle = _idle_rate(turn) * float(marks[end]["time"] - marks[start]["time"])
    return _per_view(turn, workload, phase, counts) - idle / counts[workload][phase]


def _workload(
    turns: list[dict[str, Any]],
    served: list[tuple[float, str, float]],
    workload: str,
    counts: dict[str, dict[str, int]],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for phase in PHASES[workload]:
        start, end = _span(workload, phase)
        where = _where([t[workload] for t in turns], served, start, end, counts[workload][phase] * len(turns))
        result[phase] = {
            "cpu_ms_per_view": summarize([_per_view(t, workload, phase, counts) for t in turns]),
            "busy_ms_per_view": summarize([_busy(t, workload, phase, counts) for t in turns]),
            "where": where,
        }
    result["wall_s"] = summarize([t[workload]["wall"] for t in turns])
    return result


def _mismatches(turns: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Page views whose content differs between composed and another variant (should be none)."""
    found = []
    for peer in VARIANTS[1:]:
        for number, (ours, theirs) in enumerate(zip(turns[COMPOSED], turns[peer], strict=True)):
            for w in WORKLOADS:
                for who, (a, b) in enumerate(zip(ours[w]["seen"], theirs[w]["seen"], strict=True)):
                    for view, (x, y) in enumerate(zip(a, b, strict=True)):
                        if x != y:
                            found.append(
                                f"round {number + 1}, {w}, shopper {who}, view {view + 1}: {x} vs {peer} {y}"
                            )
    return found[:10]
