"""Waiting for something to become true, with a deadline: how the tests wait, instead of sleeping.

A fixed sleep is either too short on a busy machine (a flaky test) or too long on an idle
one (a slow test). ``poll`` checks often and fails, saying what it waited for, only once
the deadline has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def poll(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.005) -> None:
    """Return as soon as ``condition()`` is true; raise ``AssertionError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
