"""The demo's own tests (demo/shop/tests/), written with ``composekit.testing`` as a project
would write them, run on the demo's settings in a process of their own; and the copy of them
docs/testing.md shows is the file that runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from harness.servers import ROOT

pytestmark = pytest.mark.slow  # the demo's own test suite, in a subprocess

SUITE = ROOT / "demo" / "shop" / "tests" / "test_fragments.py"


def test_the_demo_suite_passes() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(PYTHONPATH=str(ROOT), DEMO_SECRET_KEY="the demo's tests")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=ROOT / "demo",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tests = len(re.findall(r"^def test_", SUITE.read_text(), re.M))
    assert re.search(rf"^{tests} passed in ", result.stdout, re.M), result.stdout


def test_docs_show_the_suite_as_it_runs() -> None:
    docs = (ROOT / "docs" / "testing.md").read_text()
    assert f"```python\n{SUITE.read_text()}```" in docs
