"""(2) The fixed cost of a logged-in fragment request, and composekit's own work in it.

The demo under gunicorn (``bench.endpoint_settings``: its settings and middleware, plus
``bench.endpoint_urls``) answers the same trivial logged-in work three ways: a plain Django
view, a DRF ``APIView``, a composekit fragment. One logged-in client asks for each in turn,
keep-alive, round by round in a rotating order; the CPU time of gunicorn's master and
workers (``/proc``) over a run, divided by its requests, is the cost of one. The thread CPU
of each request inside gunicorn (``bench.request_cpu``) gives the finer figure that the
subtraction *fragment less DRF view* needs: what composekit adds in the view. The demo's
fragments are timed too, rendered (200) and revalidated (304), with the queries each ran.

A process of its own with the same settings (``python -m bench.endpoint``) signs the
fragments' URLs, times whole requests through Django's WSGI handler for the fragment, the
DRF view and the plain view, request by request in turn (composekit's own work, finer than
the subtraction under gunicorn can resolve), times
composekit's pieces one by one (its middleware among them) and profiles the fragment's view.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from demo.launch import DEMO_DIR, demo_env
from harness.servers import ROOT
from harness.servers import run as run_command

from . import request_cpu
from .demo_data import TIMEOUT, counted_demo, log_in
from .stats import interleaved, summarize

# What is asked, each for `iterations` requests per run: (label, URL key, If-None-Match?).
CASES: dict[str, tuple[str, str, bool]] = {
    "plain": ("trivial logged-in Django view", "plain", False),
    "drf": ("the same as a DRF `APIView`", "drf", False),
    "fragment": ("the same as a composekit fragment (`bench-trivial`)", "bench-trivial", False),
    "user-menu 200": ("`user-menu`, rendered", "user-menu", False),
    "user-menu 304": ("`user-menu`, revalidated", "user-menu", True),
    "cart-summary 200": ("`cart-summary`, rendered", "cart-summary", False),
    "cart-summary 304": ("`cart-summary`, revalidated", "cart-summary", True),
    "stock-price 200": ("`stock-price` (public), 200 from its server cache", "stock-price", False),
    "stock-price 304": ("`stock-price` (public), revalidated", "stock-price", True),
}
PROFILE_ROWS = 15
# The profile's table: composekit's functions and DRF's.
WATCHED = ("/composekit/", "/rest_framework/")
QUERIES = re.compile(r'desc="(\d+) queries"')


def run(
    prepared: Path,
    tmp: Path,
    *,
    iterations: int,
    rounds: int,
    workers: int,
    threads: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Section (2) on the ``prepared`` demo; gunicorn's logs and request CPU go under ``tmp``."""
    folder = tmp / "endpoint-requests"
    folder.mkdir(parents=True)
    env = demo_env(
        prepared,
        DJANGO_SETTINGS_MODULE="bench.endpoint_settings",
        PYTHONPATH=str(ROOT),
        BENCH_REQUEST_CPU=str(folder),
    )
    child = [sys.executable, "-m", "bench.endpoint", f"--iterations={iterations}", f"--rounds={rounds}"]
    results: dict[str, Any] = json.loads(run_command(child, env=env, timeout=600))
    urls = results.pop("urls")
    with counted_demo(tmp, env, workers=workers, threads=threads) as server:
        session = log_in(server.url, results["user"])
        requests_of = {
            key: _prepare(session, server.url + urls[url], etag) for key, (_, url, etag) in CASES.items()
        }
        for prepared_case in requests_of.values():  # warm-up: templates compiled, connections open
            _serve(session, prepared_case, max(10, iterations // 5))
        marks: dict[str, list[tuple[float, float, float]]] = {key: [] for key in CASES}

        def measure(key: str) -> float:
            began, cpu = time.time(), server.cpu_seconds()
            _serve(session, requests_of[key], iterations)
            cost = (server.cpu_seconds() - cpu) / iterations * 1e6
            marks[key].append((began, time.time(), cost))
            return cost

        samples = interleaved(list(CASES), rounds, measure)
        session.close()
        log(
            f"  fragment ÷ plain view: {summarize(_ratio(samples['fragment'], samples['plain']))['median']:.2f}"
        )
    served = request_cpu.read(folder)
    inside = {key: [_inside(served, begin, end) for begin, end, _ in marks[key]] for key in CASES}
    results["cases"] = {
        key: {
            "label": label,
            "status": requests_of[key]["status"],
            "queries": requests_of[key]["queries"],
            "cpu_us": summarize(samples[key]),
            "in_request_us": summarize(inside[key]),
        }
        for key, (label, _, _) in CASES.items()
    }
    results["ratios"] = {
        "fragment ÷ plain": summarize(_ratio(samples["fragment"], samples["plain"])),
        "DRF ÷ plain": summarize(_ratio(samples["drf"], samples["plain"])),
        **{
            f"{name} 200 ÷ 304": summarize(_ratio(samples[f"{name} 200"], samples[f"{name} 304"]))
            for name in ("user-menu", "cart-summary", "stock-price")
        },
    }
    results["fragment_less_drf_us"] = summarize(
        [f - d for f, d in zip(inside["fragment"], inside["drf"], strict=True)]
    )
    results["iterations"], results["rounds"] = iterations, rounds
    results["server"] = f"{workers} gthread workers × {threads} threads each"
    return results


def _prepare(session: requests.Session, url: str, revalidate: bool) -> dict[str, Any]:
    """The request to repeat, its expected status, and the queries its answer says it ran."""
    first = session.get(url, timeout=TIMEOUT)
    if first.status_code != 200:
        raise AssertionError(f"{url} answered {first.status_code}")
    headers = {"If-None-Match": first.headers["ETag"]} if revalidate else {}
    answer = session.get(url, headers=headers, timeout=TIMEOUT)
    status = 304 if revalidate else 200
    if answer.status_code != status:
        raise AssertionError(f"{url} with {headers} answered {answer.status_code}, not {status}")
    found = QUERIES.search(answer.headers.get("Server-Timing", ""))
    return {
        "url": url,
        "headers": headers,
        "status": status,
        "queries": int(found.group(1)) if found else None,
    }


def _serve(session: requests.Session, case: dict[str, Any], count: int) -> None:
    for _ in range(count):
        response = session.get(case["url"], headers=case["headers"], timeout=TIMEOUT)
        if response.status_code != case["status"]:
            raise AssertionError(f"{case['url']} answered {response.status_code}")


def _inside(served: list[tuple[float, str, float]], begin: float, end: float) -> float:
    """Mean thread CPU-µs of the requests gunicorn served between ``begin`` and ``end``."""
    cpu = [seconds for at, _, seconds in served if begin <= at <= end]
    return sum(cpu) / max(1, len(cpu)) * 1e6


def _ratio(tops: list[float], bottoms: list[float]) -> list[float]:
    """Per round: both sides measured moments apart."""
    return [t / b for t, b in zip(tops, bottoms, strict=True)]


# -- in a process of its own, with the demo's settings ------------------------------------------


def _setup() -> None:
    sys.path.insert(0, str(DEMO_DIR))
    import django

    django.setup()


def _urls() -> dict[str, str]:
    from shop.models import Product

    import bench.endpoint_urls  # noqa: F401 - registers bench-trivial
    from composekit.render import fragment_url

    sku = Product.objects.filter(stock__gt=0).order_by("featured_rank").values_list("sku", flat=True)[0]
    return {
        "plain": "/_plain/trivial/",
        "drf": "/_drf/trivial/",
        "bench-trivial": fragment_url("bench-trivial"),
        "user-menu": fragment_url("user-menu"),
        "cart-summary": fragment_url("cart-summary"),
        "stock-price": fragment_url("stock-price", sku=sku),
    }


def _logged_in_request(user: Any, url: str = "/") -> Any:
    """A GET as the middleware leaves it: the user, a loaded session, the CSRF cookie's secret."""
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory(HTTP_HOST="127.0.0.1").get(url)
    request.user = user
    request.session = SessionStore()
    request.session._session_cache = {}  # type: ignore[attr-defined]  # loaded: no store to read
    request.META["CSRF_COOKIE"] = "x" * 32
    request.COOKIES["csrftoken"] = "x" * 32
    return request


def _components(user: Any, iterations: int, rounds: int) -> list[dict[str, Any]]:
    """CPU µs of composekit's pieces (and DRF's) in a fragment request, each timed on its own."""
    from django.http import HttpResponse
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from composekit.conditional import body_etag
    from composekit.middleware import ComposekitMiddleware
    from composekit.render import fragment_url
    from composekit.shell import ShellGuardMiddleware
    from composekit.signals import fragment_rendered
    from composekit.signing import unsign_params
    from composekit.timing import QueryCounter

    from .endpoint_urls import Trivial

    token = fragment_url("cart-summary").split("p=", 1)[1]
    body = b"x" * 600  # about a fragment's size
    private = HttpResponse(body)
    private["Cache-Control"] = "private, max-age=300"

    def plain_view(request: Any) -> HttpResponse:
        return HttpResponse(body)

    class TrivialAPIView(APIView):
        def get(self, request: Any) -> HttpResponse:
            return HttpResponse(body)

    api_view = TrivialAPIView.as_view()
    composekit_middleware = ComposekitMiddleware(lambda request: private)
    guard = ShellGuardMiddleware(lambda request: private)

    def count_queries() -> None:
        with QueryCounter():
            pass

    def send_signal() -> None:
        fragment_rendered.send(
            sender=Trivial,
            name="n",
            duration=0.0,
            queries=0,
            db_time=0.0,
            status=200,
            inline=False,
            batch=False,
        )

    def cpu_us(work: Callable[[], Any]) -> float:
        start = time.thread_time_ns()
        for _ in range(iterations):
            work()
        return (time.thread_time_ns() - start) / iterations / 1000

    def on_requests(view: Callable[[Any], Any]) -> float:
        # Requests made outside the timed loop: only the call is timed.
        prepared = iter([_logged_in_request(user) for _ in range(iterations)])
        return cpu_us(lambda: view(next(prepared)))

    parts: list[tuple[str, bool, Callable[[], float]]] = [
        (
            "DRF `APIView` dispatch of a trivial view, less a trivial function view",
            False,
            lambda: on_requests(api_view) - on_requests(plain_view),
        ),
        (
            "DRF `SessionAuthentication.authenticate` (user loaded; its CSRF check)",
            False,
            lambda: on_requests(lambda r: SessionAuthentication().authenticate(Request(r))),
        ),
        (
            "`ComposekitMiddleware` on a logged-in GET that wrote nothing",
            True,
            lambda: on_requests(composekit_middleware),
        ),
        ("`ShellGuardMiddleware` on a private response", True, lambda: on_requests(guard)),
        (
            "`unsign_params()`: verify the signed params (HMAC), parse their JSON",
            True,
            lambda: cpu_us(lambda: unsign_params("cart-summary", token)),
        ),
        ("the default ETag: a hash of a 600-byte body", True, lambda: cpu_us(lambda: body_etag(body))),
        ("the policy's headers (`CachePolicy.headers()`)", True, lambda: cpu_us(Trivial.cache.headers)),
        ("entering and leaving the query counter (Server-Timing)", True, lambda: cpu_us(count_queries)),
        ("`fragment_rendered.send()`, no receiver connected", True, lambda: cpu_us(send_signal)),
    ]
    rows = []
    for label, ours, measure in parts:
        measure()  # warm-up: first calls build caches (DRF settings, signing keys, ...)
        rows.append(
            {"component": label, "composekit": ours, "us": summarize([measure() for _ in range(rounds)])}
        )
    return rows


def _through_the_handler(user: Any, iterations: int, rounds: int) -> dict[str, Any]:
    """CPU µs of whole requests through Django's WSGI handler, as gunicorn calls it: every
    middleware, URL resolution (the three views resolved past the same patterns), the view,
    the response's headers and body. The fragment, the DRF view and the plain view, logged in
    with the same session, are called in turn, request by request, each call timed on its own,
    so that whatever else the machine does falls on all alike. What gunicorn adds around a
    request (the socket, parsing the request) is the same for the three and left out."""
    from django.core.wsgi import get_wsgi_application
    from django.test import Client

    from composekit.render import fragment_url

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    app = get_wsgi_application()
    urls = {"fragment": fragment_url("bench-trivial"), "drf": "/_drf/trivial/", "plain": "/_plain/trivial/"}
    clock = time.thread_time_ns

    def call(url: str) -> str:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "HTTP_ACCEPT": "text/html",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status: list[str] = []
        # A start_response without the write() callable it should return: Django never calls it.
        result = app(environ, lambda line, headers, exc_info=None: status.append(line))  # type: ignore[arg-type]
        try:
            b"".join(result)
        finally:
            result.close()  # as a server does: request_finished
        return status[0]

    for key, url in urls.items():
        if not call(url).startswith("200"):
            raise AssertionError(f"{key} ({url}) did not answer 200")

    def one_round() -> dict[str, float]:
        spent = dict.fromkeys(urls, 0)
        for _ in range(iterations):
            for key, url in urls.items():
                start = clock()
                call(url)
                spent[key] += clock() - start
        return {key: ns / iterations / 1000 for key, ns in spent.items()}

    one_round()  # warm-up
    timed = [one_round() for _ in range(rounds)]
    return {
        **{f"{key}_us": summarize([t[key] for t in timed]) for key in urls},
        "less_us": summarize([t["fragment"] - t["drf"] for t in timed]),
        "fragment_÷_plain": summarize([t["fragment"] / t["plain"] for t in timed]),
    }


def _profile(user: Any, iterations: int) -> dict[str, Any]:
    """cProfile of the ``bench-trivial`` fragment's view, called as the URLconf would."""
    from composekit.render import fragment_url
    from composekit.views import fragment_view

    url = fragment_url("bench-trivial")
    inputs = [_logged_in_request(user, url) for _ in range(iterations)]
    for _ in range(10):  # warm-up
        fragment_view(_logged_in_request(user, url), name="bench-trivial")
    profiler = cProfile.Profile()
    profiler.enable()
    for request in inputs:
        response = fragment_view(request, name="bench-trivial")
    profiler.disable()
    if response.status_code != 200:
        raise AssertionError(f"bench-trivial answered {response.status_code}")
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if any(part in filename for part in WATCHED):
            rows.append(
                {
                    "function": f"{_short(filename)}:{line}({function})",
                    "calls_per_request": calls / iterations,
                    "tottime_us": tottime / iterations * 1e6,
                    "cumtime_us": cumtime / iterations * 1e6,
                }
            )
    total = stats.total_tt / iterations * 1e6  # type: ignore[attr-defined]
    ours = [r for r in rows if "/composekit/" in r["function"] or r["function"].startswith("composekit/")]
    return {
        "iterations": iterations,
        "total_us": total,
        "composekit_own_us": sum(r["tottime_us"] for r in ours),
        "drf_own_us": sum(r["tottime_us"] for r in rows if r not in ours),
        "by_cumtime": sorted(rows, key=lambda r: -r["cumtime_us"])[:PROFILE_ROWS],
    }


def _short(filename: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/", sysconfig.get_paths()["stdlib"] + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--user", default="bench-00")
    args = parser.parse_args()
    _setup()
    from django.contrib.auth.models import User

    user = User.objects.get(username=args.user)
    results = {
        "user": args.user,
        "urls": _urls(),
        "components": _components(user, args.iterations, args.rounds),
        "handler": _through_the_handler(user, args.iterations, args.rounds),
        "profile": _profile(user, args.iterations),
        "settings": os.environ["DJANGO_SETTINGS_MODULE"],
    }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
