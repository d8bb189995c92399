"""``python -m bench --quick``, run once for every test in this folder: each benchmark of
``make bench`` at tiny sizes (its own gunicorns on 127.0.0.1, Varnish, Redis, Chromium, an npm
install of htmx into a temporary folder). The tests check the raw results and the report; none
asserts a timing (timings belong in ``docs/benchmarks.md``)."""

from __future__ import annotations

from typing import Any

import pytest

from .checks import bench, saved


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every section's results at ``--quick`` sizes, and the report (``"markdown"``)."""
    folder = tmp_path_factory.mktemp("bench")
    out, raw = folder / "benchmarks.md", folder / "results.json"
    bench("--quick", f"--out={out}", f"--json={raw}", timeout=900)
    return saved(raw, out)
