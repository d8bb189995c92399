from __future__ import annotations

from django.urls import include, path

from tests.testapp import views

urlpatterns = [
    path("_composekit/", include("composekit.urls")),
    path("page/", views.page, name="page"),
    path("cart/add/", views.add),
    path("shells/", include("tests.shells.urls")),
    path("loader/", include("tests.loader.urls")),
]
