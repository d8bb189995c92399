"""Signals for observability.

``fragment_rendered`` is sent after every fragment response (200, 304 or error), with
``sender`` the Fragment class and keyword arguments ``name`` (str), ``duration``
(seconds, float), ``queries`` (int), ``db_time`` (seconds, float), ``status`` (int),
``inline`` (bool, True when rendered into a page), ``batch`` (bool, True for a part of a
batch request), ``request`` (the fragment's own request: a sub-request when inline or in a
batch), ``response`` and ``cache`` (str or None): what the server cache did (``"hit"``,
``"miss"``, ``"stale"``, ``"error"``; None for a fragment without ``server_cache``). A stale
entry rendered again after its response sends it once more with ``cache="regenerated"``,
``status=200`` and ``response=None`` (it rendered HTML only). Feed it to statsd or Prometheus; the debug
toolbar panel (``toolbar.py``) reads it too.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["fragment_rendered"]

fragment_rendered = Signal()
