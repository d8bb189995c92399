from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "testapp/page.html",
        {
            "who": request.GET.get("who", "page"),
            "loading": request.GET.get("loading"),
        },
    )


def add(request: HttpRequest) -> HttpResponse:
    """Where the csrf-form fragment posts: an ordinary view behind CsrfViewMiddleware."""
    if request.method != "POST":
        return HttpResponse(status=405)
    return HttpResponse("added")
