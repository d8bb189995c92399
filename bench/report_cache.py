"""Sections (6) the server fragment cache and (7) ESI of ``docs/benchmarks.md``."""

from __future__ import annotations

from typing import Any

from .stats import fmt, met, table

TARGET_CACHED = 10.0  # a cached render at least 10x cheaper in server CPU than a cold one


def summary_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for cache, label in (("redis", "Redis"), ("locmem", "local memory")):
        for level, where in (("view", "the endpoint view"), ("stack", "through the middleware")):
            ratio = results["server_cache"][cache]["levels"][level]["cold_over_hit"]
            # The target is about the render: the view level. Through the middleware the
            # request's fixed cost, the same cached or not, is in both (context, no target).
            target = level == "view"
            rows.append(
                [
                    f"(6) server CPU, cold ÷ cached `recommended`, {label}, {where}",
                    fmt(ratio, 1, "×"),
                    f"≥ {TARGET_CACHED:g}×" if target else "— (see 6)",
                    met(ratio["median"] >= TARGET_CACHED) if target else "",
                ]
            )
    stale = results["stampede"]["cases"]["stale"]
    rows.append(
        [
            f"(6) {results['stampede']['concurrency']} concurrent requests for a stale hot fragment: regenerations",
            str(stale["entry writes"]),
            "exactly 1",
            met(stale["entry writes"] == 1),
        ]
    )
    scenarios = results["esi"]["scenarios"]
    for kind in ("esi", "loader", "monolithic"):
        rows.append(
            [
                f"(7) server CPU per logged-in page view, {kind} (gunicorn + varnishd + redis-server)",
                fmt(scenarios[kind]["cpu_ms_per_view"]["total"], 2, "ms"),
                "—",
                "",
            ]
        )
    return rows


def sections(results: dict[str, Any]) -> list[str]:
    return [*_server_cache(results["server_cache"], results["stampede"]), *_esi(results["esi"])]


def _redis_get(calls: dict[str, Any]) -> str:
    """What one Redis ``cache.get`` costs: through Django's backend and through composekit's,
    or (results saved before ``composekit.rediscache``) through Django's alone."""
    django = calls["get_django"] if "get_django" in calls else calls["get"]  # saved before rediscache
    text = (
        f"One `cache.get` of a 3 KB entry costs {django['median']:.0f} µs of CPU through "
        f"Django's `RedisCache`, of which {calls['client']['median']:.0f} µs build the redis-py client "
        "it makes for every call (redis-py's `Redis.__init__`); "
    )
    if "get_reused" in calls:
        text += (
            f"through `composekit.rediscache.RedisCache`, which builds it once, "
            f"{calls['get_reused']['median']:.0f} µs ({django['median'] / calls['get_reused']['median']:.1f}× "
            "less; the demo and every variant here use it): "
        )
    return text


