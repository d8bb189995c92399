from __future__ import annotations

from django.urls import path, re_path

from .batch import batch_view
from .views import fragment_view, not_found

__all__ = ["app_name", "urlpatterns"]

app_name = "composekit"

urlpatterns = [
    path("_batch/", batch_view, name="batch"),  # not a fragment name: those start [a-z0-9]
    path("<str:name>/", fragment_view, name="fragment"),
    # Anything else under the prefix gets a problem+json 404 too, not the site's HTML 404.
    re_path(r"^(?P<path>[\s\S]*)\Z", not_found),
]
