"""``python -m bench --only SECTION``: a section run on its own, into results that do not exist
yet (a fresh clone) or into the results of an earlier run, whose other sections it keeps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .checks import bench, positive, saved

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_section_alone_on_a_fresh_clone_writes_new_results_and_their_report(tmp_path: Path) -> None:
    raw, out = tmp_path / "results.json", tmp_path / "benchmarks.md"
    bench("--quick", "--only=metrics", f"--json={raw}", f"--out={out}", timeout=300)
    results = saved(raw, out)
    assert {"date", "machine", "sizes", "duration_s", "load", "metrics"} <= results.keys()
    assert results["quick"] is True
    assert "browsing" not in results and "rerun" not in results  # nothing else was run
    assert all(positive(run["on_us"]) for run in results["metrics"])
    markdown = results["markdown"]
    assert "## Metrics" in markdown
    assert "**Not run**" in markdown and "`browsing`" in markdown and "`workloads`" in markdown
    assert "## 1. Server CPU of real browsing" not in markdown


def test_sections_run_again_alone_into_saved_results(results: dict[str, Any], tmp_path: Path) -> None:
    earlier = {key: value for key, value in results.items() if key != "markdown"}
    raw, out = tmp_path / "results.json", tmp_path / "benchmarks.md"
    raw.write_text(json.dumps(earlier))
    bench("--only", "metrics", "--only", "endpoint", f"--json={raw}", f"--out={out}", timeout=300)
    again = json.loads(raw.read_text())
    assert set(again["rerun"]) == {"metrics", "endpoint"}
    assert again["endpoint"]["cases"] != earlier["endpoint"]["cases"]
    assert again["metrics"] != earlier["metrics"]
    assert again["esi"] == earlier["esi"]  # the other sections are kept as they were
    assert again["sizes"] == earlier["sizes"]  # and the sizes they ran at
    assert "Run again on their own" in out.read_text()
