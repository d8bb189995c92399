"""The demo's URLs for the monolithic variants: its page views as plain Django views.

The catalog, product and cart views lose ``@cacheable_shell`` and the demo's shell cache
(``inspect.unwrap``); the cart's POST views, the login and the logout stay as they are, but
for the buy box's add. Posted by ``parts.js`` (``HX-Request: true``, as htmx sends) it answers
only the parts the add changed, the cart summary and the picks (``ADD_CHANGES``), rendered as
the page renders them (``bench.variants.tags``), for the page to swap in: what an htmx-style
app does. Posted the ordinary way it sends the browser back to the product page (``next``).
No fragment endpoints: the pages render their fragments themselves.
"""

from __future__ import annotations

from inspect import unwrap
from pathlib import Path

from demo_site.urls import urlpatterns as demo_urlpatterns
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, include, path, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from shop import urls as shop_urls
from shop import views

from .tags import PARTS_JS, render_part

SHELLS = {views.catalog, views.product, views.cart}
ADD_CHANGES = ("cart-summary", "recommended")  # what an add to cart changes on a page
PARTS_SOURCE = (Path(__file__).parent / "parts.js").read_bytes()


@csrf_exempt  # as the demo's own view: it checks the browser's Origin
@require_POST
def cart_add_then_back(request: HttpRequest) -> HttpResponseBase:
    """The demo's add to cart: for ``parts.js``, the parts it changed; for a form posted the
    ordinary way, back to the page the form was on (post/redirect/get)."""
    response: HttpResponseBase = views.cart_add(request)
    if request.headers.get("HX-Request") == "true" and isinstance(response, HttpResponseRedirect):
        if not response.url.startswith(reverse("shop:cart-plain")):
            return response  # to log in
        parts = HttpResponse("".join(render_part(name, request, {}) for name in ADD_CHANGES))
        add_never_cache_headers(parts)
        return parts
    back = request.POST.get("next", "")
    if (
        isinstance(response, HttpResponseRedirect)
        and response.url.startswith(reverse("shop:cart-plain"))
        and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    ):
        return redirect(back)
    return response


def parts_js(request: HttpRequest) -> HttpResponse:
    """``parts.js``, kept by browsers as a static file is."""
    response = HttpResponse(PARTS_SOURCE, content_type="text/javascript; charset=utf-8")
    patch_cache_control(response, public=True, max_age=31_536_000, immutable=True)
    return response


def _plain(pattern: URLPattern) -> URLPattern:
    view = unwrap(pattern.callback) if pattern.callback in SHELLS else pattern.callback
    if pattern.callback is views.cart_add:
        view = cart_add_then_back
    return path(str(pattern.pattern), view, name=pattern.name)


shop_patterns = [_plain(pattern) for pattern in shop_urls.urlpatterns if isinstance(pattern, URLPattern)]

urlpatterns = [
    path(PARTS_JS.lstrip("/"), parts_js),
    path("", include((shop_patterns, shop_urls.app_name))),
    *(p for p in demo_urlpatterns if isinstance(p, URLPattern) and p.name in ("login", "logout")),
]
