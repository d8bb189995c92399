"""Median with min-max over runs: the one summary every figure in the report uses."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def interleaved(keys: Sequence[K], rounds: int, measure: Callable[[K], V]) -> dict[K, list[V]]:
    """``measure(key)`` of every key, round after round, each round starting one key later:
    load from elsewhere on the machine falls on every key alike."""
    samples: dict[K, list[V]] = {key: [] for key in keys}
    for number in range(rounds):
        for key in [*keys[number % len(keys) :], *keys[: number % len(keys)]]:
            samples[key].append(measure(key))
    return samples


def summarize(values: Sequence[float]) -> dict[str, float]:
    if not values:
        raise ValueError("no runs to summarize")
    return {"median": statistics.median(values), "low": min(values), "high": max(values), "runs": len(values)}


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of ys over xs (0 without two distinct xs)."""
    return statistics.linear_regression(xs, ys).slope if len(set(xs)) > 1 else 0.0


def fmt(summary: dict[str, Any], digits: int = 1, unit: str = "") -> str:
    """``median (min–max)``, e.g. ``12.3 ms (11.9–13.0)``."""
    spec = f",.{digits}f"
    suffix = f" {unit}" if unit else ""
    return f"{summary['median']:{spec}}{suffix} ({summary['low']:{spec}}–{summary['high']:{spec}})"


def met(ok: bool) -> str:
    """A target's verdict, for the report."""
    return "met" if ok else "**missed**"


def table(header: str, rows: list[list[str]]) -> list[str]:
    """A Markdown table; ``header`` names the columns as ``"a | b | c"``."""
    columns = header.split(" | ")
    return [
        f"| {header} |",
        "|" + "|".join("---" for _ in columns) + "|",
        *(f"| {' | '.join(r)} |" for r in rows),
    ]


def ceiling(where: dict[str, Any], theirs: float, peer: str, trivial_ms: float | None) -> list[str]:
    """The best ratio against ``peer`` (``theirs`` CPU-ms per view) that composed's requests
    allow if each request reaching Django cost no more than a trivial logged-in view
    (``trivial_ms``, section 2), plus varnishd's measured share; nothing without section 2.
    ``where`` is composed's split per view (``browsing._where``)."""
    if trivial_ms is None:
        return []
    django = sum(r["requests"] for r in where["rows"] if r["requests"] is not None)
    varnish = sum(r["cpu_ms"] for r in where["rows"] if r["what"] == "varnishd")
    floor = django * trivial_ms + varnish
    bound = f"**at most {theirs / floor:.1f}×**" if floor > 0 else "no bound from them"
    return [
        f"Even if each of the {django:.2f} requests per view that reach Django (fragments, "
        "batches, shells Varnish did not have, writes) cost no more than a trivial "
        f"logged-in Django view ({trivial_ms:.2f} CPU-ms of gunicorn, section 2), they and "
        f"varnishd ({varnish:.2f} ms) would come to {floor:.2f} ms per view: {bound} "
        f"against {peer} here. The rest is the fragments' own work, redis-server, and the "
        "stack's cost between requests.",
        "",
    ]
