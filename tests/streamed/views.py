"""Pages for streamed mode (composekit/streaming.py): a slow, a fast and a failing fragment."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_page

from composekit.shell import cacheable_shell
from composekit.streaming import SCRIPT_CSP, streamed

# How often the shell's view rendered; tests reset and read it.
calls: dict[str, int] = {}


@cache_page(60)  # Django's shell cache: the stream starts with the bytes it keeps
@cacheable_shell(max_age=60)
def shell(request: HttpRequest) -> HttpResponse:
    calls["shell"] = calls.get("shell", 0) + 1
    # A fresh id per render: bytes seen twice came from the cache.
    return render(request, "streamed/page.html", _context(request) | {"rendered": uuid.uuid4().hex})


# The same shell, streamed: the cacheable shell's bytes, then its private fragments.
page = streamed(shell)


@streamed
@cacheable_shell(max_age=0)
async def async_page(request: HttpRequest) -> HttpResponse:
    return render(request, "streamed/page.html", _context(request))


@streamed
def csp(request: HttpRequest) -> HttpResponse:
    """The page under a Content-Security-Policy with no nonce and no 'unsafe-inline'."""
    response = render(request, "streamed/page.html", _context(request))
    response["Content-Security-Policy"] = f"script-src 'self' {SCRIPT_CSP}"
    return response


@cacheable_shell(max_age=0)
def plain(request: HttpRequest) -> HttpResponse:
    """Streamed only in stream mode (COMPOSEKIT_MODE = "stream", through the middleware)."""
    return render(request, "streamed/page.html", _context(request))


def _context(request: HttpRequest) -> dict[str, object]:
    return {"slow": int(request.GET.get("slow", 1500)), "who": request.GET.get("who", "you")}
