"""(2) The fragment endpoint's overhead over a plain Django view, and its 304 path.

Runs in a process of its own with the demo's settings (``python -m bench.endpoint``, started
by ``run()``): the same process times a plain function view and the composekit endpoint
rendering the same template with the same context, for the same logged-in user, round by
round in a rotating order. Two levels:

- ``view``: the view callables on requests from ``RequestFactory`` (user, session and CSRF
  cookie attached as the middleware would): composekit's own cost, undiluted.
- ``stack``: Django's test ``Client``, through the demo's whole middleware stack, as served.

Then a cProfile of the endpoint shows where its time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import secrets
import string
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.servers import ROOT
from tests.servers import run as run_command

from .stats import interleaved, summarize

FRAGMENTS = ("cart-summary", "user-menu")
# plain: the function view. composekit: the endpoint, fragment without get_etag().
# validated-200 / -304: the demo's fragment as it is (with its get_etag()), full and 304.
VARIANTS = ("plain", "composekit", "validated-200", "validated-304")
LEVELS = ("view", "stack")
PROFILE_ROWS = 15
# The profile's first table: composekit, DRF, and the middleware every request goes through.
WATCHED = (
    "/composekit/",
    "/rest_framework/",
    "/django/contrib/sessions/",
    "/django/contrib/auth/",
    "/django/middleware/",
    "/demo_site/middleware",
)


def run(env: dict[str, str], *, iterations: int, rounds: int) -> dict[str, Any]:
    """Run the benchmark in a child process with the demo's environment ``env``; its results."""
    args = [sys.executable, "-m", "bench.endpoint", f"--iterations={iterations}", f"--rounds={rounds}"]
    data: dict[str, Any] = json.loads(run_command(args, env=env, timeout=600))
    return data


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "demo"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "bench.endpoint_urls"


@dataclass(frozen=True)
class Case:
    """One kind of request: ``prepare()`` builds its input outside the timed loop."""

    prepare: Callable[[], Any]
    call: Callable[[Any], None]


def _cases(username: str) -> dict[tuple[str, str, str], Case]:
    """(fragment, level, variant) -> a callable that serves one request and checks it."""
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client, RequestFactory

    from bench.endpoint_urls import PLAIN_VIEWS
    from composekit.render import fragment_url
    from composekit.views import fragment_view

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session_key = client.cookies["sessionid"].value
    csrf_secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    client.cookies["csrftoken"] = csrf_secret
    factory = RequestFactory(HTTP_HOST="127.0.0.1")

    def view_request(url: str, **headers: Any) -> Any:
        # What the middleware attaches: the user, the session, the CSRF cookie's secret.
        request = factory.get(url, **headers)
        request.user = user
        request.session = SessionStore(session_key)
        request.COOKIES["csrftoken"] = csrf_secret
        request.META["CSRF_COOKIE"] = csrf_secret
        return request

    def check(response: Any, status: int) -> None:
        if response.status_code != status:
            raise AssertionError(f"expected {status}, got {response.status_code}: {response.content[:300]!r}")

    def serve(view: Callable[..., Any], url: str, status: int, **kwargs: Any) -> Case:
        headers = {k: v for k, v in kwargs.items() if k.startswith("HTTP_")}
        view_kwargs = {k: v for k, v in kwargs.items() if not k.startswith("HTTP_")}
        return Case(
            prepare=lambda: view_request(url, **headers),
            call=lambda request: check(view(request, **view_kwargs), status),
        )

    def fetch(url: str, status: int, **headers: Any) -> Case:
        return Case(prepare=lambda: None, call=lambda _: check(client.get(url, **headers), status))

    cases: dict[tuple[str, str, str], Case] = {}
    for name in FRAGMENTS:
        params = {"next": "/"} if name == "user-menu" else {}
        plain_url = f"/_plain/{name}/" + ("?next=/" if params else "")
        bare, bare_url = f"bench-{name}", fragment_url(f"bench-{name}", params)
        url = fragment_url(name, params)
        first = client.get(url)
        check(first, 200)
        etag = first["ETag"]
        # The same HTML from all three, or the comparison means nothing.
        for other in (plain_url, bare_url):
            if _unmasked(client.get(other).content) != _unmasked(first.content):
                raise AssertionError(f"{other} renders other HTML than {url}")
        plain = PLAIN_VIEWS[name]
        cases[(name, "view", "plain")] = serve(plain, plain_url, 200)
        cases[(name, "view", "composekit")] = serve(fragment_view, bare_url, 200, name=bare)
        cases[(name, "view", "validated-200")] = serve(fragment_view, url, 200, name=name)
        cases[(name, "view", "validated-304")] = serve(
            fragment_view, url, 304, name=name, HTTP_IF_NONE_MATCH=etag
        )
        cases[(name, "stack", "plain")] = fetch(plain_url, 200)
        cases[(name, "stack", "composekit")] = fetch(bare_url, 200)
        cases[(name, "stack", "validated-200")] = fetch(url, 200)
        cases[(name, "stack", "validated-304")] = fetch(url, 304, HTTP_IF_NONE_MATCH=etag)
    return cases


