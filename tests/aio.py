"""Running async code from synchronous tests.

pytest-playwright keeps an event loop running in the main thread once a browser test has
run, and the tests run in an order it chooses: ``asyncio.run()`` and ``async_to_sync()``
refuse to run there. A thread of its own has no loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def in_thread(function: Callable[..., T], *args: Any) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    result: T = in_thread(asyncio.run, coroutine)
    return result
