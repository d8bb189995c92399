"""The demo's URLs for the monolithic variants: its page views as plain Django views.

The catalog, product and cart views lose ``@cacheable_shell`` and the demo's shell cache
(``inspect.unwrap``); the cart's POST views, the login and the logout stay as they are, but
for where the buy box's add sends the browser: back to the product page (``next``), as a
site without composekit would, not to the demo's cart page for browsers without JavaScript.
No fragment endpoints: the pages render their fragments themselves (``bench.variants.tags``).
"""

from __future__ import annotations

from inspect import unwrap

from demo_site.urls import urlpatterns as demo_urlpatterns
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from shop import urls as shop_urls
from shop import views

SHELLS = {views.catalog, views.product, views.cart}


@csrf_exempt  # as the demo's own view: it checks the browser's Origin
@require_POST
def cart_add_then_back(request: HttpRequest) -> HttpResponseBase:
    """The demo's add to cart, then back to the page the form was on (post/redirect/get)."""
    response: HttpResponseBase = views.cart_add(request)
    back = request.POST.get("next", "")
    if (
        isinstance(response, HttpResponseRedirect)
        and response.url.startswith(reverse("shop:cart-plain"))
        and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    ):
        return redirect(back)
    return response


def _plain(pattern: URLPattern) -> URLPattern:
    view = unwrap(pattern.callback) if pattern.callback in SHELLS else pattern.callback
    if pattern.callback is views.cart_add:
        view = cart_add_then_back
    return path(str(pattern.pattern), view, name=pattern.name)


shop_patterns = [_plain(pattern) for pattern in shop_urls.urlpatterns if isinstance(pattern, URLPattern)]

urlpatterns = [
    path("", include((shop_patterns, shop_urls.app_name))),
    *(p for p in demo_urlpatterns if isinstance(p, URLPattern) and p.name in ("login", "logout")),
]
