from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("page/<str:name>/", views.page),
    path("f/<str:kind>/", views.fragment),
    path("stream/", views.streamed),
    path("form/", views.form),
]
