from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from tests.testapp import views

urlpatterns = [
    path("_composekit/", include("composekit.urls")),
    path("page/", views.page, name="page"),
    path("inline-page/<str:name>/", views.inline_page),
    path("cart/add/", views.add),
    path("cart/lines/", views.cart_lines),
    path("write/", views.write),
    path("health/", views.health),
    path("shells/", include("tests.shells.urls")),
    path("loader/", include("tests.loader.urls")),
    path("streamed/", include("tests.streamed.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="testapp/login.html")),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/")),
]
