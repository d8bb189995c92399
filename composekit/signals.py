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

``tags_purged`` is sent after every purge request to a shared cache (``purge.py``), each
attempt of each chunk at each target, from the thread that sent it: ``sender`` the backend
class (``Varnish``, ``Fastly``, ...), ``target`` (str, the node or API endpoint),
``tags`` (list of str), ``ok`` (bool), ``attempt`` (int, 1 for the first),
``duration`` (seconds, float) and ``error`` (str, what failed; None when ``ok``).

``batch_answered`` is sent after every batch request that ran its parts (``batch.py``), after
their own ``fragment_rendered``: ``sender`` None, ``parts`` (int, how many fragments it
asked for), ``duration`` (seconds, float) and ``request``. Metrics count batch sizes from it.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["batch_answered", "fragment_rendered", "tags_purged"]

fragment_rendered = Signal()
tags_purged = Signal()
batch_answered = Signal()
