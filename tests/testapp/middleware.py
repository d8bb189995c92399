"""Middleware the inline sub-request tests install: process_view hooks of every kind."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse


class RefuseMarked:
    """Refuses, from an async ``process_view()``, a request marked ``refuse = True``."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    async def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> Any:
        if getattr(request, "refuse", False):
            return HttpResponse("refused", status=451)
        return None


class NotUsed:
    def __init__(self, get_response: Any) -> None:
        raise MiddlewareNotUsed

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> Any:
        raise AssertionError("never instantiated")


class NoViewHook:
    """Has no process_view(): never instantiated again for inline sub-requests."""

    instances = 0

    def __init__(self, get_response: Any) -> None:
        NoViewHook.instances += 1
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)


class ServedBy:
    """Says which app host answered (``X-Served-By``), for the two-host tests."""

    def __init__(self, get_response: Any) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.host = settings.SERVED_BY  # type: ignore[misc]  # tests/served/settings.py only

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        response["X-Served-By"] = self.host
        return response
