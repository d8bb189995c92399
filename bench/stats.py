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
