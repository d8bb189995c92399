"""(4) Time to fragments in Chromium: composekit's loader vs htmx ``hx-trigger="load"``.

A page with N fragments (``bench.site``) is opened in a new browser context (cold: empty
HTTP cache, new connections, an empty tab), then again in the same tab (warm: composekit
shows the fragments it kept, htmx gets them from the HTTP cache; neither needs the
network). An init script, installed before any page script runs, watches the DOM and notes
``performance.now()`` (0 = navigation start) when all N fragment bodies are in the page:
the same criterion for both loaders.

The floor is what no loader can beat, measured in the same round: the ``DOMContentLoaded``
of an empty page (no script, nothing to fetch) from the same server, in a new context
(cold) and as that context's second view (warm): Chromium's own start-up of a page and the
document's round trip. Cold, a loader must also fetch: the floor adds the round trip of one
fragment fetched by that empty page (``responseEnd - requestStart``, Resource Timing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from harness.browsers import chromium_launch_args
from harness.servers import django_env, gunicorn

from .stats import interleaved, summarize

STATES = ("cold", "warm")
# What a page load passes through, in ms after navigation start, each reported with its median.
MILESTONES = ("shell_end_ms", "script_end_ms", "first_fetch_ms", "dom_content_loaded_ms", "last_response_ms")
EMPTY = (0, "empty")  # the floor's key among the pages

TIMEOUT_MS = 30_000

WATCH = """
window.__bench = {done: null, ckLoads: 0};
document.addEventListener("ck:load", () => { window.__bench.ckLoads += 1; });
new MutationObserver((records, observer) => {
  const want = Number(document.documentElement && document.documentElement.dataset.expect);
  if (want > 0 && document.querySelectorAll("[data-bench-item]").length >= want) {
    window.__bench.done = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""

# Fragment requests that reached the network: a response from the HTTP cache transfers nothing.
TIMINGS = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const fragments = resources.filter((e) => e.name.includes("/_composekit/") && e.transferSize > 0);
  const scripts = resources.filter((e) => e.initiatorType === "script");
  const edge = (values, pick) => (values.length ? pick(...values) : null);
  return {
    done: window.__bench.done,
    ckLoads: window.__bench.ckLoads,
    shellEnd: nav.responseEnd,
    domContentLoaded: nav.domContentLoadedEventStart,
    scriptEnd: edge(scripts.map((e) => e.responseEnd), Math.max),
    firstFetch: edge(fragments.map((e) => e.startTime), Math.min),
    lastResponse: edge(fragments.map((e) => e.responseEnd), Math.max),
    roundTrips: fragments.map((e) => e.responseEnd - e.requestStart),
    loaded: document.querySelectorAll("ck-fragment[state=loaded]").length,
  };
}
"""


DOM_CONTENT_LOADED = "performance.getEntriesByType('navigation')[0].domContentLoadedEventStart"
ONE_ROUND_TRIP = """
async () => {
  const url = new URL(document.querySelector("meta[name=fragment]").content, location.href).href;
  await (await fetch(url, {headers: {Accept: "text/html"}})).text();
  const entry = performance.getEntriesByName(url)[0];
  return entry.responseEnd - entry.requestStart;
}
"""


def _open(page: Any, url: str) -> dict[str, Any]:
    page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    page.wait_for_function("window.__bench.done !== null", timeout=TIMEOUT_MS)
    timings: dict[str, Any] = page.evaluate(TIMINGS)
    return timings


def _floor(browser: Any, site: str) -> dict[str, Any]:
    """The empty page's DOMContentLoaded, cold (a new context) and warm (its second view),
    and the round trip of one fragment fetched from it."""
    context = browser.new_context()
    try:
        page = context.new_page()
        floors = {}
        for state in STATES:
            page.goto(f"{site}/empty/", wait_until="domcontentloaded", timeout=TIMEOUT_MS)
            floors[f"{state}_dcl_ms"] = page.evaluate(DOM_CONTENT_LOADED)
        floors["round_trip_ms"] = page.evaluate(ONE_ROUND_TRIP)
    finally:
        context.close()
    return {**floors, "cold": floors["cold_dcl_ms"] + floors["round_trip_ms"], "warm": floors["warm_dcl_ms"]}


def _visit(browser: Any, site: str, page_of: tuple[int, str]) -> dict[str, Any]:
    """Open the page of ``n`` fragments loaded by ``variant`` in a new context, then again."""
    n, variant = page_of
    if page_of == EMPTY:
        return _floor(browser, site)
    url = f"{site}/{'ck' if variant == 'composekit' else 'htmx'}/{n}/"
    context = browser.new_context()
    views = {}
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        for state in STATES:
            timings = _open(page, url)
            if variant == "composekit" and (timings["ckLoads"] != n or timings["loaded"] != n):
                raise AssertionError(f"{url} {state}: {timings['ckLoads']} ck:load events for {n} fragments")
            # Cold: htmx asks once per fragment, composekit's loader once (a batch, or the one
            # fragment alone). Warm: both are served by the browser.
            expected = 0 if state == "warm" else n if variant == "htmx" else 1
            if len(timings["roundTrips"]) != expected:
                raise AssertionError(
                    f"{url} {state}: {len(timings['roundTrips'])} fragment requests for {n}, not {expected}"
                )
            views[state] = {
                "done_ms": timings["done"],
                "shell_end_ms": timings["shellEnd"],
                "dom_content_loaded_ms": timings["domContentLoaded"],
                "script_end_ms": timings["scriptEnd"] or 0.0,
                "first_fetch_ms": timings["firstFetch"],
                "last_response_ms": timings["lastResponse"],
                "fetches": len(timings["roundTrips"]),
            }
    finally:
        context.close()
    return views


def run(
    htmx_js: Path | None,
    logs: Path,
    *,
    sizes: Sequence[int],
    runs: int,
    warmup: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    variants = ["composekit"] + (["htmx"] if htmx_js else [])
    env = django_env("bench.site.settings", BENCH_HTMX_JS=str(htmx_js or ""))
    combos = [(n, variant) for n in sizes for variant in variants]
    # gthread: keep-alive, so the browser's six connections per host are really used.
    with (
        gunicorn(logs, env=env, workers=2, threads=4, ready_path="/ck/1/") as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(**chromium_launch_args())
        try:
            visit = partial(_visit, browser, server.url)
            for combo in [EMPTY, *combos] * warmup:
                visit(combo)
            samples = interleaved([EMPTY, *combos], runs, visit)
            version = browser.version
        finally:
            browser.close()
    floors = samples[EMPTY]
    rows = []
    for n, variant in combos:
        for state in STATES:
            views = [r[state] for r in samples[(n, variant)]]
            # Per round, the empty page of the same round: Chromium's start-up and the
            # document's round trip; cold, one fragment's round trip too.
            floor = [f[state] for f in floors]
            rows.append(
                {
                    "fragments": n,
                    "loader": variant,
                    "state": state,
                    "done_ms": summarize([v["done_ms"] for v in views]),
                    "floor_ms": summarize(floor),
                    "over_floor_ms": summarize([v["done_ms"] - f for v, f in zip(views, floor, strict=True)]),
                    **{
                        key: summarize([v[key] for v in views if v[key] is not None])
                        for key in MILESTONES
                        if any(v[key] is not None for v in views)
                    },
                    "fetches": max(v["fetches"] for v in views),
                }
            )
            log(f"  {variant:<10} {n:>2} fragments, {state}: {rows[-1]['done_ms']['median']:.1f} ms")
    return {
        "rows": rows,
        "floor": {
            key: summarize([f[key] for f in floors])
            for key in ("cold_dcl_ms", "warm_dcl_ms", "round_trip_ms")
        },
        "runs": runs,
        "warmup": warmup,
        "browser_version": version,
    }
