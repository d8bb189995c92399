"""Signals for observability.

``fragment_rendered`` is sent after every fragment response (200, 304 or error), with
``sender`` the Fragment class and keyword arguments ``name`` (str), ``duration``
(seconds, float), ``queries`` (int), ``db_time`` (seconds, float), ``status`` (int),
``inline`` (bool, True when rendered into a page) and ``batch`` (bool, True for a part of a
batch request). Feed it to statsd or Prometheus.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["fragment_rendered"]

fragment_rendered = Signal()
