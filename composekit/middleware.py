"""composekit's middleware, and the sync-and-async shape they share.

``ComposekitMiddleware`` tells the browser what changed for the person behind it: a new
identity marker on a login or logout (``identity.py``), moved write generations on the
user's writes (``generations.py``), the fragments a write through the loader moved,
re-rendered (``answers.py``), in inline mode the cookies and ``Vary`` of the fragments
rendered into the page (``inline.py``), in ESI mode which pages hold includes for the
surrogate (``esi.py``), and in stream mode turns pages into streamed ones (``streaming.py``).
When a request ends a session, the shared caches drop that session's per-session copies
(``persession.py``).


Under ASGI an async-capable middleware runs in the event loop, with no thread hop per
request; under WSGI it runs as plain synchronous code. Subclasses only say what to do with
a response (``process_response``), as django-htmx's and django-cors-headers' middleware do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from . import answers, esi, generations, identity, inline, persession, streaming

__all__ = ["ComposekitMiddleware", "ResponseMiddleware"]

GetResponse = Callable[[HttpRequest], HttpResponseBase] | Callable[[HttpRequest], Awaitable[HttpResponseBase]]


class ResponseMiddleware:
    """Base class: calls ``process_response(request, response)`` on every response."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)  # a sync chain answers directly
        return self.process_response(request, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = await self.get_response(request)  # type: ignore[misc]
        return self.process_response(request, response)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        raise NotImplementedError  # pragma: no cover - every subclass defines it


class ComposekitMiddleware(ResponseMiddleware):
    """Puts on each response the cookies and headers the loader and the page need.

    Anywhere in ``MIDDLEWARE`` below (after) any caching middleware, so caches see the
    page's full ``Vary``. It does nothing to a shell (a GET that logged nobody in or out and
    wrote nothing), so shells stay the same for everyone.
    """

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = await self.get_response(request)  # type: ignore[misc]
        if answers.asked(request, response):
            # The fragment views are synchronous (DRF, the ORM): out of the event loop.
            response = await sync_to_async(answers.attach)(request, response)
        return self.process_response(request, response)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = answers.attach(request, response)
        identity.set_marker(request, response)
        persession.settle(request, response)
        generations.move_generations(request, response)
        inline.apply_to_response(request, response)
        esi.mark_response(request, response)
        return streaming.stream(request, response)  # stream mode: the page, then its fragments
