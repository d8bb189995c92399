"""Turn the results of one run into ``docs/benchmarks.md``."""

from __future__ import annotations

from typing import Any

from tests.browsers import CHROMIUM_ARGS

from . import report_cache
from .browser import MILESTONES
from .stats import fmt

TARGET_COMPOSED = 5.0  # composed at least 5x cheaper in server CPU per page view
TARGET_OVERHEAD = 1.10  # the endpoint at most 1.10x a plain view
TARGET_NOT_MODIFIED = 5.0  # a 304 via get_etag() at least 5x faster than a full render
FLAT_SLOPE_KIB = 64.0  # KiB per 1,000 requests: 64 bytes a request would be a leak worth finding


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _table(header: str, rows: list[list[str]]) -> list[str]:
    """A Markdown table; ``header`` names the columns as ``"a | b | c"``."""
    columns = header.split(" | ")
    return [
        f"| {header} |",
        "|" + "|".join("---" for _ in columns) + "|",
        *(f"| {' | '.join(r)} |" for r in rows),
    ]


def render(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python -m bench`, code in `bench/`) on {results['date']}, "
        f"in {results['duration_s'] / 60:.1f} minutes. Do not edit by hand: run it again.",
        "",
        "Every figure is the **median (min–max)** over several runs, after warm-up runs that are "
        "not counted. Within each benchmark the variants run interleaved, round by round in a "
        "rotating order, so that load from elsewhere on the machine falls on all of them alike.",
        "",
    ]
    if results.get("quick"):
        lines += [
            "> **Quick run** (`--quick`): tiny sizes that only check the benchmarks work; not figures.",
            "",
        ]
    lines += _summary(results)
    lines += _machine(results)
    lines += _server_cost(results["server_cost"])
    lines += _endpoint(results["endpoint"])
    lines += _loader_size(results["loader_size"])
    lines += _browser(results["browser"])
    lines += _memory(results["memory"])
    lines += report_cache.sections(results)
    return "\n".join(lines).rstrip() + "\n"


def _summary(results: dict[str, Any]) -> list[str]:
    cost = results["server_cost"]["ratios"]
    ep = results["endpoint"]["fragments"]
    rows = []
    for kind, label in (("composed", "first view"), ("composed-repeat", "repeat view")):
        ratio = cost[kind]["cpu"]
        rows.append(
            [
                f"(1) server CPU per page view, monolithic ÷ composed, {label}",
                fmt(ratio, 1, "×"),
                f"≥ {TARGET_COMPOSED:g}×",
                _met(ratio["median"] >= TARGET_COMPOSED),
            ]
        )
    endpoint_rows = (
        ("overhead", "endpoint ÷ plain view", 2, f"≤ {TARGET_OVERHEAD:.2f}×", lambda m: m <= TARGET_OVERHEAD),
        (
            "not_modified_speedup",
            "full render ÷ 304 via `get_etag()`",
            1,
            f"≥ {TARGET_NOT_MODIFIED:g}×",
            lambda m: m >= TARGET_NOT_MODIFIED,
        ),
    )
    for key, figure, digits, target, met in endpoint_rows:
        for level, label in (("view", "view callables"), ("stack", "through the middleware")):
            for name, levels in ep.items():
                ratio = levels[level][key]
                rows.append(
                    [
                        f"(2) {figure}, `{name}`, {label}",
                        fmt(ratio, digits, "×"),
                        target,
                        _met(met(ratio["median"])),
                    ]
                )
    sizes = sorted(results["loader_size"]["rows"], key=lambda r: r["gzip"])
    rank = next(i for i, r in enumerate(sizes) if r["name"] == "composekit") + 1
    ours = sizes[rank - 1]
    others = ", ".join(f"{r['name']} {r['gzip']:,} B" for r in sizes if r is not ours)
    rows.append(
        [
            "(3) loader, min+gzip -9",
            f"{ours['gzip']:,} B",
            "—",
            f"{rank} of {len(sizes)} by size ({others})",
        ]
    )
    htmx = {r["fragments"]: r for r in results["browser"]["rows"] if r["loader"] == "htmx"}
    for row in results["browser"]["rows"]:
        if row["loader"] == "composekit":
            other = htmx.get(row["fragments"])
            rows.append(
                [
                    f"(4) navigation → {row['fragments']} fragment(s) swapped, composekit",
                    fmt(row["done_ms"], 1, "ms"),
                    "—",
                    f"floor {row['floor_ms']['median']:.1f} ms"
                    + (f"; htmx {other['done_ms']['median']:.1f} ms" if other else ""),
                ]
            )
    mem = results["memory"]
    rows.append(
        [
            f"(5) worker RSS over {mem['total']:,} fragment requests, then {mem['tail']:,} more",
            f"{mem['growth_kib']:+,} KiB, then {mem['tail_growth_kib']:+,} KiB "
            f"(slope {mem['tail_slope_kib_per_1000']:+.1f} KiB / 1,000 requests)",
            "no growth trend",
            _met(abs(mem["tail_slope_kib_per_1000"]) < FLAT_SLOPE_KIB),
        ]
    )
    rows += report_cache.summary_rows(results)
    return ["## Summary", "", *_table("figure | result | target | ", rows), ""]


def _machine(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    lines = [
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gib']} GiB; {m['os']}",
        "- " + "; ".join(f"{name} {version}" for name, version in m["versions"].items()),
        "",
        "Load on the machine (1-, 5- and 15-minute load averages) during the run. Anything well "
        "above 0 means other work shared the cores: wall-clock figures (page views/s, times in "
        "the browser) suffer most; CPU-time figures (server CPU-ms, the endpoint's µs) much less.",
        "",
    ]
    lines += _table(
        "when | load average | busiest processes",
        [
            [when, " / ".join(f"{v:.2f}" for v in info["loadavg"]), info["top"]]
            for when, info in results["load"]
        ],
    )
    return [*lines, ""]


def _server_cost(cost: dict[str, Any]) -> list[str]:
    lines = [
        "## 1. Server cost of a logged-in page view: composed vs monolithic",
        "",
        f"The demo shop under gunicorn ({cost['server']}, `DEBUG=False`, SQLite) on 127.0.0.1: "
        f"one server in client mode, one in inline mode (`COMPOSEKIT_MODE=inline`), on one database. "
        f"{cost['sessions']} shoppers log in through the login form; one thread per session (one "
        f"keep-alive `requests.Session` each) replays page views over {len(cost['pages'])} catalog "
        f"pages ({', '.join(f'`{p}`' for p in cost['pages'])}) for {cost['duration']:g} s per run, "
        f"{cost['rounds']} runs per scenario after a {cost['warmup']:g} s warm-up of each. "
        f"Server CPU is the user + system time of the gunicorn master and workers "
        f"(`/proc/<pid>/stat`) over the run, divided by the page views served.",
        "",
        f"A composed page view is what a browser sends: the shell, then every eager `<ck-fragment>` "
        f"of it ({cost['eager_per_page']} per page: {', '.join(f'`{f}`' for f in cost['eager_fragments'])}; "
        f"the lazy {', '.join(f'`{f}`' for f in cost['lazy_fragments'])}, below the fold, only in the "
        f"*scrolled down* scenario). **The shell is counted "
        f"as a hit in Django's cache** (the demo's `shells.py`, `X-Shell-Cache: hit`): a CDN or "
        f"Varnish in front would take even that off the server (the *shell alone* row). The repeat "
        f"view sends each fragment's ETag from the session's first view in `If-None-Match`, as a "
        f"browser revalidating a `private, no-cache` fragment does.",
        "",
    ]
    rows = []
    for kind, s in cost["scenarios"].items():
        rows.append(
            [
                f"**{kind}**: {s['description']}",
                f"{s['requests_per_view']:.1f}",
                fmt(s["views_per_s"], 0),
                fmt(s["cpu_ms_per_view"], 2),
                fmt(s["client_cpu_ms_per_view"], 2),
            ]
        )
    lines += _table(
        "page view | requests | page views/s | server CPU-ms / view | load generator CPU-ms / view",
        rows,
    )
    lines += ["", "Per round, monolithic ÷ composed:", ""]
    lines += _table(
        "composed scenario | server CPU per view | page views/s (composed ÷ monolithic)",
        [[k, fmt(r["cpu"], 1, "×"), fmt(r["throughput"], 1, "×")] for k, r in cost["ratios"].items()],
    )
    lines += ["", *_where_composed_goes(cost)]
    lines += [
        "",
        "Page views/s are limited by the load generator as much as by the server: it runs on the "
        "same cores in Python (its own CPU per view is in the last column). The server CPU per view "
        "is the figure to compare.",
        "",
        "What the servers answered (all runs):",
        "",
    ]
    for kind, s in cost["scenarios"].items():
        labels = ", ".join(f"{label}: {n:,}" for label, n in sorted(s["labels"].items()))
        lines.append(f"- {kind}: {labels}" + (f"; errors: {'; '.join(s['errors'])}" if s["errors"] else ""))
    return [*lines, ""]


def _where_composed_goes(cost: dict[str, Any]) -> list[str]:
    """Per-request server CPU, from the differences between scenarios (medians)."""
    cpu = {kind: s["cpu_ms_per_view"]["median"] for kind, s in cost["scenarios"].items()}
    eager = max(1, cost["eager_per_page"])
    fragment_200 = (cpu["composed"] - cpu["shell"]) / eager
    fragment_304 = (cpu["composed-repeat"] - cpu["shell"]) / eager
    lazy = cpu["composed-lazy"] - cpu["composed"]
    lines = [
        f"Per request, from the differences between the rows (medians): a shell from the cache "
        f"{cpu['shell']:.2f} ms of server CPU; an eager fragment {fragment_200:.2f} ms rendered (200), "
        f"{fragment_304:.2f} ms revalidated (304); the lazy fragment {lazy:.2f} ms; the whole "
        f"monolithic page {cpu['monolithic']:.2f} ms.",
    ]
    ratio = cost["ratios"]["composed"]["cpu"]["median"]
    if ratio < 5.0:
        lines += [
            "",
            f"**Target missed: composed is {ratio:.1f}× cheaper, not 5×.** The shell costs next to "
            f"nothing; the fragments do not. Each is a request of its own that pays the fixed cost "
            f"of any logged-in request (gunicorn, the middleware loading the session and the user: "
            f"2 queries, DRF's dispatch and authentication) before its own work, and a 304 saves only "
            f"the render, a small part of it. The monolithic page pays the fixed cost once for all "
            f"its fragments. The profile *Where a 304's time goes, through the middleware* in "
            f"section 2 shows it: most of a revalidated fragment is loading the user for DRF's "
            f"authentication.",
        ]
    return lines


def _endpoint(ep: dict[str, Any]) -> list[str]:
    lines = [
        "## 2. Endpoint overhead",
        "",
        f"One process with the demo's settings times, for the same logged-in shopper, a plain Django "
        f"function view (`render()` of the fragment's template with the same context) against the "
        f"composekit endpoint, {ep['iterations']} requests per batch, {ep['rounds']} interleaved "
        f"rounds, in **CPU time** of the benchmark's thread (`time.thread_time_ns`). Two levels: "
        f"*view*, the view callables on `RequestFactory` requests carrying the user, session and CSRF "
        f"cookie as the middleware would (composekit's own cost, undiluted); *stack*, Django's test "
        f"`Client` through the demo's whole middleware stack (sessions, auth, CSRF, ...), as served.",
        "",
        "The overhead compares against the fragment **without** its `get_etag()` (registered as "
        "`bench-<name>`, ETag from a hash of the body): a validator is the fragment author's code, and "
        "the demo's run a query. The 304 figure takes the demo's fragment as it is: full render (200) "
        "÷ `If-None-Match` answered from `get_etag()` (304). `cart-summary` renders one aggregate query; "
        "`user-menu` none (its template holds a CSRF-protected form).",
        "",
    ]
    cases = [(name, level, d) for name, levels in ep["fragments"].items() for level, d in levels.items()]
    rows = [
        [
            f"`{name}`",
            level,
            fmt(d["us"]["plain"], 0),
            fmt(d["us"]["composekit"], 0),
            fmt(d["overhead"], 2, "×"),
        ]
        + [
            fmt(d["us"]["validated-200"], 0),
            fmt(d["us"]["validated-304"], 0),
            fmt(d["not_modified_speedup"], 1, "×"),
        ]
        for name, level, d in cases
    ]
    header = (
        "fragment | level | plain view µs | endpoint µs | endpoint ÷ plain | with get_etag: 200 µs | 304 µs"
    )
    lines += [*_table(header + " | 200 ÷ 304", rows), ""]
    if any(d["overhead"]["median"] > TARGET_OVERHEAD for *_, d in cases):
        lines += [
            f"**Target missed: the endpoint costs more than {TARGET_OVERHEAD:.2f}× a plain view** "
            "(see the summary for which rows). The profile below shows where the difference goes.",
            "",
        ]
    if any(d["not_modified_speedup"]["median"] < TARGET_NOT_MODIFIED for *_, d in cases):
        lines += [
            f"**Target missed: a 304 is less than {TARGET_NOT_MODIFIED:g}× faster than a full render.** "
            "What a 304 still costs is the fixed part of every request: the middleware (through the "
            "stack: loading the session and the user, 2 queries), DRF's dispatch and authentication, "
            "unsigning the params, and `get_etag()` itself (one query for `cart-summary`). The render "
            "it saves is small for fragments this size; the profile of the 304 path is below.",
            "",
        ]
    lines += [
        "### What the endpoint adds, piece by piece",
        "",
        "Each piece the endpoint runs on top of a plain view, timed on its own in CPU time "
        f"({ep['iterations']} calls per round, {ep['rounds']} rounds):",
        "",
    ]
    lines += _table(
        "piece | CPU µs per request", [[c["component"], fmt(c["us"], 1)] for c in ep["components"]]
    )
    lines += [""]
    for key, profile in ep["profiles"].items():
        title = {
            "overhead": "Where the endpoint's time goes",
            "not_modified": "Where a 304's time goes",
            "not_modified_stack": "Where a 304's time goes, through the middleware",
        }[key]
        lines += [
            f"### {title}",
            "",
            f"cProfile of {profile['iterations']} requests: {profile['case']}. Profiled total "
            f"{profile['total_us']:.0f} µs per request"
            + (
                f" (the plain view, profiled the same way: {profile['plain_total_us']:.0f} µs)"
                if "plain_total_us" in profile
                else ""
            )
            + ". cProfile inflates code that makes many small calls; read the shares, not the absolute times.",
            "",
            "composekit, DRF, sessions, auth and middleware functions, by cumulative time per request:",
            "",
        ]
        lines += _table(
            "function | calls | own µs | cumulative µs | share",
            _calls(profile["watched_by_cumtime"], profile),
        )
        lines += ["", "All functions, by own time per request:", ""]
        lines += [
            *_table("function | calls | own µs | cumulative µs", _calls(profile["all_by_tottime"][:10])),
            "",
        ]
    return lines


def _calls(rows: list[dict[str, Any]], share_of: dict[str, Any] | None = None) -> list[list[str]]:
    """Profile rows: the function, its calls, own and cumulative µs (and share of the total)."""
    return [
        [
            f"`{r['function']}`",
            f"{r['calls_per_request']:g}",
            f"{r['tottime_us']:.1f}",
            f"{r['cumtime_us']:.1f}",
        ]
        + ([f"{r['cumtime_us'] / share_of['total_us']:.0%}"] if share_of else [])
        for r in rows
    ]


def _loader_size(sizes: dict[str, Any]) -> list[str]:
    lines = [
        "## 3. Loader size",
        "",
        "Each peer installed with `npm install` into a temporary folder during this run. Bytes of "
        "the minified browser bundle, and after `gzip -9 -n`. Where a package ships no minified "
        "bundle, esbuild (the repo's, the one the loader is built with) bundles and minifies its "
        "entry point (`--bundle --minify --format=iife --target=es2020`), as a user without a "
        "build step could not; the *how* column says which. Turbo and htmx do far more than load "
        "fragments; they are here because they are what people reach for instead.",
        "",
    ]
    ours = sizes["rows"][0]["gzip"]
    lines += _table(
        "package | version | minified B | min+gzip B | ÷ composekit | how",
        [
            [
                f"`{r['package']}`",
                r["version"],
                f"{r['minified']:,}",
                f"{r['gzip']:,}",
                f"{r['gzip'] / ours:.1f}×",
            ]
            + [r["how"]]
            for r in sorted(sizes["rows"], key=lambda r: r["gzip"])
        ],
    )
    return [*lines, ""]


def _browser(b: dict[str, Any]) -> list[str]:
    lines = [
        "## 4. Time to fragments in Chromium",
        "",
        f"Chromium {b['browser_version']} (headless, Playwright; `{' '.join(CHROMIUM_ARGS)}`) opens a page of "
        f"N fragments from a small bench site (`bench/site/`, gunicorn with 2 gthread workers × 4 "
        f"threads, keep-alive, on 127.0.0.1) in a fresh context each run (cold cache, new "
        f"connections); {b['runs']} runs per row after {b['warmup']} warm-up runs. The composekit "
        f"page places N `{{% fragment %}}` tags (loader as a classic script in `<head>`); the htmx "
        f'page places the same N signed fragment URLs as `<div hx-get=… hx-trigger="load">`, '
        f"htmx served from this run's npm install. Both fetch the same endpoint (a private "
        f"fragment rendering a small template), through Django, as are both scripts.",
        "",
        "*Time* is `performance.now()` (0 = navigation start) when the last of the N fragment "
        "bodies is in the DOM, seen by a MutationObserver installed before any page script (the same "
        "test for both; for composekit every element also fired `ck:load`). The *floor* is what no "
        "loader can beat: the shell's `responseEnd` plus the quickest fragment round trip "
        "(`responseEnd − requestStart`), from the Navigation and Resource Timing APIs of the same "
        "load. *Requests* counts every request of the page: the document, the script, the fragments "
        "(and a favicon, when Chromium asks).",
        "",
    ]
    lines += _table(
        "fragments | loader | time to all swapped, ms | floor, ms | above the floor, ms | requests",
        [
            [
                str(r["fragments"]),
                r["loader"],
                *(fmt(r[key], 1) for key in ("done_ms", "floor_ms", "over_floor_ms")),
            ]
            + [str(r["requests"])]
            for r in b["rows"]
        ],
    )
    lines += [
        "",
        "Where the time goes (medians, ms after navigation start): the shell's last byte, the "
        "loader script's last byte, the first fragment request's start, `DOMContentLoaded`, the "
        "last fragment response's last byte, and all swapped.",
        "",
    ]
    lines += _table(
        "fragments | loader | shell end | script end | first fetch | DOMContentLoaded | last response end | all swapped",
        [
            [str(r["fragments"]), r["loader"]]
            + [f"{r[key]['median']:.1f}" for key in (*MILESTONES, "done_ms")]
            for r in b["rows"]
        ],
    )
    return [*lines, ""]


def _memory(mem: dict[str, Any]) -> list[str]:
    flat = abs(mem["tail_slope_kib_per_1000"]) < FLAT_SLOPE_KIB
    lines = [
        "## 5. Memory",
        "",
        f"The demo in client mode under gunicorn with **one** sync worker, so every request lands in "
        f"the process sampled. The logged-in sessions send the catalog's eager fragments "
        f"({', '.join(f'`{f}`' for f in mem['fragments'])}), every other pass over them revalidated "
        f"with the ETags of the pass before (statuses: {', '.join(f'{k}: {v:,}' for k, v in mem['statuses'].items())}). "
        f"VmRSS of the worker after {mem['warmup']:,} warm-up requests, then every "
        f"{mem['every']:,} requests up to {mem['total']:,}; then, to tell a leak from a worker "
        f"settling in, every {mem['tail_every']:,} requests for {mem['tail']:,} more:",
        "",
    ]
    lines += _table(
        "requests | RSS MiB",
        [
            [f"{n:,}" + (" (more)" if n > mem["total"] else ""), f"{kib / 1024:.2f}"]
            for n, kib in mem["series_kib"]
        ],
    )
    lines += [
        "",
        f"Over the {mem['total']:,} requests: {mem['growth_kib']:+,} KiB, least-squares slope "
        f"{mem['slope_kib_per_1000']:+.1f} KiB per 1,000 requests. Over the {mem['tail']:,} after: "
        f"{mem['tail_growth_kib']:+,} KiB, slope {mem['tail_slope_kib_per_1000']:+.1f} KiB per 1,000 "
        f"requests. A leak grows for as long as requests come; a worker settling in (allocator "
        f"arenas, per-process caches filling up, the cyclic garbage collector's first full "
        f"collections) grows early and then stops, so the later requests are the test: "
        f"{'**no growth trend**' if flat else '**a growth trend: look for a leak**'} (the bar: "
        f"{FLAT_SLOPE_KIB:g} KiB per 1,000 requests, 64 bytes a request).",
        "",
    ]
    return lines
