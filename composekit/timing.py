"""Counting database queries and their time, for ``Server-Timing`` and the signal."""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

from django.db import connections

__all__ = ["QueryCounter"]


class QueryCounter:
    """Counts queries and their time on every database connection, DEBUG or not.

    ``with QueryCounter() as counter: ...`` then read ``counter.count`` and ``counter.time``
    (seconds). Usable in your own middleware to time whole pages the same way.
    """

    def __init__(self) -> None:
        self.count = 0
        self.time = 0.0
        self._stack = ExitStack()

    def __call__(self, execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.time += time.perf_counter() - start

    def __enter__(self) -> QueryCounter:
        for connection in connections.all():
            self._stack.enter_context(connection.execute_wrapper(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
