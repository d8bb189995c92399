from __future__ import annotations

from collections.abc import Callable

import django
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from composekit import answer_with, expire, invalidate, trigger

from .models import CartLine

if django.VERSION >= (5, 1):
    from django.contrib.auth.decorators import login_not_required
else:  # Django 4.2: no LoginRequiredMiddleware, so nothing to be exempt from

    def login_not_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:  # type: ignore[misc]
        return view


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


@login_not_required  # the page is open; LoginRequiredMiddleware tests refuse its fragment
def inline_page(request: HttpRequest, name: str) -> HttpResponse:
    """A page holding fragment ``name``; ``?own=1`` sets its own ``seen`` cookie too."""
    template = engines["django"].from_string(
        "{% load composekit %}<main>{% fragment name %}fallback{% endfragment %}</main>"
    )
    response = HttpResponse(template.render({"name": name}, request))
    if request.GET.get("own"):
        response.set_cookie("seen", "page")
    return response


@csrf_exempt  # test-only: the two-host load test posts without a form
@never_cache
def cart_lines(request: HttpRequest) -> HttpResponse:
    """``POST sku=...``: add a cart line for the logged-in user, then expire their cart."""
    if request.method != "POST":
        return HttpResponse(status=405)
    if not request.user.is_authenticated:
        return HttpResponse("log in first", status=403, content_type="text/plain")
    line = CartLine.objects.create(user=request.user, sku=request.POST["sku"])
    expire("cart", request.user.pk)
    return HttpResponse(f"added {line.sku}", status=201, content_type="text/plain")


@login_not_required
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """What Varnish's health probe asks for: the app answers, without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt  # test-only: tests/test_answers.py posts as the loader would
def write(request: HttpRequest) -> HttpResponse:
    """A write (tests/test_answers.py): POST ``scope``, ``event``, ``answer`` (fragment names),
    each repeatable, ``status`` (204) and ``body`` ('') say what it does and answers."""
    scopes = request.POST.getlist("scope")
    if scopes:
        invalidate(request, *scopes)
    if request.POST.get("unknown"):
        invalidate(request)
    answer_with(request, *request.POST.getlist("answer"))
    response = HttpResponse(request.POST.get("body", ""), status=int(request.POST.get("status", 204)))
    return trigger(response, *request.POST.getlist("event"))
