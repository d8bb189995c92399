from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path, re_path
from django.views.static import serve

from composekit.render import fragment_url

COMPOSEKIT_STATIC = Path(__file__).resolve().parent.parent.parent / "composekit" / "static"


def ck_page(request: HttpRequest, n: int) -> HttpResponse:
    return render(request, "bench_site/ck.html", {"items": range(n), "n": n})


def htmx_page(request: HttpRequest, n: int) -> HttpResponse:
    urls = [fragment_url("bench-item", {"i": i}) for i in range(n)]
    return render(request, "bench_site/htmx.html", {"urls": urls, "n": n})


def htmx_js(request: HttpRequest) -> FileResponse:
    path: str = getattr(settings, "HTMX_JS", "")
    if not path:
        raise Http404("BENCH_HTMX_JS is not set")
    return FileResponse(open(path, "rb"), content_type="text/javascript")


urlpatterns = [
    path("ck/<int:n>/", ck_page),
    path("htmx/<int:n>/", htmx_page),
    path("vendor/htmx.min.js", htmx_js),
    # Both loaders' scripts come through Django, so neither gets a faster file server.
    re_path(r"^static/(?P<path>composekit/.*)$", serve, {"document_root": COMPOSEKIT_STATIC}),
    path("_composekit/", include("composekit.urls")),
]
