"""Run the real demo for the tests in this folder.

The test process keeps the test suite's settings, so the demo runs in gunicorn
subprocesses with its own (``demo_site.settings``), on copies of one freshly seeded
database: one in client mode (as ``make demo`` serves it), one in inline mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from demo.launch import Server, copy_prepared, demo_env, prepare


@dataclass(frozen=True)
class Demo:
    url: str  # client mode
    inline_url: str  # inline mode, the same data


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    base = tmp_path_factory.mktemp("demo")
    prepare(base / "client")
    copy_prepared(base / "client", base / "inline")
    with ExitStack() as stack:  # stops every server started, also when one fails to start
        servers = {}
        for mode in ("client", "inline"):
            server = servers[mode] = Server(demo_env(base / mode, COMPOSEKIT_MODE=mode), workers=2)
            stack.callback(server.stop)
        yield Demo(servers["client"].wait_until_listening(), servers["inline"].wait_until_listening())
