"""The report's section on what composekit's metrics cost a fragment request (``bench/metrics.py``).

Results saved before this section existed have no ``metrics``: then it says nothing.
"""

from __future__ import annotations

from typing import Any

from .metrics import TARGET
from .stats import fmt, table


def section(runs: list[dict[str, Any]] | None) -> list[str]:
    if not runs:
        return []
    lines = [
        "## Metrics",
        "",
        'What `COMPOSEKIT_METRICS = "prometheus"` costs a fragment request (`bench/metrics.py`): a '
        "logged-in request for the test app's `hello` fragment through Django's WSGI handler, in "
        "thread CPU time, metrics on and off request by request in turn; and, finer, what the "
        "receivers add to one `fragment_rendered` signal. Once with prometheus-client in memory "
        "(one process), once in multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, what several gunicorn "
        f"workers need). The target: at most {TARGET - 1:.0%} more server CPU per fragment request. "
        "The receivers' own cost is the figure to judge by: a whole request's CPU varies from round "
        "to round by more than the metrics cost.",
        "",
    ]
    rows = []
    for run in runs:
        share = run["receivers_share"]["median"]
        rows.append(
            [
                "multiprocess (mmap files)" if run["multiprocess"] else "in memory",
                fmt(run["off_us"], 0),
                fmt(run["on_us"], 0),
                fmt(run["ratio"], 3),
                fmt(run["receivers_us"], 1),
                f"{share:.2%} ({'met' if 1 + share <= TARGET else 'missed'})",
            ]
        )
    lines += table(
        "prometheus-client | request, off, CPU-µs | on | on ÷ off, per round | receivers, µs a response "
        "| receivers ÷ request (target ≤ 2 %)",
        rows,
    )
    return [*lines, ""]
