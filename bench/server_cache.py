"""(6) The server-side fragment cache: a cached render of ``recommended`` vs a cold one, and a stampede.

Cold vs cached runs in a process of its own with the demo's settings (``python -m
bench.server_cache``, started by ``run()``), once on Redis and once on local memory. For one
logged-in shopper it times the demo's ``recommended`` fragment four ways, round by round in a
rotating order, in CPU time of the serving thread (plus, on Redis, redis-server's own CPU
from ``INFO cpu``):

- ``cold``: the same fragment without a server cache (``bench-recommended-cold``): rendered
  from the database every time, as before this feature.
- ``miss``: with the server cache, its dependency just expired: rendered and stored.
- ``hit``: with the server cache, warm: the versions and the HTML read, nothing rendered.
- ``revalidated``: ``If-None-Match`` with the version's ETag: a 304 from the versions alone.

at two levels, as in (2): ``view`` (the endpoint view on a prepared request) and ``stack``
(Django's test client through the demo's whole middleware). The stampede (``stampede()``)
runs against the demo under gunicorn on Redis: 50 requests at once for a product's price
whose entry just went stale, counting with Redis ``MONITOR`` how often the entry was written.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import requests

from harness.servers import ROOT
from harness.servers import run as run_command

from .stats import interleaved, summarize

VARIANTS = ("cold", "miss", "hit", "revalidated")
LEVELS = ("view", "stack")


def run(env: dict[str, str], *, iterations: int, rounds: int) -> dict[str, Any]:
    """The in-process benchmark in a child process with the demo's environment ``env``."""
    args = [sys.executable, "-m", "bench.server_cache", f"--iterations={iterations}", f"--rounds={rounds}"]
    data: dict[str, Any] = json.loads(run_command(args, env=env, timeout=900))
    return data


# -- in the child process ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    prepare: Callable[[], Any]  # untimed: builds the request, expires what must be expired
    call: Callable[[Any], None]  # timed: serves it and checks the answer


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "demo"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"
    import django

    django.setup()


def _cases(username: str) -> dict[tuple[str, str], Case]:
    from django.contrib.auth.models import User
    from django.test import Client, RequestFactory
    from shop.fragments import Recommended

    from composekit import expire, register
    from composekit.render import fragment_url
    from composekit.views import fragment_view

    @register
    class ColdRecommended(Recommended):  # type: ignore[misc]  # the demo's, unchecked (pyproject)
        name = "bench-recommended-cold"
        server_cache = None

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    params = {"exclude": "none"}
    urls = {
        "cold": fragment_url("bench-recommended-cold", **params),
        "cached": fragment_url("recommended", **params),
    }

    def check(response: Any, status: int, desc: str | None) -> None:
        if response.status_code != status:
            raise AssertionError(f"expected {status}, got {response.status_code}: {response.content[:300]!r}")
        if desc is not None and f"cache;desc={desc}" not in response["Server-Timing"]:
            raise AssertionError(f"expected cache;desc={desc}: {response['Server-Timing']}")

    cold = client.get(urls["cold"])
    warm = client.get(urls["cached"])
    if cold.content != warm.content:
        raise AssertionError("the cold and cached fragments render different HTML")

    def view_request(url: str, headers: dict[str, Any]) -> Any:
        request = factory.get(url, **headers)
        request.user = user
        request.session = session
        return request

    # What each variant does before its timed request: nothing, expire the dependency, or
    # fetch the current ETag (the versions move with every "miss" batch).
    def nothing() -> dict[str, str]:
        return {}

    def expired() -> dict[str, str]:
        expire("products")
        return {}

    def current_etag() -> dict[str, str]:
        return {"HTTP_IF_NONE_MATCH": client.get(urls["cached"])["ETag"]}

    specs = {
        "cold": (urls["cold"], nothing, 200, None),
        "miss": (urls["cached"], expired, 200, "miss"),
        "hit": (urls["cached"], nothing, 200, "hit"),
        "revalidated": (urls["cached"], current_etag, 304, "hit"),
    }
    cases = {}
    for variant, (url, before, status, desc) in specs.items():
        name = url.split("/")[2]

        def view_prepare(url: str = url, before: Callable[[], dict[str, str]] = before) -> Any:
            return view_request(url, before())

        def view_call(request: Any, name: str = name, status: int = status, desc: str | None = desc) -> None:
            check(fragment_view(request, name=name), status, desc)

        def stack_call(
            headers: dict[str, Any], url: str = url, status: int = status, desc: str | None = desc
        ) -> None:
            check(client.get(url, **headers), status, desc)

        cases[(variant, "view")] = Case(view_prepare, view_call)
        cases[(variant, "stack")] = Case(before, stack_call)
    return cases


