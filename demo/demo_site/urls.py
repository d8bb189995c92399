from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache

from shop.catalog_data import SHOPPERS

demo_logins = [(username, password) for username, _, _, password, _ in SHOPPERS]


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For Varnish's health probes (make demo-varnish): the process answers."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("health/", health),
    path("", include("shop.urls")),
    path("login/", auth_views.LoginView.as_view(extra_context={"demo_logins": demo_logins}), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("_composekit/", include("composekit.urls")),
]
