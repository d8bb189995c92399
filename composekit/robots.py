"""``X-Robots-Tag`` on every response under the fragment prefix.

Fragment URLs sit in every shell's ``src`` attributes, where crawlers find them; a fragment
alone is no page to show in search results. ``COMPOSEKIT_ROBOTS_TAG`` (``"noindex"`` by
default) goes on fragments, batches and problem responses alike; a response that set the
header itself keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .conf import conf

__all__ = ["HEADER", "robots_tag"]

HEADER = "X-Robots-Tag"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def robots_tag(view: View) -> View:
    """Decorate a view so its responses carry ``X-Robots-Tag: <COMPOSEKIT_ROBOTS_TAG>``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        value = conf.ROBOTS_TAG
        if value is not None and not response.has_header(HEADER):
            response[HEADER] = value
        return response

    return wrapped  # type: ignore[return-value]
