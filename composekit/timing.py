"""Counting database queries and their time, for ``Server-Timing`` and the signal."""

from __future__ import annotations

import time
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
        self._wrapped: list[Any] = []

    def __call__(self, execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.time += time.perf_counter() - start

    def __enter__(self) -> QueryCounter:
        # What ``connection.execute_wrapper()`` does, without a generator-based context
        # manager per connection: this runs around every fragment request.
        self._wrapped = list(connections.all())
        for connection in self._wrapped:
            connection.execute_wrappers.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for connection in self._wrapped:
            connection.execute_wrappers.remove(self)
        self._wrapped = []