def _server_cache(cached: dict[str, Any], stampede: dict[str, Any]) -> list[str]:
    redis = cached["redis"]
    lines = [
        "## 6. Server-side fragment cache",
        "",
        f"One process with the demo's settings times the demo's `recommended` fragment for one "
        f"logged-in shopper, {redis['iterations']} requests per batch, {redis['rounds']} interleaved "
        f"rounds, in **CPU time**: the serving thread's (`time.thread_time_ns`) plus, on Redis, "
        f"redis-server's own (`INFO cpu`, over the batch). Four ways: *cold*, the same fragment with "
        f"no server cache (rendered from the database: two queries and a template of five product "
        f"cards); *miss*, with the cache and its dependency just expired (rendered and stored); *hit*, "
        f"warm (versions and HTML read, nothing rendered); *revalidated*, `If-None-Match` with the "
        f"version's ETag (a 304 from the versions alone). *view*: the endpoint view on a prepared "
        f"request (user and session attached); *stack*: Django's test client through the demo's "
        f"middleware (session from the cache, user from the database).",
        "",
    ]
    rows = []
    for cache, label in (("redis", "Redis (`RedisCache`, hiredis)"), ("locmem", "local memory")):
        for level, data in cached[cache]["levels"].items():
            us = data["us"]
            rows.append(
                [label, level]
                + [fmt(us[v]["total"], 0) for v in ("cold", "miss", "hit", "revalidated")]
                + [
                    fmt(us["hit"]["redis"], 0),
                    fmt(data["cold_over_hit"], 1, "×"),
                    fmt(data["cold_over_revalidated"], 1, "×"),
                ]
            )
    lines += table(
        "cache | level | cold µs | miss µs | hit µs | revalidated µs | of hit: redis-server µs | cold ÷ hit | cold ÷ revalidated",
        rows,
    )
    lines.append("")
    view = {cache: cached[cache]["levels"]["view"] for cache in cached}
    stack = {cache: cached[cache]["levels"]["stack"] for cache in cached}
    calls = cached["redis"]["cache_call_us"]
    local_get = cached["locmem"]["cache_call_us"]["get"]["median"]
    fixed = stack["locmem"]["us"]["hit"]["total"]["median"] - view["locmem"]["us"]["hit"]["total"]["median"]
    lines += [
        f"The target (≥ {TARGET_CACHED:g}× less server CPU for a cached render than a cold one) is "
        f"about the render, so it is read at the view level: "
        + "; ".join(
            f"{cache}: {view[cache]['cold_over_hit']['median']:.1f}× "
            f"({met(view[cache]['cold_over_hit']['median'] >= TARGET_CACHED)})"
            for cache in ("redis", "locmem")
        )
        + ". What a hit costs is mostly cache calls: two per hit (the versions, then the entry). "
        + _redis_get(calls)
        + "the rest is the round trip over loopback TCP "
        f"and unpickling. Through local memory the same call costs {local_get:.0f} µs. Through the "
        f"middleware every request also pays about {fixed:,.0f} µs before the fragment runs (session, "
        f"user, CSRF, DRF's dispatch), cached or not, so the ratio there is lower: the cache removes "
        f"the render and its queries (*cold − hit*), not the cost of being a request.",
        "",
    ]
    lines += [
        f"**Stampede.** The demo under gunicorn ({stampede['concurrency']} requests at once from "
        f"{stampede['concurrency']} threads, 2 gthread workers × 4 threads, Redis) for one product's "
        f"price (`{stampede['key']}`). Redis `MONITOR` counts the writes of the entry, i.e. the "
        f"renders that were stored, and the attempts at its regeneration lock:",
        "",
    ]
    rows = []
    for case, data in stampede["cases"].items():
        what = (
            "stale: past its timeout, within `stale_while_revalidate`"
            if case == "stale"
            else "missing: no entry (cold cache, Redis restarted)"
        )
        rows.append(
            [
                what,
                ", ".join(f"{k}: {v}" for k, v in sorted(data["responses"].items())),
                str(data["entry writes"]),
                str(data["lock attempts"]),
            ]
        )
    lines += table("entry | responses (status, Server-Timing cache) | entry writes | lock attempts", rows)
    lines += [
        "",
        "A stale entry is served at once to every request and rendered again by the one that "
        "took the lock, after its response. A missing entry has nothing to serve: each request "
        "that finds it missing renders (the lock is only for regenerations), so a cold cache under "
        "a burst renders as often as without one; an invalidation (`expire()`) makes a new key, "
        "missing too. See docs/caching.md.",
        "",
    ]
    return lines


def _esi(data: dict[str, Any]) -> list[str]:
    lines = [
        "## 7. A logged-in page view: ESI vs the loader vs monolithic",
        "",
        f"Three copies of the demo under gunicorn ({data['server']}, `DEBUG=False`), in ESI, client and "
        f"inline mode, on one SQLite database and one redis-server (the server fragment cache, "
        f"`cached_db` sessions), each behind a varnishd of its own running `docs/varnish/composekit.vcl`. "
        f"{data['sessions']} logged-in shoppers, one thread and one keep-alive connection each, replay "
        f"page views over {len(data['pages'])} catalog pages for {data['duration']:g} s per run, "
        f"{data['rounds']} runs per kind after a warm-up, interleaved. A page view is everything the page "
        f"shows, the lazy `recommended` below the fold included. Server CPU is the user + system time of "
        f"gunicorn (master and workers), varnishd (manager and child) and redis-server over the run, "
        f"divided by the views served.",
        "",
    ]
    rows = []
    for kind, s in data["scenarios"].items():
        cpu = s["cpu_ms_per_view"]
        rows.append(
            [
                f"**{kind}**: {s['description']}",
                f"{s['requests_per_view']:.1f}",
                fmt(s["views_per_s"], 0),
                fmt(cpu["gunicorn"], 2),
                fmt(cpu["varnishd"], 2),
                fmt(cpu["redis-server"], 2),
                fmt(cpu["total"], 2),
            ]
        )
    lines += table(
        "page view | requests to Varnish | views/s | gunicorn CPU-ms | varnishd CPU-ms | redis-server CPU-ms | total CPU-ms / view",
        rows,
    )
    lines += ["", "Per round, monolithic ÷ each (server CPU per view, all three servers):", ""]
    lines += table(
        "composed by | monolithic ÷ it",
        [
            [k, fmt(r, 1, "×") if r is not None else "— (under one clock tick of server CPU in every round)"]
            for k, r in data["monolithic_over"].items()
        ],
    )
    lines += ["", "What Varnish answered (all runs):", ""]
    for kind, s in data["scenarios"].items():
        labels = ", ".join(f"{label}: {n:,}" for label, n in sorted(s["labels"].items()))
        lines.append(f"- {kind}: {labels}" + (f"; errors: {'; '.join(s['errors'])}" if s["errors"] else ""))
    return [*lines, ""]