def _components(username: str, iterations: int, rounds: int) -> list[dict[str, Any]]:
    """CPU µs of the pieces the endpoint adds to a plain view, each timed on its own."""
    import hashlib

    from django.contrib.auth.models import User
    from django.http import HttpResponse
    from django.test import RequestFactory
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from composekit.render import fragment_url
    from composekit.signals import fragment_rendered
    from composekit.signing import unsign_params
    from composekit.timing import QueryCounter

    user = User.objects.get(username=username)
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    token = fragment_url("user-menu", {"next": "/"}).split("p=", 1)[1]
    body = b"x" * 600  # about a fragment's size

    def plain_view(request: Any) -> HttpResponse:
        return HttpResponse(body)

    class TrivialAPIView(APIView):
        def get(self, request: Any) -> HttpResponse:
            return HttpResponse(body)

    api_view = TrivialAPIView.as_view()

    def request_with_user() -> Any:
        request = factory.get("/")
        request.user = user
        request.META["CSRF_COOKIE"] = "x" * 32
        return request

    def authenticate() -> None:
        SessionAuthentication().authenticate(Request(request_with_user()))

    def count_queries() -> None:
        with QueryCounter():
            pass

    def send_signal() -> None:
        fragment_rendered.send(
            sender=TrivialAPIView, name="n", duration=0.0, queries=0, db_time=0.0, status=200, inline=False
        )

    def cpu_us(work: Callable[[], Any]) -> float:
        start = time.thread_time_ns()
        for _ in range(iterations):
            work()
        return (time.thread_time_ns() - start) / iterations / 1000

    def dispatch_difference() -> float:
        # Both views on prepared requests: only the dispatch is timed.
        times = []
        for view in (api_view, plain_view):
            requests = iter([request_with_user() for _ in range(iterations)])
            times.append(cpu_us(lambda: view(next(requests))))  # noqa: B023 - used at once
        return times[0] - times[1]

    parts: list[tuple[str, Callable[[], float]]] = [
        ("DRF `APIView` dispatch of a trivial view, minus a trivial function view", dispatch_difference),
        (
            "DRF `SessionAuthentication.authenticate` (user already loaded; runs the CSRF check)",
            lambda: cpu_us(authenticate),
        ),
        (
            "`unsign_params()`: verify the signed params (HMAC) and parse their JSON",
            lambda: cpu_us(lambda: unsign_params("user-menu", token)),
        ),
        (
            "SHA-256 of a 600-byte body (the default ETag)",
            lambda: cpu_us(lambda: hashlib.sha256(body).hexdigest()),
        ),
        ("`fragment_rendered.send()`, no receiver connected", lambda: cpu_us(send_signal)),
        ("entering and leaving the query counter (Server-Timing)", lambda: cpu_us(count_queries)),
    ]
    rows = []
    for label, measure in parts:
        measure()  # warm-up: first calls build caches (DRF settings, signing keys, ...)
        rows.append({"component": label, "us": summarize([measure() for _ in range(rounds)])})
    return rows


def _unmasked(html: bytes) -> bytes:
    """The HTML with CSRF tokens blanked: each render masks the token anew."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken"', html)


def _time(case: Case, iterations: int) -> float:
    """CPU microseconds per request (this thread's CPU time: other load on the machine
    delays a request but does not add to it)."""
    inputs = [case.prepare() for _ in range(iterations)]
    start = time.thread_time_ns()
    for item in inputs:
        case.call(item)
    return (time.thread_time_ns() - start) / iterations / 1000


def _profile(case: Case, iterations: int) -> dict[str, Any]:
    inputs = [case.prepare() for _ in range(iterations)]
    profiler = cProfile.Profile()
    profiler.enable()
    for item in inputs:
        case.call(item)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({function})",
                "calls_per_request": calls / iterations,
                "tottime_us": tottime / iterations * 1e6,
                "cumtime_us": cumtime / iterations * 1e6,
                "ours": any(part in filename for part in WATCHED),
            }
        )
    total = stats.total_tt / iterations * 1e6  # type: ignore[attr-defined]
    ours = sorted((r for r in rows if r["ours"]), key=lambda r: -r["cumtime_us"])[:PROFILE_ROWS]
    by_self = sorted(rows, key=lambda r: -r["tottime_us"])[:PROFILE_ROWS]
    return {"total_us": total, "watched_by_cumtime": ours, "all_by_tottime": by_self}


def _short(filename: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/", sysconfig.get_paths()["stdlib"] + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--user", default="alice")
    args = parser.parse_args()
    _setup()
    cases = _cases(args.user)
    keys = list(cases)
    for key in keys:  # warm-up: templates compiled, connections open, caches filled
        _time(cases[key], max(10, args.iterations // 5))
    samples = interleaved(keys, args.rounds, lambda key: _time(cases[key], args.iterations))
    results: dict[str, Any] = {"iterations": args.iterations, "rounds": args.rounds, "fragments": {}}
    for name in FRAGMENTS:
        levels: dict[str, Any] = {}
        for level in LEVELS:
            times = {variant: samples[(name, level, variant)] for variant in VARIANTS}
            levels[level] = {
                "us": {variant: summarize(values) for variant, values in times.items()},
                # Per round: both sides measured moments apart.
                "overhead": summarize(
                    [c / p for c, p in zip(times["composekit"], times["plain"], strict=True)]
                ),
                "not_modified_speedup": summarize(
                    [f / n for f, n in zip(times["validated-200"], times["validated-304"], strict=True)]
                ),
            }
        results["fragments"][name] = levels
    iterations = args.iterations
    results["components"] = _components(args.user, iterations, args.rounds)
    results["profiles"] = {
        "overhead": {
            "case": "`bench-cart-summary` (no `get_etag()`), view level, 200",
            "iterations": iterations,
            "plain_total_us": _profile(cases[("cart-summary", "view", "plain")], iterations)["total_us"],
            **_profile(cases[("cart-summary", "view", "composekit")], iterations),
        },
        "not_modified": {
            "case": "`cart-summary` (`get_etag()` runs one query), view level, 304",
            "iterations": iterations,
            **_profile(cases[("cart-summary", "view", "validated-304")], iterations),
        },
        "not_modified_stack": {
            "case": "`user-menu` (`get_etag()` runs no query), through the middleware, 304",
            "iterations": iterations,
            **_profile(cases[("user-menu", "stack", "validated-304")], iterations),
        },
    }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
