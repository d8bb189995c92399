"""(4) Time to fragments in Chromium: composekit's loader vs htmx ``hx-trigger="load"``.

A page with N fragments (``bench.site``) is opened in a fresh browser context (cold HTTP
cache, new connections) each run. An init script, installed before any page script runs,
watches the DOM and notes ``performance.now()`` (0 = navigation start) when all N fragment
bodies are in the page: the same criterion for both loaders. The floor is what no loader
can beat: the shell's ``responseEnd`` plus the quickest fragment round trip
(``responseEnd - requestStart``), both from the Navigation and Resource Timing APIs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from tests.browsers import chromium_launch_args
from tests.servers import django_env, gunicorn

from .stats import interleaved, summarize

# What a page load passes through, in ms after navigation start, each reported with its median.
MILESTONES = ("shell_end_ms", "script_end_ms", "first_fetch_ms", "dom_content_loaded_ms", "last_response_ms")

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

TIMINGS = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const fragments = resources.filter((e) => e.name.includes("/_composekit/"));
  const scripts = resources.filter((e) => e.initiatorType === "script");
  return {
    done: window.__bench.done,
    ckLoads: window.__bench.ckLoads,
    shellEnd: nav.responseEnd,
    domContentLoaded: nav.domContentLoadedEventStart,
    scriptEnd: scripts.length ? Math.max(...scripts.map((e) => e.responseEnd)) : null,
    firstFetch: Math.min(...fragments.map((e) => e.startTime)),
    lastResponse: Math.max(...fragments.map((e) => e.responseEnd)),
    roundTrips: fragments.map((e) => e.responseEnd - e.requestStart),
    loaded: document.querySelectorAll("ck-fragment[state=loaded]").length,
  };
}
"""


def _visit(browser: Any, site: str, page_of: tuple[int, str]) -> dict[str, Any]:
    """Open the page of ``n`` fragments loaded by ``variant`` in a fresh context; its timings."""
    n, variant = page_of
    url = f"{site}/{'ck' if variant == 'composekit' else 'htmx'}/{n}/"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        page.wait_for_function("window.__bench.done !== null", timeout=TIMEOUT_MS)
        timings: dict[str, Any] = page.evaluate(TIMINGS)
    finally:
        context.close()
    if variant == "composekit" and (timings["ckLoads"] != n or timings["loaded"] != n):
        raise AssertionError(f"{url}: {timings['ckLoads']} ck:load events for {n} fragments")
    fragments = [u for u in requests if "/_composekit/" in u]
    # htmx asks once per fragment; composekit's loader puts a page's private fragments in one batch.
    expected = n if variant == "htmx" else 1
    if len(fragments) != expected or len(timings["roundTrips"]) != expected:
        raise AssertionError(f"{url}: {len(fragments)} fragment requests for {n} fragments, not {expected}")
    return {
        "done_ms": timings["done"],
        "floor_ms": timings["shellEnd"] + min(timings["roundTrips"]),
        "shell_end_ms": timings["shellEnd"],
        "dom_content_loaded_ms": timings["domContentLoaded"],
        "script_end_ms": timings["scriptEnd"] or 0.0,
        "first_fetch_ms": timings["firstFetch"],
        "last_response_ms": timings["lastResponse"],
        "requests": len(requests),
    }


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
            for combo in combos * warmup:
                visit(combo)
            samples = interleaved(combos, runs, visit)
            version = browser.version
        finally:
            browser.close()
    rows = []
    for n, variant in combos:
        results = samples[(n, variant)]
        rows.append(
            {
                "fragments": n,
                "loader": variant,
                "done_ms": summarize([r["done_ms"] for r in results]),
                "floor_ms": summarize([r["floor_ms"] for r in results]),
                "over_floor_ms": summarize([r["done_ms"] - r["floor_ms"] for r in results]),
                **{key: summarize([r[key] for r in results]) for key in MILESTONES},
                "requests": max(r["requests"] for r in results),
            }
        )
        log(f"  {variant:<10} {n:>2} fragments: {rows[-1]['done_ms']['median']:.1f} ms")
    return {"rows": rows, "runs": runs, "warmup": warmup, "browser_version": version}
