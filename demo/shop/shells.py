"""A server-side cache for shells: Django's cache framework in front of ``@cacheable_shell``.

``@cacheable_shell`` makes a page safe to share and says so in ``Cache-Control``; a CDN or
Varnish would keep it from there. The demo has no proxy in front, so this keeps each shell
in Django's cache: a hit costs no query and no template rendering. A shell is kept until
what it shows changes: composekit tagged it with its dependencies (``depends_on``), and each
hit compares their versions (``composekit.versions``, one cache read) with those it was
stored with; ``expire()`` moves them. ``SHELL_CACHE_SECONDS`` is only the longest it is kept.
Only responses that stayed public are stored, so a shell downgraded for touching per-user
state (or holding inline fragments) never is.

Responses say what happened in ``X-Shell-Cache`` (``hit``, ``miss`` or ``bypass``); a request
with ``Cache-Control: no-cache`` (a hard reload) renders afresh and refreshes the copy.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from composekit.shell import shareable
from composekit.tags import labels_of
from composekit.versions import versions

View = Callable[..., HttpResponseBase]


def shared_cache(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        timeout = settings.SHELL_CACHE_SECONDS
        if timeout <= 0 or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # A surrogate that assembles ESI gets the page with includes, anyone else without
        # (Vary: Surrogate-Capability): two entries.
        variant = request.build_absolute_uri() + "\n" + request.headers.get("Surrogate-Capability", "")
        key = "shell:" + hashlib.sha256(variant.encode()).hexdigest()
        refresh = "no-cache" in request.headers.get("Cache-Control", "").lower()
        if not refresh:
            stored = cache.get(key)
            if stored is not None:
                response, stored_at, labels, seen = stored
                if versions(labels) == seen:
                    response["Age"] = str(int(time.time() - stored_at))
                    response["X-Shell-Cache"] = "hit"
                    return response
        response = view(request, *args, **kwargs)
        if shareable(response) and response.status_code == 200 and request.method == "GET":
            labels = list(labels_of(response) or ())
            cache.set(key, (response, time.time(), labels, versions(labels)), timeout)
        response["X-Shell-Cache"] = "bypass" if refresh else "miss"
        return response

    return wrapped