def _redis_cpu() -> float:
    """redis-server's user + system CPU seconds so far (``INFO cpu``), or 0 without Redis."""
    url = os.environ.get("DEMO_REDIS_URL")
    if not url:
        return 0.0
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"INFO cpu\r\n")
        data = b""
        while b"used_cpu_user:" not in data or not data.endswith(b"\r\n"):
            data += sock.recv(4096)
    fields = dict(line.split(":", 1) for line in data.decode().splitlines() if ":" in line)
    return float(fields["used_cpu_sys"]) + float(fields["used_cpu_user"])


def _time(case: Case, iterations: int) -> dict[str, float]:
    """CPU µs per request: the serving thread's, and redis-server's over the batch."""
    spent = 0
    redis_before = _redis_cpu()
    for _ in range(iterations):
        item = case.prepare()
        start = time.thread_time_ns()
        case.call(item)
        spent += time.thread_time_ns() - start
    redis = (_redis_cpu() - redis_before) * 1e6 / iterations
    app = spent / iterations / 1000
    return {"app": app, "redis": redis, "total": app + redis}


def _cache_call_cost(iterations: int, rounds: int) -> dict[str, Any]:
    """CPU µs of one ``cache.get`` of a 3 KB entry through Django's cache, and (on Redis) of
    the redis-py client Django's ``RedisCache`` builds for every call."""
    from django.core.cache import caches

    store = caches["default"]
    store.set("bench:entry", ("x" * 3000, 0.0), 60)

    def cpu_us(work: Callable[[], Any]) -> float:
        start = time.thread_time_ns()
        for _ in range(iterations):
            work()
        return (time.thread_time_ns() - start) / iterations / 1000

    costs: dict[str, Callable[[], float]] = {"get": lambda: cpu_us(lambda: store.get("bench:entry"))}
    client: Callable[[], Any] | None = getattr(getattr(store, "_cache", None), "get_client", None)
    if client is not None:
        import redis
        from django.core.cache.backends.redis import RedisCache

        from composekit import rediscache

        pool = client().connection_pool
        costs["client"] = lambda: cpu_us(lambda: redis.Redis(connection_pool=pool))
        # The same call through Django's backend and through composekit's, which reuses its
        # client: side by side, whichever the settings name.
        servers = store._servers  # type: ignore[attr-defined]
        django_store, reusing_store = RedisCache(servers, {}), rediscache.RedisCache(servers, {})
        costs["get_django"] = lambda: cpu_us(lambda: django_store.get("bench:entry"))
        costs["get_reused"] = lambda: cpu_us(lambda: reusing_store.get("bench:entry"))
    for measure in costs.values():
        measure()  # warm-up
    return {name: summarize([measure() for _ in range(rounds)]) for name, measure in costs.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--user", default="alice")
    args = parser.parse_args()
    _setup()
    from django.core.cache import caches

    cases = _cases(args.user)
    keys = list(cases)
    for key in keys:  # warm-up: templates compiled, connections open
        _time(cases[key], max(5, args.iterations // 5))
    samples = interleaved(keys, args.rounds, lambda key: _time(cases[key], args.iterations))
    results: dict[str, Any] = {
        "iterations": args.iterations,
        "rounds": args.rounds,
        "cache": type(caches["default"]).__name__,
        "levels": {},
    }
    for level in LEVELS:
        times = {variant: samples[(variant, level)] for variant in VARIANTS}
        results["levels"][level] = {
            "us": {
                v: {part: summarize([t[part] for t in ts]) for part in ("app", "redis", "total")}
                for v, ts in times.items()
            },
            "cold_over_hit": summarize(
                [c["total"] / h["total"] for c, h in zip(times["cold"], times["hit"], strict=True)]
            ),
            "cold_over_revalidated": summarize(
                [c["total"] / r["total"] for c, r in zip(times["cold"], times["revalidated"], strict=True)]
            ),
        }
    results["cache_call_us"] = _cache_call_cost(args.iterations, args.rounds)
    json.dump(results, sys.stdout)


# -- the stampede, against gunicorn ---------------------------------------------------------------


def stampede(base_url: str, redis_port: int, price_src: str, sku: str, *, concurrency: int) -> dict[str, Any]:
    """``concurrency`` requests at once for the price of ``sku``, twice: once with its entry
    stale (past its timeout, within stale-while-revalidate), once with no entry at all (as
    after a restart of Redis). Counts the writes of the entry seen by Redis ``MONITOR``."""
    import redis

    connection = redis.Redis(port=redis_port)
    requests.get(base_url + price_src, timeout=30)  # the product's version exists from here
    version = pickle.loads(cast(bytes, connection.get(f":1:composekit:version:product={sku}")))
    key = f":1:composekit:stock-price:sku={sku},product={sku}:{version}"
    results: dict[str, dict[str, Any]] = {}
    for case in ("stale", "missing"):
        requests.get(base_url + price_src, timeout=30)  # stored, fresh
        html, _ = pickle.loads(cast(bytes, connection.get(key)))
        if case == "stale":
            connection.set(key, pickle.dumps((html, 0.0)), ex=300)
        else:
            connection.delete(key)
        writes, locks = _watch_writes(
            redis_port,
            key,
            lambda case=case: _burst(base_url + price_src, concurrency, results, case),  # type: ignore[misc]
        )
        results[case]["entry writes"] = writes
        results[case]["lock attempts"] = locks
    return {"concurrency": concurrency, "key": key.removeprefix(":1:"), "cases": results}


def _burst(url: str, concurrency: int, results: dict[str, Any], case: str) -> None:
    start = threading.Barrier(concurrency)
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def one() -> None:
        with requests.Session() as session:
            session.trust_env = False
            start.wait()
            response = session.get(url, timeout=30)
        timing = response.headers.get("Server-Timing", "")
        desc = timing.split("cache;desc=")[1] if "cache;desc=" in timing else "none"
        with lock:
            seen[f"{response.status_code} {desc}"] += 1

    threads = [threading.Thread(target=one) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(1.0)  # a regeneration runs after its response: let it finish
    results[case] = {"responses": dict(seen)}


def _watch_writes(port: int, key: str, work: Callable[[], None]) -> tuple[int, int]:
    """Run ``work`` while Redis MONITOR watches; the SETs of ``key`` and of its lock."""
    import redis

    lock_key = ":1:composekit:lock:" + key.removeprefix(":1:composekit:")
    commands: list[str] = []
    monitor_ready = threading.Event()
    done = threading.Event()

    def watch() -> None:
        with redis.Redis(port=port).monitor() as monitor:  # type: ignore[no-untyped-call]
            monitor_ready.set()
            for command in monitor.listen():
                if done.is_set() and "bench-monitor-end" in command["command"]:
                    return
                commands.append(command["command"])

    watcher = threading.Thread(target=watch)
    watcher.start()
    monitor_ready.wait(10)
    time.sleep(0.2)
    work()
    done.set()
    redis.Redis(port=port).get("bench-monitor-end")
    watcher.join(10)
    writes = sum(
        1
        for c in commands
        if c.startswith(("SET ", "SETEX ")) and c.split()[1] == key and "NX" not in c.split()[3:]
    )
    locks = sum(1 for c in commands if c.startswith("SET ") and c.split()[1] == lock_key)
    return writes, locks


if __name__ == "__main__":
    main()
