"""Median with min-max over runs: the one summary every figure in the report uses."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    runs: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("no runs to summarize")
    return Summary(statistics.median(values), min(values), max(values), len(values))


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of ys over xs (0 with fewer than two points)."""
    if len(xs) < 2:
        return 0.0
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var


def fmt(summary: Summary | dict[str, Any], digits: int = 1, unit: str = "") -> str:
    """``median (min-max)``, e.g. ``12.3 ms (11.9-13.0)``."""
    s = summary if isinstance(summary, dict) else summary.as_dict()
    spec = f",.{digits}f"
    suffix = f" {unit}" if unit else ""
    return f"{s['median']:{spec}}{suffix} ({s['low']:{spec}}–{s['high']:{spec}})"
