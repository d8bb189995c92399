"""The demo's URLs for the monolithic variants: its page views as plain Django views.

The catalog, product and cart views lose ``@cacheable_shell`` and the demo's shell cache
(``inspect.unwrap``); the cart's POST views, the login and the logout stay as they are. No
fragment endpoints: the pages render their fragments themselves (``bench.variants.tags``).
"""

from __future__ import annotations

from inspect import unwrap

from demo_site.urls import urlpatterns as demo_urlpatterns
from django.urls import URLPattern, include, path
from shop import urls as shop_urls
from shop import views

SHELLS = {views.catalog, views.product, views.cart}


def _plain(pattern: URLPattern) -> URLPattern:
    view = unwrap(pattern.callback) if pattern.callback in SHELLS else pattern.callback
    return path(str(pattern.pattern), view, name=pattern.name)


shop_patterns = [_plain(pattern) for pattern in shop_urls.urlpatterns if isinstance(pattern, URLPattern)]

urlpatterns = [
    path("", include((shop_patterns, shop_urls.app_name))),
    *(p for p in demo_urlpatterns if isinstance(p, URLPattern) and p.name in ("login", "logout")),
]
