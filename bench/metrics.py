"""What composekit's metrics cost a fragment request: ``python -m bench.metrics``.

A logged-in request for the test app's ``hello`` fragment (a template, the session, DRF's
authentication) through Django's WSGI handler with the test suite's settings, as gunicorn
calls it, timed in thread CPU time with the Prometheus metrics on and off, request by request
in turn, so whatever else the machine does falls on both alike. Run twice, each in a child
process: prometheus-client in memory (one process), and in multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, values written to memory-mapped files: what several gunicorn
workers need). The target: the metrics add at most 2 % to a fragment request's server CPU.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from typing import Any

from harness.servers import ROOT
from harness.servers import run as run_command

from .stats import fmt, summarize

TARGET = 1.02


def _measure(iterations: int, rounds: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.test import Client

    from composekit import metrics, prometheus
    from composekit.render import fragment_url

    call_command("migrate", verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.create(username="bench"))
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    app = get_wsgi_application()
    path, _, query = fragment_url("hello").partition("?")
    recorder = prometheus.recorder()

    def call() -> None:
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
        if not status[0].startswith("200"):
            raise AssertionError(f"hello answered {status[0]}")

    def one_round() -> dict[str, float]:
        spent = {"off": 0, "on": 0}
        for _ in range(iterations):
            for key, recorders in (("off", []), ("on", [recorder])):
                metrics.connect(recorders)
                began = time.thread_time_ns()
                call()
                spent[key] += time.thread_time_ns() - began
        metrics.connect([])
        return {key: ns / iterations / 1000 for key, ns in spent.items()}

    def receivers() -> float:
        """CPU µs the receivers add to one ``fragment_rendered.send()``: the finer figure, as
        a whole request's CPU varies by more than the metrics cost."""
        from django.test import RequestFactory

        from composekit.signals import fragment_rendered
        from tests.testapp.fragments import Hello

        request = RequestFactory().get(path, {"p": "x"})
        request.GET  # noqa: B018 - parsed, as the fragment view has parsed it by then
        kwargs = {"name": "hello", "duration": 0.001, "queries": 0, "db_time": 0.0, "status": 200}
        kwargs |= {"inline": False, "batch": False, "cache": None, "request": request, "response": 1}
        spent = {}
        for key, recorders in (("off", []), ("on", [recorder])):
            metrics.connect(recorders)
            began = time.thread_time_ns()
            for _ in range(iterations * 10):
                fragment_rendered.send(sender=Hello, **kwargs)
            spent[key] = (time.thread_time_ns() - began) / (iterations * 10) / 1000
        metrics.connect([])
        return spent["on"] - spent["off"]

    one_round()  # warm-up: templates compiled, caches filled, every label's series made
    receivers()
    timed = [one_round() for _ in range(rounds)]
    added = [receivers() for _ in range(rounds)]
    off = summarize([t["off"] for t in timed])
    return {
        "multiprocess": bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")),
        "off_us": off,
        "on_us": summarize([t["on"] for t in timed]),
        "ratio": summarize([t["on"] / t["off"] for t in timed]),
        "receivers_us": summarize(added),
        "receivers_share": summarize([a / off["median"] for a in added]),
    }


def run(*, iterations: int, rounds: int) -> list[dict[str, Any]]:
    """Both variants, each in a child process of its own (prometheus-client reads the
    multiprocess folder when it is imported)."""
    results = []
    for multiprocess in (False, True):
        with tempfile.TemporaryDirectory(prefix="bench-prometheus-") as folder:
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            if multiprocess:
                env["PROMETHEUS_MULTIPROC_DIR"] = folder
            args = [sys.executable, "-m", "bench.metrics", "--child"]
            args += [f"--iterations={iterations}", f"--rounds={rounds}"]
            results.append(json.loads(run_command(args, env=env, timeout=600)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        json.dump(_measure(args.iterations, args.rounds), sys.stdout)
        return
    for result in run(iterations=args.iterations, rounds=args.rounds):
        mode = "multiprocess (mmap files)" if result["multiprocess"] else "in memory"
        ratio = result["ratio"]
        share = result["receivers_share"]["median"]
        print(
            f"prometheus {mode}: fragment request {fmt(result['off_us'])} µs off, "
            f"{fmt(result['on_us'])} µs on; on ÷ off {fmt(ratio, 3)}; the receivers alone "
            f"{fmt(result['receivers_us'], 1)} µs a response, {share:.2%} of the request "
            f"({'within' if 1 + share <= TARGET else 'over'} the 2 % target)"
        )


if __name__ == "__main__":
    main()
