"""``python -m bench``: run every benchmark and write ``docs/benchmarks.md``.

``--quick`` runs each at a tiny size (the smoke test's mode); ``--json`` also saves the raw
results. Servers listen on 127.0.0.1 only; every load generator stops by time and count.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

from demo.launch import demo_env, demo_server
from harness import vcl
from harness.servers import ROOT, redis_server, varnishd

from . import (
    browser,
    browsing,
    endpoint,
    esi,
    first_view,
    loader_size,
    memory,
    server_cache,
    shell_guard,
    workloads,
)
from . import metrics as metrics_cost
from .demo_data import (
    catalog_paths,
    log_in_all,
    new_session,
    parse_shell,
    placeholders,
    prepare_demo,
    usernames,
)
from .machine import load, machine
from .report import render

# What each benchmark runs, by the keywords of its run(): (the full run, --quick).
SIZES: dict[str, dict[str, tuple[Any, Any]]] = {
    "demo": {"sessions": (20, 2), "pages": (9, 2)},
    "browsing": {
        "shoppers": (20, 2),
        "pages": (10, 3),  # page views per shopper, all different
        "add_after": (5, 2),  # the add-to-cart follows this page
        "rounds": (4, 1),
        "warmup": (1, 0),
        "concurrency": (4, 2),  # shoppers browsing at once
        "idle_s": (10.0, 0.5),  # the stack left idle before each round, its CPU measured
        "changes": (5, 1),  # after the rounds: a price saved, composed's visitors poll for it
        "visitors": (5, 5),  # ... this many, through Varnish
    },
    # Four workloads a turn, each in new browser contexts: about 1.5 minutes a turn with 4
    # shoppers on a 2-core machine (8 shoppers and a warm-up round took over an hour).
    "workloads": {
        "shoppers": (4, 1),
        "earlier": (3, 1),  # the returning visitor's earlier visit, not measured
        "pages": (5, 2),  # the returning visitor's and the cold device's page views
        "prelude": (3, 1),  # page views in the first tab before the new tab opens
        "browse": (30, 3),  # browse-only: page views across ...
        "tabs": (3, 3),  # ... this many tabs
        "rounds": (3, 1),
        "warmup": (0, 0),
        "concurrency": (4, 1),
        "idle_s": (5.0, 0.2),
        "settle_s": (20.0, 0.5),  # at most this long a wait for the stack to be quiet
    },
    "first_view": {
        "shoppers": (5, 1),  # each round, one after the other: a cold view, then a warm one
        "rounds": (6, 1),  # even: the add-to-cart's two modes go first equally often
        "warmup": (1, 0),
        "idle_s": (3.0, 0.2),
        "settle_s": (10.0, 0.5),
    },
    "endpoint": {"iterations": (500, 20), "rounds": (7, 2)},
    "metrics": {"iterations": (500, 20), "rounds": (7, 2)},
    "server_cache": {"iterations": (300, 10), "rounds": (7, 2)},
    "stampede": {"concurrency": (50, 50)},
    "esi": {"duration": (3.0, 0.5), "warmup": (1.5, 0.3), "rounds": (5, 2), "max_views": (100_000, 100)},
    "loader_size": {"peers": (loader_size.PEERS, (("htmx.org", "htmx.org"),))},
    "browser": {"sizes": ((1, 5, 20), (1, 5)), "runs": (15, 2), "warmup": (2, 0)},
    "memory": {
        "total": (10_000, 100),
        "every": (1_000, 50),
        "warmup": (500, 20),
        "tail": (10_000, 100),
        "tail_every": (2_000, 50),
    },
    "shell_guard": {"rounds": (5, 1), "seconds": (3.0, 0.3)},
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# gthread workers keep connections alive, as a browser's are (behind nginx, or over HTTP/2):
# a sync worker would charge every fragment request a new TCP connection.
WORKERS, THREADS = 2, 4
SERVER = f"{WORKERS} gthread workers × {THREADS} threads each, keep-alive"


def on_a_new_demo(
    module: ModuleType, section: str, title: str
) -> Callable[[dict[str, dict[str, Any]], Path], dict[str, Any]]:
    """A runner of one section (``module.run()``, its sizes under ``section``) on a demo
    prepared into ``tmp / "demo"`` first, which later sections of a full run use too."""

    def run(sizes: dict[str, dict[str, Any]], tmp: Path) -> dict[str, Any]:
        log("preparing the demo: database, static files, shoppers")
        prepare_demo(tmp / "demo", len(usernames(sizes["demo"]["sessions"])))
        log(title)
        result: dict[str, Any] = module.run(
            tmp / "demo", tmp / section, **sizes[section], workers=WORKERS, threads=THREADS, log=log
        )
        return result

    return run


run_browsing = on_a_new_demo(browsing, "browsing", "(1) real browsing: composed vs monolithic, in Chromium")

run_workloads = on_a_new_demo(
    workloads,
    "workloads",
    "(1b) returning visitor, new tab, cold device, browse-only: composed vs monolithic, in Chromium",
)

run_first_view = on_a_new_demo(
    first_view,
    "first_view",
    "(1c) the complete first view (client, ESI, streamed, monolithic) and the add-to-cart, in Chromium",
)

# The sections --only can run again on their own, by results key.
ALONE: dict[str, Callable[[dict[str, dict[str, Any]], Path], dict[str, Any] | list[dict[str, Any]]]] = {
    "browsing": run_browsing,
    "workloads": run_workloads,
    "first_view": run_first_view,
    "endpoint": on_a_new_demo(
        endpoint, "endpoint", "(2) endpoint: fixed cost under gunicorn, composekit's own work"
    ),
    "metrics": lambda sizes, tmp: run_metrics(sizes),
}


def run_metrics(sizes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    log("metrics: what prometheus-client costs a fragment request, in memory and multiprocess")
    return metrics_cost.run(**sizes["metrics"])


def run_all(sizes: dict[str, dict[str, Any]], tmp: Path) -> dict[str, Any]:
    started = time.monotonic()
    loads = [("start", load())]
    results: dict[str, Any] = {"machine": machine(), "sizes": sizes, "date": time.strftime("%Y-%m-%d")}

    log("(3) loader size: npm install into a temporary folder")
    results["loader_size"] = loader_size.run_sizes(tmp / "npm", **sizes["loader_size"])
    htmx = next((Path(r["path"]) for r in results["loader_size"]["rows"] if r["name"] == "htmx.org"), None)
    loads.append(("after (3) loader size", load()))

    workdir = tmp / "demo"
    shoppers = usernames(sizes["demo"]["sessions"])
    results["browsing"] = run_browsing(sizes, tmp)
    loads.append(("after (1) browsing", load()))
    log("(1b) returning visitor, new tab, cold device, browse-only: composed vs monolithic, in Chromium")
    results["workloads"] = workloads.run(
        workdir, tmp / "workloads", **sizes["workloads"], workers=WORKERS, threads=THREADS, log=log
    )
    loads.append(("after (1b) workloads", load()))
    log("(1c) the complete first view (client, ESI, streamed, monolithic) and the add-to-cart, in Chromium")
    results["first_view"] = first_view.run(
        workdir, tmp / "first_view", **sizes["first_view"], workers=WORKERS, threads=THREADS, log=log
    )
    loads.append(("after (1c) first view", load()))

    results.update(run_cache_and_esi(sizes, tmp, workdir, shoppers))
    loads.append(("after (6) server cache and (7) ESI", load()))

    log("(5) memory: one worker, fragment requests")
    with demo_server(demo_env(workdir, COMPOSEKIT_MODE="client"), tmp, workers=1, threads=1) as single:
        sessions = log_in_all(single.url, shoppers)
        with new_session() as anonymous:
            shells = [
                parse_shell(path, anonymous.get(single.url + path, timeout=30).text)
                for path in catalog_paths(single.url, sizes["demo"]["pages"])
            ]
        results["memory"] = memory.run(single, sessions, shells, **sizes["memory"], log=log)
    loads.append(("after (5) memory", load()))

    log("(2) endpoint: fixed cost under gunicorn, composekit's own work")
    results["endpoint"] = endpoint.run(
        workdir, tmp / "endpoint", **sizes["endpoint"], workers=WORKERS, threads=THREADS, log=log
    )
    loads.append(("after (2) endpoint", load()))

    results["metrics"] = run_metrics(sizes)
    loads.append(("after metrics", load()))

    log("shell guard: a shell request's CPU, composekit as of main vs the work tree")
    results["shell_guard"] = shell_guard.run(workdir, tmp / "shell_guard", **sizes["shell_guard"], log=log)
    loads.append(("after the shell guard", load()))

    log("(4) time to fragments in Chromium")
    results["browser"] = browser.run(htmx, tmp, **sizes["browser"], log=log)
    loads.append(("end", load()))
    results["load"] = loads
    results["duration_s"] = time.monotonic() - started
    return results


def run_cache_and_esi(
    sizes: dict[str, dict[str, Any]], tmp: Path, workdir: Path, shoppers: list[str]
) -> dict[str, Any]:
    """(6) the server fragment cache and (7) ESI, on the prepared demo with one redis-server."""
    results: dict[str, Any] = {}
    with redis_server(tmp) as redis:
        redis_url = f"redis://127.0.0.1:{redis.port}"
        log("(6) server cache: cold vs cached `recommended`, in one process, on Redis and on local memory")
        results["server_cache"] = {
            "redis": server_cache.run(demo_env(workdir, DEMO_REDIS_URL=redis_url), **sizes["server_cache"]),
            "locmem": server_cache.run(demo_env(workdir), **sizes["server_cache"]),
        }
        shared = {"DEMO_REDIS_URL": redis_url, "DEMO_SHELL_CACHE": "0"}
        with demo_server(
            demo_env(workdir, COMPOSEKIT_MODE="client", **shared), tmp, workers=WORKERS, threads=THREADS
        ) as app:
            log("(6) stampede: concurrent requests for a stale price")
            with new_session() as anonymous:
                product = re.search(r'href="(/p/[^"]+/)"', anonymous.get(app.url + "/", timeout=30).text)
                assert product, "no product link on the catalog"
                page = anonymous.get(app.url + product.group(1), timeout=30).text
            price = next(a["src"] for a in placeholders(page) if a.get("name") == "stock-price")
            sku = re.search(r"Item ([A-Z]+-\d+)", page)
            assert price and sku, "no stock-price fragment on the product page"
            results["stampede"] = server_cache.stampede(
                app.url, redis.port, price, sku.group(1), **sizes["stampede"]
            )
        log("(7) a logged-in page view: ESI vs loader vs monolithic, each behind Varnish")
        stacks: dict[str, esi.Stack] = {}
        with ExitStack() as running:
            for kind, mode in (("esi", "esi"), ("loader", "client"), ("monolithic", "inline")):
                env = demo_env(workdir, COMPOSEKIT_MODE=mode, **shared)
                app = running.enter_context(demo_server(env, tmp, workers=WORKERS, threads=THREADS))
                proxy = running.enter_context(varnishd(tmp, vcl=vcl.reference(tmp / f"vcl-{kind}", app.port)))
                stacks[kind] = esi.Stack(proxy, app)
            sessions = log_in_all(stacks["esi"].app.url, shoppers)
            names = [f"Bench{int(name.split('-')[1])}" for name in shoppers]
            paths = catalog_paths(stacks["esi"].app.url, sizes["demo"]["pages"])
            esi.prime(stacks, list(zip(names, sessions, strict=True)), paths)
            results["esi"] = esi.run(
                stacks, redis, list(zip(names, sessions, strict=True)), paths, **sizes["esi"], log=log
            )
            results["esi"]["server"] = SERVER
    return results


def only(
    sections: list[str], saved: Path, sizes: dict[str, dict[str, Any]], *, quick: bool
) -> dict[str, Any]:
    """``sections`` run alone, put into the results saved at ``saved`` (their sizes kept), or
    into new results (this run's sizes) when there are none yet: a fresh clone."""
    if saved.exists():
        results: dict[str, Any] = json.loads(saved.read_text())
        sizes = {**sizes, **results["sizes"]}  # a section new since those results: this run's
        results["sizes"] = sizes
    else:
        started = time.monotonic()
        results = {"machine": machine(), "sizes": sizes, "date": time.strftime("%Y-%m-%d"), "quick": quick}
        results["load"] = [("start", load())]
    for section in sections:
        with tempfile.TemporaryDirectory(prefix="composekit-bench-") as tmp:
            results[section] = ALONE[section](sizes, Path(tmp))
        if saved.exists():  # else: nothing else to tell it from
            results.setdefault("rerun", {})[section] = time.strftime("%Y-%m-%d")
    if "duration_s" not in results:
        results["load"].append(("end", load()))
        results["duration_s"] = time.monotonic() - started
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every benchmark works")
    parser.add_argument(
        "--out", type=Path, help="the Markdown report (default docs/benchmarks.md, none with --quick)"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--render", type=Path, metavar="JSON", help="run nothing: write the report of results saved by --json"
    )
    parser.add_argument(
        "--only",
        choices=sorted(ALONE),
        action="append",
        help="run this section alone (again: several --only run several) and put it into the "
        "results --json names (new results if there are none), then write the report",
    )
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else ROOT / "docs" / "benchmarks.md")
    if args.render:
        (out or ROOT / "docs" / "benchmarks.md").write_text(render(json.loads(args.render.read_text())))
        return
    sizes = {bench: {k: both[args.quick] for k, both in knobs.items()} for bench, knobs in SIZES.items()}
    if args.only:
        if not args.json:
            parser.error("--only needs --json: the results to put the sections into (made if missing)")
        results = only(args.only, args.json, sizes, quick=args.quick)
        text = re.sub(r"/tmp/composekit-bench-[^/\"]+", "<tmp>", json.dumps(results, indent=1))
        args.json.write_text(text)
        if out:
            out.write_text(render(json.loads(text)))
        log(f"wrote {args.json}{f' and {out}' if out else ''} with {', '.join(args.only)} run")
        return
    with tempfile.TemporaryDirectory(prefix="composekit-bench-") as tmp:
        results = run_all(sizes, Path(tmp))
    results["quick"] = args.quick
    # Temporary paths mean nothing once the folder is gone.
    text = re.sub(r"/tmp/composekit-bench-[^/\"]+", "<tmp>", json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(text)
    if out:
        out.write_text(render(json.loads(text)))
        log(f"wrote {out}")
    log(f"done in {results['duration_s']:.0f} s")


if __name__ == "__main__":
    main()
