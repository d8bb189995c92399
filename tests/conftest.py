from __future__ import annotations

import os

import pytest

# pytest-playwright runs an event loop in the main thread; Django's ORM refuses
# synchronous calls there unless told it is safe (it is: one thread drives both).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _reset_fragment_counters() -> None:
    from tests.testapp import fragments

    fragments.calls.clear()
    fragments.versions["counted"] = "v1"
