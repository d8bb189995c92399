from __future__ import annotations

from django.urls import path

from .views import fragment_view

app_name = "composekit"

urlpatterns = [
    path("<str:name>/", fragment_view, name="fragment"),
]
