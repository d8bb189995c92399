"""Counting database queries and their time, for ``Server-Timing`` and the signal."""

from __future__ import annotations

import time
from typing import Any

from django.db import connections
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .requeststate import is_batch_part, is_inline
from .signals import fragment_rendered

__all__ = ["QueryCounter", "RenderMeasure"]


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


class RenderMeasure:
    """One render of a fragment, measured: ``with RenderMeasure() as measure: ...`` then read
    ``measure.duration`` (seconds) and ``measure.queries``; ``send()`` reports it in the
    ``fragment_rendered`` signal. The endpoint's response (``Fragment.dispatch()``) and the
    server cache's regeneration after a response are both measured and reported by it."""

    def __init__(self) -> None:
        self.queries = QueryCounter()
        self.duration = 0.0
        self._start = 0.0

    def __enter__(self) -> RenderMeasure:
        self._start = time.perf_counter()
        self.queries.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.queries.__exit__(*exc)
        self.duration = time.perf_counter() - self._start

    def send(
        self,
        sender: type,
        name: str,
        request: HttpRequest,
        *,
        status: int,
        response: HttpResponseBase | None,
        cache: str | None,
    ) -> None:
        """Send ``fragment_rendered`` for fragment ``name`` (class ``sender``) rendered for
        ``request`` (the fragment's own: a sub-request when inline or in a batch)."""
        fragment_rendered.send(
            sender=sender,
            name=name,
            duration=self.duration,
            queries=self.queries.count,
            db_time=self.queries.time,
            status=status,
            inline=is_inline(request),
            batch=is_batch_part(request),
            cache=cache,
            request=request,
            response=response,
        )
