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
