from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path, re_path
from django.utils.html import format_html
from django.views.static import serve

from composekit.render import fragment_url

COMPOSEKIT_STATIC = Path(__file__).resolve().parent.parent.parent / "composekit" / "static"
EMPTY = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>empty</title>'
    '<meta name="fragment" content="{}"></head><body><h1>empty</h1></body></html>\n'
)


def ck_page(request: HttpRequest, n: int) -> HttpResponse:
    return render(request, "bench_site/ck.html", {"items": range(n), "n": n})


def htmx_page(request: HttpRequest, n: int) -> HttpResponse:
    urls = [fragment_url("bench-item", i=i) for i in range(n)]
    return render(request, "bench_site/htmx.html", {"urls": urls, "n": n})


def empty_page(request: HttpRequest) -> HttpResponse:
    """What no loader can beat: a page with no script and nothing to fetch (it names one
    fragment's URL, for timing one round trip)."""
    return HttpResponse(format_html(EMPTY, fragment_url("bench-item", i=0)))


def htmx_js(request: HttpRequest) -> FileResponse:
    path: str = getattr(settings, "HTMX_JS", "")
    if not path:
        raise Http404("BENCH_HTMX_JS is not set")
    return FileResponse(open(path, "rb"), content_type="text/javascript")


urlpatterns = [
    path("ck/<int:n>/", ck_page),
    path("htmx/<int:n>/", htmx_page),
    path("empty/", empty_page),
    path("vendor/htmx.min.js", htmx_js),
    # Both loaders' scripts come through Django, so neither gets a faster file server.
    re_path(r"^static/(?P<path>composekit/.*)$", serve, {"document_root": COMPOSEKIT_STATIC}),
    path("_composekit/", include("composekit.urls")),
]
