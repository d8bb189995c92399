"""Run the real demo for the tests in this folder.

The test process keeps the test suite's settings, so the demo runs in gunicorn
subprocesses with its own (``demo_site.settings``), on copies of one freshly seeded
database: one in client mode (as ``make demo`` serves it), one in inline mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.launch import copy_prepared, demo_env, demo_server, prepare


@dataclass(frozen=True)
class Demo:
    url: str  # client mode
    inline_url: str  # inline mode, the same data


@pytest.fixture(scope="session")
def prepared_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly seeded demo (database and static files) for fixtures to copy."""
    folder = tmp_path_factory.mktemp("demo-prepared")
    prepare(folder)
    return folder


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, prepared_demo: Path) -> Iterator[Demo]:
    base = tmp_path_factory.mktemp("demo")
    copy_prepared(prepared_demo, base / "client")
    copy_prepared(prepared_demo, base / "inline")
    with (
        demo_server(demo_env(base / "client", COMPOSEKIT_MODE="client"), base) as client,
        demo_server(demo_env(base / "inline", COMPOSEKIT_MODE="inline"), base) as inline,
    ):
        yield Demo(client.url, inline.url)
