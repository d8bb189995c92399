"""Turn the results of one run into ``docs/benchmarks.md``."""

from __future__ import annotations

from typing import Any

from harness.browsers import CHROMIUM_ARGS

from . import report_cache, report_first_view, report_metrics, report_purging, report_workloads
from .browser import MILESTONES
from .stats import ceiling, fmt, met, table

# (1) server CPU per page view, monolithic ÷ composed
TARGET_SESSION = 10.0  # over the session (moonshot: 20×)
MOONSHOT_SESSION = 20.0
TARGET_SESSION_CACHE = 8.0  # over the session, against monolithic with {% cache %}
TARGET_FIRST = 5.0  # the first view
# (2) the endpoint
TARGET_FIXED = 1.2  # a logged-in fragment request at most 1.2× a trivial logged-in view
TARGET_OWN_US = 150.0  # composekit's own work per request, µs
# (4) 20 fragments swapped, warm, within this many ms of the floor
TARGET_WARM_MS = 40.0
FLAT_SLOPE_KIB = 64.0  # KiB per 1,000 requests: 64 bytes a request would be a leak worth finding
VARIANT_NAMES = {
    "composed": "composed",
    "monolithic": "monolithic",
    "monolithic-cache": "monolithic with `{% cache %}`",
}


def render(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python -m bench`, code in `bench/`) on {results['date']}, "
        f"in {results['duration_s'] / 60:.1f} minutes. Do not edit by hand: run it again.",
        "",
    ]
    if results.get("rerun"):
        again = ", ".join(f"`{section}` on {day}" for section, day in results["rerun"].items())
        lines += [
            f"Run again on their own (`python -m bench --only SECTION --json bench/.work/results.json`): "
            f"{again}; the rest is from the full run.",
            "",
        ]
    lines += [
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
    missing = [name for name in SECTIONS if name not in results]
    if missing:
        lines += [
            f"> **Not run** (`--only` into new results): {', '.join(f'`{m}`' for m in missing)}.",
            "",
        ]
    lines += _summary(results)
    lines += READING
    lines += _machine(results)
    if "browsing" in results:
        lines += _browsing(results["browsing"], _trivial_ms(results))
    if "workloads" in results:
        lines += report_workloads.section(results["workloads"], _trivial_ms(results))
    if "first_view" in results:
        lines += report_first_view.section(results["first_view"])
    if "endpoint" in results:
        lines += _endpoint(results["endpoint"])
    if "loader_size" in results:
        lines += _loader_size(results["loader_size"])
    if "browser" in results:
        lines += _browser(results["browser"])
    if "memory" in results:
        lines += _memory(results["memory"])
    if results.keys() >= CACHE_SECTIONS:
        lines += report_cache.sections(results)
    if "shell_guard" in results:
        lines += shell_guard_section(results["shell_guard"])
    lines += report_metrics.section(results.get("metrics"))
    return "\n".join(lines).rstrip() + "\n"


CACHE_SECTIONS = {"server_cache", "stampede", "esi"}  # run together (report_cache)
# The results' sections a full run writes (``--only`` into new results writes fewer).
SECTIONS = (
    "browsing",
    "workloads",
    "first_view",
    "endpoint",
    "loader_size",
    "browser",
    "memory",
    "server_cache",
    "stampede",
    "esi",
    "shell_guard",
    "metrics",
)


# -- the summary ------------------------------------------------------------------------------

# What the README's one-line headline leaves out; true of every run.
READING = [
    "How to read it: the targets were set before the work and are reported as met or missed, "
    "never moved. The first view needs every private fragment of the page once, so it costs "
    "about what the monolithic page does; composition pays over a session, as shells come "
    "from the shared cache and kept fragments from the browser. Each figure holds for the "
    "demo shop (how many private fragments a page has, how often a shopper writes); sections "
    "1 and 2 say where the rest of the CPU goes.",
    "",
]


def _summary(results: dict[str, Any]) -> list[str]:
    rows = _browsing_summary(results["browsing"]) if "browsing" in results else []
    if "workloads" in results:
        rows += report_workloads.summary_rows(results["workloads"])
    if "first_view" in results:
        rows += report_first_view.summary_rows(results["first_view"])
    if "endpoint" in results:
        rows += _endpoint_summary(results["endpoint"])
    rows += _loader_summary(results)
    rows += _browser_summary(results["browser"]) if "browser" in results else []
    if "memory" in results:
        mem = results["memory"]
        rows.append(
            [
                f"(5) worker RSS over {mem['total']:,} fragment requests, then {mem['tail']:,} more",
                f"{mem['growth_kib']:+,} KiB, then {mem['tail_growth_kib']:+,} KiB "
                f"(slope {mem['tail_slope_kib_per_1000']:+.1f} KiB / 1,000 requests)",
                "no growth trend",
                met(abs(mem["tail_slope_kib_per_1000"]) < FLAT_SLOPE_KIB),
            ]
        )
    if results.keys() >= CACHE_SECTIONS:
        rows += report_cache.summary_rows(results)
    return ["## Summary", "", *table("figure | result | target | ", rows), ""]


def _loader_summary(results: dict[str, Any]) -> list[list[str]]:
    if "loader_size" not in results:
        return []
    rows = []
    every = results["loader_size"]["rows"]
    live = next((r for r in every if r["name"] == "composekit-live"), None)
    sizes = sorted((r for r in every if r is not live), key=lambda r: r["gzip"])
    rank = next(i for i, r in enumerate(sizes) if r["name"] == "composekit") + 1
    ours = sizes[rank - 1]
    others = ", ".join(f"{r['name']} {r['gzip']:,} B" for r in sizes if r is not ours)
    rows.append(
        [
            "(3) loader, min+gzip -9 / min+brotli",
            f"{ours['gzip']:,} B / {ours['brotli']:,} B",
            "—",
            f"{rank} of {len(sizes)} by gzip size ({others})",
        ]
    )
    if live is not None:
        rows.append(
            [
                "(3) composekit-live (second file), min+gzip -9 / min+brotli",
                f"{live['gzip']:,} B / {live['brotli']:,} B",
                "—",
                f"with the loader {ours['gzip'] + live['gzip']:,} B by gzip",
            ]
        )
    return rows


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
    lines += table(
        "when | load average | busiest processes",
        [
            [when, " / ".join(f"{v:.2f}" for v in info["loadavg"]), info["top"]]
            for when, info in results["load"]
        ],
    )
    return [*lines, ""]


# -- (1) real browsing --------------------------------------------------------------------------


def _browsing_summary(b: dict[str, Any]) -> list[list[str]]:
    rows = []
    targets = (
        ("monolithic", "session", TARGET_SESSION, f"≥ {TARGET_SESSION:g}× (moonshot {MOONSHOT_SESSION:g}×)"),
        ("monolithic-cache", "session", TARGET_SESSION_CACHE, f"≥ {TARGET_SESSION_CACHE:g}×"),
        ("monolithic", "first", TARGET_FIRST, f"≥ {TARGET_FIRST:g}×"),
        ("monolithic-cache", "first", None, "—"),
    )
    ratios, less = headline(b)
    for peer, phase, target, text in targets:
        ratio = ratios[peer][phase]
        label = "session average" if phase == "session" else "first view"
        rows.append(
            [
                f"(1) server CPU per page view{less}, {VARIANT_NAMES[peer]} ÷ composed, {label}",
                fmt(ratio, 1, "×"),
                text,
                "—" if target is None else verdict(ratio["median"], target),
            ]
        )
    if less:
        idle = "; ".join(f"{VARIANT_NAMES[n]} {fmt(v['idle_ms_per_s'], 2)}" for n, v in b["variants"].items())
        rows.append(
            ["(1) the stacks' idle CPU, CPU-ms per second (taken out of the ratios above)", idle, "—", ""]
        )
    return rows + report_purging.summary_rows(b)


def headline(b: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The ratios the targets are judged on: without the stacks' idle CPU where it was
    measured, else with it (older results); and what to call them."""
    if "busy_ratios" not in b:
        return b["ratios"], ""
    return b["busy_ratios"], " less idle"


def verdict(ratio: float, target: float) -> str:
    """met, or missed and by how much."""
    if ratio >= target:
        return met(True)
    return f"{met(False)} by {target - ratio:.1f}× ({ratio / target:.0%} of it)"


def _trivial_ms(results: dict[str, Any]) -> float | None:
    """gunicorn's CPU-ms for a trivial logged-in Django view (section 2), if it ran."""
    endpoint = results.get("endpoint")
    return None if endpoint is None else float(endpoint["cases"]["plain"]["cpu_us"]["median"]) / 1000


def _browsing(b: dict[str, Any], trivial_ms: float | None) -> list[str]:
    plan = b["plan"]
    lines = [
        "## 1. Server CPU of real browsing: composed vs monolithic",
        "",
        f"The demo shop three ways, each under gunicorn ({b['server']}, `DEBUG=False`), each on its "
        "own copy of one seeded SQLite database, with the demo's settings for all: persistent "
        "database connections, `cached_db` sessions, Django's cache in a Redis of its own "
        "(`bench/variants/`):",
        "",
        "- **composed**: the demo as shipped (client mode), behind varnishd running "
        "`docs/varnish/composekit.vcl` (only its backend rewritten). The browsers talk to Varnish.",
        "- **monolithic**: the same pages rendered per user by plain Django: the same templates, "
        "each `{% fragment %}` rendered in the page by a plain tag that calls the fragment's "
        "`get_context()` and its template (no sub-request, no DRF), the page views without "
        "`@cacheable_shell` and the shell cache, no composekit middleware. The browsers talk to "
        "gunicorn: a page made for one user gains nothing from a proxy.",
        "- **monolithic with `{% cache %}`**: the same, with the templates' `{% cache %}` tags on, "
        "kept in Redis until changed, a day at most, as Varnish keeps composed's shells (so "
        "neither depends on how long a round takes): the category bar, the "
        "catalog's and categories' product grids, the product details and related products, each "
        "keyed by what it shows; and the picks kept per user, keyed by the user and their cart's "
        "version, for 600 s (as composed's server cache keeps them). What an expert would do "
        "without composekit.",
        "",
        *report_purging.variants_caches(b),
        f"{b['shoppers']} shoppers browse in Chromium {b['browser_version']} (Playwright, headless, "
        f"`{' '.join(CHROMIUM_ARGS)}`), one browser context each, {b['concurrency']} at a time. Each "
        "round, for each variant in turn (a rotating order), every shopper gets a new context that "
        "has seen the login page (the static files are in its HTTP cache) and holds the cookies of "
        "a session logged in before the first round (logins are not measured). In one tab it views "
        f"the {b['pages']} different pages of its plan (fixed, seeded: {plan['listings']} catalog or "
        f"category and {plan['products']} product page views in all, {plan['distinct']} different "
        "pages; products drawn with weight 1 / their rank in their category, as a shop's traffic "
        "favours its first products), each until every fragment on it has loaded, lazy ones "
        "scrolled into view; after "
        f"page {b['add_after']} it adds that product to its cart (composed: composekit-live posts the "
        "form, the answer triggers `cart:changed` and the cart's fragments refresh; monolithic, as an "
        "htmx-style app: `bench/variants/parts.js` posts the form over fetch and swaps in the parts "
        "the answer brings, the cart summary and the picks, rendered by the same templates). Page 1 of every shopper is the **first view**; the "
        f"**session average** is over all {b['pages']} page views, the add-to-cart included. "
        "Before each variant's turn, every page of the plans is asked for once, anonymously and "
        "not measured: a shop has more visitors than these, and they keep what every visitor shares "
        "in the shared caches (Varnish's shells, the `{% cache %}` parts), which would otherwise "
        "be missing from the first round. "
        f"{b['warmup']} warm-up round(s), then {b['rounds']} rounds. Server CPU is the user + system "
        "time (`/proc/<pid>/stat`) of every process of the stack: gunicorn's master and workers, "
        "varnishd's manager and child, redis-server.",
        "",
    ]
    rows = [
        [
            f"**{VARIANT_NAMES[name]}**",
            fmt(v["cpu_ms_per_view"]["first"], 2),
            fmt(v["cpu_ms_per_view"]["session"], 2),
            fmt(v["wall_s"], 0),
        ]
        for name, v in b["variants"].items()
    ]
    lines += table(
        "variant | first view, server CPU-ms | session average, server CPU-ms per view | a round's browsing, s",
        rows,
    )
    lines += ["", "Per round, monolithic ÷ composed:", ""]
    ratio_rows = []
    for peer, ratios in b["ratios"].items():
        ratio_rows.append(
            [
                f"{VARIANT_NAMES[peer]} ÷ composed",
                fmt(ratios["first"], 1, "×"),
                fmt(ratios["session"], 1, "×"),
            ]
        )
    lines += table("server CPU per page view | first view | session average", ratio_rows)
    lines += _idle(b)
    lines += [""]
    if b["mismatches"]:
        lines += ["**The variants did not show the same content**, so the comparison is void:", ""]
        lines += [f"- {m}" for m in b["mismatches"]] + [""]
    else:
        lines += [
            "Every page view showed the same content in the three variants (the shopper's name, "
            "cart count, picks, price and stock, compared view by view).",
            "",
        ]
    lines += _browsing_misses(b, trivial_ms)
    lines += [
        "### Where the server CPU goes",
        "",
        "Per page view, over every measured round. gunicorn's CPU by request: the thread CPU "
        "time of each request inside gunicorn (`bench/request_cpu.py`); *gunicorn outside "
        "requests* is the rest of its processes' CPU (accepting and polling connections, reading "
        "request heads, the master). A request's kind says what Django did: a *shell* reached "
        "Django (a miss in Varnish) and was a hit or miss in Django's shell cache; a *batch of N* "
        "carried N private fragments; `POST /cart/add/` is the add-to-cart.",
        "",
    ]
    for name, v in b["variants"].items():
        for phase in ("session", "first"):
            if phase == "first" and name != "composed":
                continue
            where = v["where"][phase]
            label = "session average" if phase == "session" else "first view"
            lines += [
                f"**{VARIANT_NAMES[name]}, {label}**: {where['total_cpu_ms']:.2f} CPU-ms per page view.",
                "",
            ]
            lines += table(
                "what | requests per view | CPU-ms each | CPU-ms per view | share",
                [
                    [
                        r["what"],
                        "" if r["requests"] is None else f"{r['requests']:.2f}",
                        "" if r["ms_each"] is None else f"{r['ms_each']:.2f}",
                        f"{r['cpu_ms']:.2f}",
                        f"{r['cpu_ms'] / where['total_cpu_ms']:.0%}" if where["total_cpu_ms"] else "",
                    ]
                    for r in where["rows"]
                ],
            )
            if where["varnish"]:
                c = where["varnish"]
                lines += [
                    "",
                    f"varnishd answered {c.get('MAIN.client_req', 0):.2f} requests per page view: "
                    f"{c.get('MAIN.cache_hit', 0):.2f} hits, {c.get('MAIN.cache_miss', 0):.2f} misses, "
                    f"{c.get('MAIN.s_pass', 0):.2f} passes (`varnishstat`).",
                ]
            lines += [""]
    return lines + report_purging.section(b)


def _idle(b: dict[str, Any]) -> list[str]:
    """The stacks' CPU while serving nothing, and the comparison without it."""
    lines = [
        "",
        f"Part of each figure is what the stack's processes cost while they serve nothing "
        "(gunicorn's workers polling, varnishd's and redis-server's timers and housekeeping): a "
        "cost per second, spread over however many page views a second brings, so it weighs more "
        "the fewer views a run serves. Before each round the stack is left idle for "
        f"{b['idle_s']:g} s and its CPU measured; that rate times the phase's length, per view, "
        "is taken out below, and the summary's targets are judged without it. A lower bound of "
        "the overhead (an idle process polls less than a busy one), and not what a server "
        "costs: it runs whether or not anyone browses.",
        "",
    ]
    lines += table(
        "variant | idle, CPU-ms per second | first view less idle, CPU-ms | session less idle, CPU-ms per view",
        [
            [
                f"**{VARIANT_NAMES[name]}**",
                fmt(v["idle_ms_per_s"], 2),
                fmt(v["busy_ms_per_view"]["first"], 2),
                fmt(v["busy_ms_per_view"]["session"], 2),
            ]
            for name, v in b["variants"].items()
        ],
    )
    lines += ["", "Per round, without the idle cost:", ""]
    lines += table(
        "server CPU per page view, less idle | first view | session average",
        [
            [f"{VARIANT_NAMES[peer]} ÷ composed", fmt(r["first"], 1, "×"), fmt(r["session"], 1, "×")]
            for peer, r in b["busy_ratios"].items()
        ],
    )
    return lines


def _browsing_misses(b: dict[str, Any], trivial_ms: float | None) -> list[str]:
    """Each missed target, by how much, where composed's CPU goes (measured), and the best
    ratio composed's requests allow if each cost no more than a trivial logged-in view."""
    composed = b["variants"]["composed"]
    lines = []
    checks = (
        ("monolithic", "session", TARGET_SESSION),
        ("monolithic-cache", "session", TARGET_SESSION_CACHE),
        ("monolithic", "first", TARGET_FIRST),
    )
    ratios, _ = headline(b)
    figure = "busy_ms_per_view" if "busy_ratios" in b else "cpu_ms_per_view"
    for peer, phase, target in checks:
        ratio = ratios[peer][phase]["median"]
        if ratio >= target:
            continue
        theirs = b["variants"][peer][figure][phase]["median"]
        ours = composed[figure][phase]["median"]
        where = composed["where"][phase]
        top = sorted(where["rows"], key=lambda r: -r["cpu_ms"])[:4]
        parts = ", ".join(
            f"{r['what']} {r['cpu_ms']:.2f} ms ({r['cpu_ms'] / where['total_cpu_ms']:.0%})" for r in top
        )
        label = "session average" if phase == "session" else "first view"
        lines += [
            f"**Target missed: {VARIANT_NAMES[peer]} ÷ composed, {label}, is {ratio:.1f}×, not "
            f"{target:g}×.** Reaching it would take composed from {ours:.2f} to "
            f"{theirs / target:.2f} CPU-ms per page view ({VARIANT_NAMES[peer]}: {theirs:.2f}). "
            f"Where composed's goes, per page view: {parts}.",
            "",
        ]
        lines += ceiling(where, theirs, VARIANT_NAMES[peer], trivial_ms)
    return lines


# -- (2) the endpoint ---------------------------------------------------------------------------


def _own_us(ep: dict[str, Any]) -> float:
    """composekit's own work per fragment request: the fragment less the DRF view doing the
    same work, whole requests through Django's handler, in process; plus its middleware, which
    runs on both (timed in process)."""
    middleware: float = sum(c["us"]["median"] for c in ep["components"] if "Middleware`" in c["component"])
    return float(ep["handler"]["less_us"]["median"]) + middleware


def _endpoint_summary(ep: dict[str, Any]) -> list[list[str]]:
    fixed = ep["ratios"]["fragment ÷ plain"]
    own = _own_us(ep)
    return [
        [
            "(2) a logged-in fragment request ÷ a trivial logged-in Django view, server CPU (gunicorn)",
            fmt(fixed, 2, "×"),
            f"≤ {TARGET_FIXED:g}×",
            met(round(fixed["median"], 9) <= TARGET_FIXED),
        ],
        [
            "(2) composekit's own work per fragment request",
            f"{own:.0f} µs",
            f"≤ {TARGET_OWN_US:.0f} µs",
            met(own <= TARGET_OWN_US),
        ],
    ]


def _endpoint(ep: dict[str, Any]) -> list[str]:
    cases = ep["cases"]
    lines = [
        "## 2. The fixed cost of a fragment request",
        "",
        f"The demo under gunicorn ({ep['server']}, its settings and whole middleware stack; "
        "`bench/endpoint_settings.py`) answers the same trivial logged-in work three ways: a plain "
        "Django function view, a DRF `APIView` and a composekit fragment (`bench/endpoint_urls.py`), "
        "each answering the shopper's name in a `<b>`, so all they do is load the session and the "
        "user. One logged-in client asks for each, keep-alive, "
        f"{ep['iterations']} requests per run, {ep['rounds']} rounds in a rotating order. *CPU-µs* "
        "is the CPU time of gunicorn's master and workers (`/proc`) over a run divided by its "
        "requests: everything the server did. *In the request* is the thread CPU of each request "
        "inside gunicorn (`bench/request_cpu.py`), finer, for the subtraction below. *Queries* is "
        "what the answer's `Server-Timing` says it ran (a fragment's own header counts the queries "
        "of its view, the user's loading included).",
        "",
    ]
    lines += table(
        "request | status | CPU-µs per request | in the request, µs | queries",
        [
            [
                c["label"],
                str(c["status"]),
                fmt(c["cpu_us"], 0),
                fmt(c["in_request_us"], 0),
                "—" if c["queries"] is None else str(c["queries"]),
            ]
            for c in cases.values()
        ],
    )
    lines += ["", "Per round:", ""]
    lines += table(
        "ratio of CPU-µs per request | per round", [[k, fmt(r, 2, "×")] for k, r in ep["ratios"].items()]
    )
    fixed = ep["ratios"]["fragment ÷ plain"]["median"]
    own = _own_us(ep)
    middleware = [c for c in ep["components"] if "Middleware`" in c["component"]]
    handler = ep["handler"]
    lines += [
        "",
        f"**The fixed cost: a fragment request costs {fixed:.2f}× a trivial logged-in Django view** "
        f"(target ≤ {TARGET_FIXED:g}×: {met(round(fixed, 9) <= TARGET_FIXED)}).",
        "",
        f"**composekit's own work: {own:.0f} µs per fragment request** (target ≤ {TARGET_OWN_US:.0f} µs: "
        f"{met(own <= TARGET_OWN_US)}): {fmt(handler['less_us'], 1, 'µs')}, a whole request for "
        f"the `bench-trivial` fragment ({fmt(handler['fragment_us'], 0, 'µs')}) less one for the "
        f"DRF `APIView` doing the same work ({fmt(handler['drf_us'], 0, 'µs')}), through Django's "
        "WSGI handler as gunicorn calls it (every middleware, URL resolution past the same "
        "patterns, the view, the response), in a process of its own with the same settings, "
        f"request by request in turn, {ep['iterations']} of each per round; plus its middleware, "
        "which runs on both and is timed in process: "
        + ", ".join(f"{c['component']} {c['us']['median']:.1f} µs" for c in middleware)
        + ". The fragment's view skips some of what a DRF view does (content negotiation, the "
        "CSRF check of `SessionAuthentication` on a GET), so the difference is what composekit "
        "adds net; its pieces, timed one by one, are below. The same subtraction under gunicorn "
        "(*in the request* above, per round) gives "
        f"{fmt(ep['fragment_less_drf_us'], 0, 'µs')}: two whole requests' noise in one "
        "difference, which is why the in-process figure is the one compared with the target. "
        f"Through the handler the fragment costs {fmt(handler['fragment_÷_plain'], 2, '×')} the "
        f"plain view ({fmt(handler['plain_us'], 0, 'µs')}), without the work gunicorn does around "
        "each request, which the fixed-cost figure above includes.",
        "",
        "**A 304 does not load what it does not need**: it runs the fragment's `get_etag()` and "
        "what that reads, and neither renders nor builds the context. `user-menu`'s validator needs "
        "the user (one query) and its CSRF cookie; `cart-summary`'s the user and the cart's version "
        "(two); the public `stock-price` authenticates no one and loads no session, and keeps its "
        "HTML and its validator in the server fragment cache (section 6): its 200 and its 304 run "
        "no query.",
        "",
        "### composekit's pieces, one by one",
        "",
        "In a process of its own with the same settings, each piece a fragment request runs, timed "
        "alone in CPU time (`time.thread_time_ns`), median (min–max) over the rounds:",
        "",
    ]
    lines += table(
        "piece | whose | CPU-µs per request",
        [
            [c["component"], "composekit" if c["composekit"] else "DRF", fmt(c["us"], 1)]
            for c in ep["components"]
        ],
    )
    profile = ep["profile"]
    lines += [
        "",
        "### Where the fragment's view spends its time",
        "",
        f"cProfile of {profile['iterations']} calls of the `bench-trivial` fragment's view, on "
        "requests as the middleware leaves them (user and session loaded). Profiled total "
        f"{profile['total_us']:.0f} µs per call, of which composekit's own functions "
        f"{profile['composekit_own_us']:.0f} µs and DRF's {profile['drf_own_us']:.0f} µs (own time). "
        "cProfile inflates code that makes many small calls; read the shares, not the absolute "
        "times. composekit's and DRF's functions by cumulative time per call:",
        "",
    ]
    lines += table(
        "function | calls | own µs | cumulative µs | share",
        [
            [
                f"`{r['function']}`",
                f"{r['calls_per_request']:g}",
                f"{r['tottime_us']:.1f}",
                f"{r['cumtime_us']:.1f}",
                f"{r['cumtime_us'] / profile['total_us']:.0%}",
            ]
            for r in profile["by_cumtime"]
        ],
    )
    return [*lines, ""]


# -- (3) loader size ----------------------------------------------------------------------------


def _loader_size(sizes: dict[str, Any]) -> list[str]:
    lines = [
        "## 3. Loader size",
        "",
        "Each peer installed with `npm install` into a temporary folder during this run. Bytes of "
        "the minified browser bundle, after `gzip -9 -n`, and after brotli at quality 11 (the "
        "`brotli` module, as whitenoise writes the `.br` files it serves to browsers that accept "
        "`br`). Where a package ships no minified bundle, esbuild (the repo's, the one the loader "
        "is built with) bundles and minifies its entry point (`--bundle --minify --format=iife "
        "--target=es2020`), as a user without a build step could not; the *how* column says which. "
        "Turbo and htmx do far more than load fragments; they are here because they are what "
        "people reach for instead.",
        "",
    ]
    ours = next(r for r in sizes["rows"] if r["name"] == "composekit")
    lines += table(
        "package | version | minified B | min+gzip B | min+brotli B | gzip ÷ composekit | how",
        [
            [
                f"`{r['package']}`",
                r["version"],
                f"{r['minified']:,}",
                f"{r['gzip']:,}",
                f"{r['brotli']:,}",
                f"{r['gzip'] / ours['gzip']:.1f}×",
                r["how"],
            ]
            for r in sorted(sizes["rows"], key=lambda r: r["gzip"])
        ],
    )
    return [*lines, ""]


# -- (4) time to fragments ----------------------------------------------------------------------


def _browser_summary(b: dict[str, Any]) -> list[list[str]]:
    htmx = {(r["fragments"], r["state"]): r for r in b["rows"] if r["loader"] == "htmx"}
    rows = []
    for row in b["rows"]:
        if row["loader"] != "composekit":
            continue
        other = htmx.get((row["fragments"], row["state"]))
        target = row["fragments"] == 20 and row["state"] == "warm"
        over = row["over_floor_ms"]["median"]
        rows.append(
            [
                f"(4) navigation → {row['fragments']} fragment(s) swapped, {row['state']}, composekit",
                fmt(row["done_ms"], 1, "ms"),
                f"≤ floor + {TARGET_WARM_MS:g} ms" if target else "—",
                (f"{met(over <= TARGET_WARM_MS)}: " if target else "")
                + f"{over:.1f} ms above the floor ({row['floor_ms']['median']:.1f} ms)"
                + (f"; htmx {other['done_ms']['median']:.1f} ms" if other else ""),
            ]
        )
    return rows


def _browser(b: dict[str, Any]) -> list[str]:
    floor = b["floor"]
    lines = [
        "## 4. Time to fragments in Chromium",
        "",
        f"Chromium {b['browser_version']} (headless, Playwright; `{' '.join(CHROMIUM_ARGS)}`) opens a "
        "page of N fragments from a small bench site (`bench/site/`, gunicorn with 2 gthread "
        "workers × 4 threads, keep-alive, on 127.0.0.1) in a new context (**cold**: empty HTTP "
        "cache, new connections, a new tab), then again in the same tab (**warm**: composekit "
        "shows the fragments it kept, htmx gets them from the HTTP cache: the fragment is "
        f"`private, max-age=300`); {b['runs']} runs per row after {b['warmup']} warm-up runs. The "
        "composekit page places N `{% fragment %}` tags (loader as a classic script in `<head>`); "
        'the htmx page places the same N signed fragment URLs as `<div hx-get=… hx-trigger="load">`, '
        "htmx served from this run's npm install. Both fetch the same endpoint (a private fragment "
        "rendering a small template), through Django, as are both scripts.",
        "",
        "*Time* is `performance.now()` (0 = navigation start) when the last of the N fragment "
        "bodies is in the DOM, seen by a MutationObserver installed before any page script (the "
        "same test for both; for composekit every element also fired `ck:load`). The *floor* is "
        "what no loader can beat, measured in each round: the `DOMContentLoaded` of an empty page "
        "(no script, nothing to fetch) from the same server, in a new context (cold, "
        f"{fmt(floor['cold_dcl_ms'], 1, 'ms')}) and as its second view (warm, "
        f"{fmt(floor['warm_dcl_ms'], 1, 'ms')}): Chromium's own start-up of a page and the "
        "document's round trip. Cold, a loader must also fetch: the cold floor adds the round trip "
        f"of one fragment fetched by the empty page ({fmt(floor['round_trip_ms'], 1, 'ms')}). "
        "*Fetches* counts the fragment requests that reached the network (Resource Timing: a "
        "response from the HTTP cache transfers nothing).",
        "",
    ]
    lines += table(
        "fragments | loader | view | time to all swapped, ms | floor, ms | above the floor, ms | fetches",
        [
            [str(r["fragments"]), r["loader"], r["state"]]
            + [fmt(r[key], 1) for key in ("done_ms", "floor_ms", "over_floor_ms")]
            + [str(r["fetches"])]
            for r in b["rows"]
        ],
    )
    warm20 = next(
        (
            r
            for r in b["rows"]
            if r["loader"] == "composekit" and r["fragments"] == 20 and r["state"] == "warm"
        ),
        None,
    )
    if warm20 is not None:
        over = warm20["over_floor_ms"]["median"]
        verdict = "met" if over <= TARGET_WARM_MS else f"**missed** by {over - TARGET_WARM_MS:.1f} ms"
        lines += [
            "",
            f"**20 fragments, warm: {over:.1f} ms above the floor** (target ≤ {TARGET_WARM_MS:g} ms: {verdict}).",
        ]
    lines += [
        "",
        "Where the time goes (medians, ms after navigation start): the shell's last byte, the "
        "loader script's last byte, the first fragment request's start, `DOMContentLoaded`, the "
        "last fragment response's last byte, and all swapped (— where no fragment was fetched).",
        "",
    ]
    lines += table(
        "fragments | loader | view | shell end | script end | first fetch | DOMContentLoaded | last response end | all swapped",
        [
            [str(r["fragments"]), r["loader"], r["state"]]
            + [f"{r[key]['median']:.1f}" if key in r else "—" for key in (*MILESTONES, "done_ms")]
            for r in b["rows"]
        ],
    )
    return [*lines, ""]


# -- the shell guard ----------------------------------------------------------------------------


def shell_guard_section(g: dict[str, Any]) -> list[str]:
    lines = [
        "## Shell guard",
        "",
        "The demo under gunicorn (one sync worker, `DEBUG` off, client mode) with composekit as of "
        f"`{g['before']}` (where this tree left main) and as in the work tree, one server per "
        "variant and set-up, all on 127.0.0.1 (`bench/shell_guard.py`). One client asks for "
        f"`/c/audio/` back to back for {g['seconds']:g} s per run; the server's user + system CPU "
        "time (`/proc/<pid>/stat`) over the run divided by the requests answered is the cost. "
        f"{g['rounds']} rounds, the runs interleaved in a rotating order; the ratio is taken per "
        "round. The last two rows time `@cacheable_shell` alone in a process of its own per "
        "variant (guarded view less the same view unguarded, 20,000 calls).",
        "",
    ]
    if g["same_code"]:
        lines += [
            f"The work tree's `composekit/` is the same as `{g['before']}`'s: both columns measure "
            "the same code, and their ratio shows the noise.",
            "",
        ]
    lines += table(
        f"shell request, CPU-µs | before ({g['before']}) | after | after ÷ before, per round",
        [
            [
                row["label"],
                fmt(row["before"], 1 if key.startswith("guard") else 0),
                fmt(row["after"], 1 if key.startswith("guard") else 0),
                fmt(row["ratio"], 2),
            ]
            for key, row in g["rows"].items()
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
    lines += table(
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
