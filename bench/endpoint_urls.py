"""The demo's URLs plus the same trivial logged-in work three ways, for section (2).

A plain Django function view, a DRF ``APIView`` and a composekit fragment each answer the
shopper's name in a ``<b>``: the work is nothing but loading the session and the user, so
what each costs is its fixed cost. The fragment names no ``get_etag()`` (composekit's
default applies: a hash of the body). The two plain views sit just before the demo's
``_composekit/`` include, so all three are resolved past the same patterns.
"""

from __future__ import annotations

from typing import Any

from demo_site.urls import urlpatterns as demo_urlpatterns
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html
from rest_framework.request import Request
from rest_framework.views import APIView

from composekit import CachePolicy, Fragment, register


def trivial_html(request: HttpRequest | Request) -> str:
    return format_html("<b>{}</b>", request.user.get_short_name())  # type: ignore[union-attr]  # logged in


def plain_trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(trivial_html(request))


class DRFTrivial(APIView):
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(trivial_html(request))


@register
class Trivial(Fragment):
    name = "bench-trivial"
    cache = CachePolicy.private()

    def render(self, request: Request, **params: Any) -> str:
        return trivial_html(request)


def _beside_composekit(patterns: list[Any], *extra: Any) -> list[Any]:
    """``patterns`` with ``extra`` just before composekit's: a request for any of them walks
    the same patterns before it matches, so URL resolution costs the three views alike."""
    at = next(i for i, p in enumerate(patterns) if str(p.pattern) == "_composekit/")
    return [*patterns[:at], *extra, *patterns[at:]]


urlpatterns = _beside_composekit(
    demo_urlpatterns,
    path("_plain/trivial/", plain_trivial),
    path("_drf/trivial/", DRFTrivial.as_view()),
)
