"""What the tests of ``python -m bench`` share: running it, reading what it wrote, and
checking a figure's summary (``bench.stats.summarize``)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.browsers import HEADLESS_SHELL, chromium_executable

ROOT = Path(__file__).resolve().parent.parent.parent


def bench(*args: str, timeout: float) -> None:
    """``python -m bench`` with ``args``, which must succeed; in the headless shell where it is
    installed, as the other browser tests (``make bench`` itself measures in the full browser)."""
    env = dict(os.environ)
    if "CK_CHROMIUM" not in env and chromium_executable(headless_shell=True) == HEADLESS_SHELL:
        env["CK_CHROMIUM"] = HEADLESS_SHELL
    run = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stderr[-5000:]


def saved(raw: Path, out: Path) -> dict[str, Any]:
    """The raw results ``python -m bench`` wrote to ``raw``, with its report under ``"markdown"``."""
    data: dict[str, Any] = json.loads(raw.read_text())
    data["markdown"] = out.read_text()
    return data


def _sane(summary: dict[str, float], *, zero: bool) -> bool:
    """Finite, ordered (low ≤ median ≤ high), above 0 in every run, or (``zero``) never
    negative and above 0 in at least one."""
    values = [summary["median"], summary["low"], summary["high"]]
    smallest = summary["low"] >= 0 and summary["high"] > 0 if zero else summary["low"] > 0
    return (
        all(math.isfinite(v) for v in values)
        and summary["low"] <= summary["median"] <= summary["high"]
        and smallest
    )


def positive(summary: dict[str, float]) -> bool:
    return _sane(summary, zero=False)


def ticked(summary: dict[str, float]) -> bool:
    """A CPU time read in whole clock ticks: one run may measure 0, never all of them."""
    return _sane(summary, zero=True)
