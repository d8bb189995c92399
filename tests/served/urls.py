from __future__ import annotations

from contextlib import suppress

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.models import User
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from composekit import expire
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


@csrf_exempt
@require_POST
def expire_view(request: HttpRequest, name: str, id: str) -> HttpResponse:
    """Test-only: ``expire(name, id)``, which purges its tag; with ``?rollback=1`` inside a
    transaction that rolls back (so nothing is purged)."""
    if request.GET.get("rollback"):
        with suppress(RolledBack), transaction.atomic():
            expire(name, id)
            raise RolledBack
        return HttpResponse("rolled back", content_type="text/plain")
    expire(name, id)
    return HttpResponse("expired", content_type="text/plain")


@csrf_exempt
@require_POST
def session_end(request: HttpRequest, how: str) -> HttpResponse:
    """Test-only: end the request's session as a site would: ``logout``, ``flush``, or
    ``password`` (a new password, the session kept with ``update_session_auth_hash()``)."""
    if how == "logout":
        logout(request)
    elif how == "flush":
        request.session.flush()
    else:
        user = User.objects.get(pk=request.user.pk or 0)
        user.set_password(how)
        user.save()
        update_session_auth_hash(request, user)
    return HttpResponse(how, content_type="text/plain")


@csrf_exempt
@require_POST
def set_password(request: HttpRequest, username: str) -> HttpResponse:
    """Test-only: a new password for ``username``, set elsewhere (an admin, another device)."""
    user = User.objects.get(username=username)
    user.set_password("changed elsewhere")
    user.save()
    return HttpResponse("changed", content_type="text/plain")


@csrf_exempt
@require_POST
def write(request: HttpRequest) -> HttpResponse:
    """Test-only: a write that changes nothing but the user's write generations."""
    return HttpResponse("written", content_type="text/plain")


class RolledBack(Exception):
    pass


def toolbar_page(request: HttpRequest) -> HttpResponse:
    """Fragments of every kind, for the debug toolbar's panel (tests/test_toolbar.py)."""
    return render(request, "testapp/toolbar_page.html")


urlpatterns = [
    path("login/<str:username>/", login_as),
    path("toolbar-page/", toolbar_page),
    path("expire/<str:name>/<str:id>/", expire_view),
    path("session/<str:how>/", session_end),
    path("set-password/<str:username>/", set_password),
    path("write/", write),
    *test_urlpatterns,
]

if settings.COMPOSEKIT_METRICS:  # type: ignore[misc]  # set in tests/served/settings.py
    from composekit.prometheus import view as metrics_view

    urlpatterns.append(path("metrics", metrics_view))

if settings.DEBUG:  # with the debug toolbar: its URLs, and static files for its script
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += [*debug_toolbar_urls(), *staticfiles_urlpatterns()]
