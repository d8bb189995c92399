"""Two small middlewares that make the demo easy to inspect in the browser's dev tools."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from composekit.streaming import SCRIPT_CSP
from composekit.timing import QueryCounter

Handler = Callable[[HttpRequest], HttpResponseBase]

# Everything is served from our own origin: no inline script or style, no CDN. No nonce
# either: shells are cached and shared, so a nonce in one would be the same for every
# visitor, which defeats it; 'self' with no inline code is the policy a cached page can keep.
# The one exception is streamed mode's script (COMPOSEKIT_MODE=stream), the same on every
# page: allowed by its hash.
CSP = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' {SCRIPT_CSP}",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        # HTML reaches the DOM only through the loader's Trusted Types policy.
        "require-trusted-types-for 'script'",
        "trusted-types composekit",
    ]
)
# The one page the shop's own pages may frame (the no-JavaScript account corner, views.py).
FRAMED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


class ContentSecurityPolicyMiddleware:
    """Send a strict CSP, proving the demo and the loader need no inline code.

    Left out under ``DEBUG`` so Django's technical error pages (inline styles) stay readable.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not settings.DEBUG:
            response.setdefault("Content-Security-Policy", CSP)
        return response


class ServerTimingMiddleware:
    """``Server-Timing`` with the page's render time and query count, like composekit's fragments.

    Fragment responses carry their own header and keep it.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        start = time.perf_counter()
        with QueryCounter() as counter:
            response = self.get_response(request)
        duration = (time.perf_counter() - start) * 1000
        response.setdefault(
            "Server-Timing",
            f'app;dur={duration:.1f}, db;dur={counter.time * 1000:.1f};desc="{counter.count} queries"',
        )
        return response
