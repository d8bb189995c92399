from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache

from tests.urls import urlpatterns as test_urlpatterns


@never_cache
def login_as(request: HttpRequest, username: str) -> HttpResponse:
    """Test-only: log in as ``username`` (created on first use; staff with ``?staff=1``).

    A real login through Django's session, so clients get the session cookie exactly as a
    site sets it (HttpOnly, SameSite, path).
    """
    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": "staff" in request.GET})
    login(request, user)
    return HttpResponse(f"logged in as {user.username}", content_type="text/plain")


def toolbar_page(request: HttpRequest) -> HttpResponse:
    """Fragments of every kind, for the debug toolbar's panel (tests/test_toolbar.py)."""
    return render(request, "testapp/toolbar_page.html")


urlpatterns = [
    path("login/<str:username>/", login_as),
    path("toolbar-page/", toolbar_page),
    *test_urlpatterns,
]

if settings.DEBUG:  # with the debug toolbar: its URLs, and static files for its script
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls() + staticfiles_urlpatterns()
