"""Shell views, pure and impure, one per thing the guard must catch."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import cache_page
from django.views.generic import TemplateView

from composekit.shell import CacheableShellMixin, cacheable_shell, depends_on

# How often each view body ran; tests reset and read it.
calls: dict[str, int] = {}


@cacheable_shell(max_age=0, s_maxage=60, stale_while_revalidate=30)
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "shells/page.html", {"sku": request.GET.get("sku", "shoe-1")})


@cacheable_shell(max_age=0, s_maxage=60)
def kept(request: HttpRequest) -> HttpResponse:
    """Only fragments Varnish keeps (per session, or for everyone): an ESI page view of it
    needs no Django request once they are kept."""
    return render(request, "shells/kept.html")


@cacheable_shell(max_age=0, s_maxage=60)
def stamped(request: HttpRequest) -> HttpResponse:
    # A fresh id per render: a body seen twice came from a cache.
    return render(request, "shells/page.html", {"sku": "shoe-1", "nonce": uuid.uuid4().hex})


@cacheable_shell(max_age=60)
def user_in_template(request: HttpRequest) -> HttpResponse:
    return render(request, "shells/user.html")


@cacheable_shell(max_age=60)
def user_in_code(request: HttpRequest) -> HttpResponse:
    greeting = "Welcome back" if request.user.is_authenticated else "Hello"
    return render(request, "shells/plain.html", {"greeting": greeting})


@cacheable_shell(max_age=60)
def csrf_form(request: HttpRequest) -> HttpResponse:
    return render(request, "shells/csrf.html")


@cacheable_shell(max_age=60)
def messages_listed(request: HttpRequest) -> HttpResponse:
    return render(request, "shells/messages.html")


@cacheable_shell(max_age=60)
def message_added(request: HttpRequest) -> HttpResponse:
    messages.info(request, "saved")
    return HttpResponse("ok")


@cacheable_shell(max_age=60)
def sets_cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response.set_cookie("theme", "dark")
    return response


@cacheable_shell(max_age=60)
def vary_cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    patch_vary_headers(response, ["Cookie"])
    return response


@cacheable_shell(max_age=60)
@login_required
def members(request: HttpRequest) -> HttpResponse:
    return HttpResponse("members")


@cacheable_shell(max_age=60)
def user_and_fragment(request: HttpRequest) -> HttpResponse:
    return render(request, "shells/user_and_fragment.html")


@cacheable_shell(max_age=60)
def fragments_only(request: HttpRequest) -> HttpResponse:
    return render(request, "shells/fragments_only.html")


@cacheable_shell(max_age=60)
def template_response(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "shells/plain.html", {"greeting": "Hello"})


@cacheable_shell(max_age=60)
def impure_not_found(request: HttpRequest) -> HttpResponse:
    return HttpResponseNotFound(f"no page for {request.user}")


@cacheable_shell(max_age=60)
def cookie_count(request: HttpRequest) -> HttpResponse:
    # Reads cookies directly, which no guard can see: only comparing bodies catches it.
    return HttpResponse(f"<p>You sent {len(request.COOKIES)} cookie(s)</p>")


@cache_page(60)
@cacheable_shell(max_age=60)
def counted(request: HttpRequest) -> HttpResponse:
    calls["counted"] = calls.get("counted", 0) + 1
    return render(request, "shells/plain.html", {"greeting": "Hello"})


class ShellView(CacheableShellMixin, TemplateView):
    template_name = "shells/plain.html"
    extra_context = {"greeting": "Hi"}  # noqa: RUF012
    max_age = 30
    s_maxage = 600
    stale_if_error = 86400


class ImpureShellView(CacheableShellMixin, TemplateView):
    template_name = "shells/user.html"
    max_age = 30


@cacheable_shell(max_age=0, s_maxage=60)
def account(request: HttpRequest) -> HttpResponse:
    """Private fragments (two plain, one kept on the server) and public ones (one kept on the
    server): the page the ESI and two-host tests assemble."""
    return render(request, "shells/account.html")


@cacheable_shell(max_age=0, s_maxage=60)
def flaky(request: HttpRequest) -> HttpResponse:
    """Holds ``fails-once``: its first answer for ``?run=`` is a 503."""
    return render(request, "shells/flaky.html", {"run": request.GET.get("run", "")})


@cacheable_shell(max_age=0, s_maxage=60, keep_until_purged=True, depends_on=["items"])
def tagged(request: HttpRequest, sku: str) -> HttpResponse:
    """Depends on "items" (declared) and on its item (said while it renders, in code and in its
    template)."""
    depends_on(request, "item", sku)
    return render(request, "shells/tagged.html", {"sku": sku})


@cacheable_shell(max_age=0, s_maxage=60, depends_on=lambda request, sku: [("item", sku)])
def tagged_by_callable(request: HttpRequest, sku: str) -> HttpResponse:
    return HttpResponse(f"item {sku}")


@cacheable_shell(max_age=0, s_maxage=60, depends_on=["items"])
def tagged_but_impure(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"hello {request.user}")


class TaggedShellView(CacheableShellMixin, TemplateView):
    template_name = "shells/plain.html"
    extra_context = {"greeting": "Hi"}  # noqa: RUF012
    max_age = 0
    s_maxage = 60
    keep_until_purged = True

    def get_dependencies(self) -> list[tuple[str, object]]:
        return [("item", self.kwargs["sku"])]
