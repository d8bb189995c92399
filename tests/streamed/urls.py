from __future__ import annotations

from django.urls import path

from tests.streamed import views

urlpatterns = [
    path("page/", views.page),
    path("shell/", views.shell),
    path("async/", views.async_page),
    path("plain/", views.plain),
    path("csp/", views.csp),
]
