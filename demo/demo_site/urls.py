from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from shop.catalog_data import SHOPPERS

demo_logins = [(username, password) for username, _, _, password, _ in SHOPPERS]

urlpatterns = [
    path("", include("shop.urls")),
    path("login/", auth_views.LoginView.as_view(extra_context={"demo_logins": demo_logins}), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("_composekit/", include("composekit.urls")),
]
