"""The cookies composekit sets for its loader: readable by scripts, holding nothing secret."""

from __future__ import annotations

from django.conf import settings
from django.http.response import HttpResponseBase

__all__ = ["set_loader_cookie"]


def set_loader_cookie(response: HttpResponseBase, name: str, value: str) -> None:
    """Set cookie ``name`` for the loader, alongside the session cookie.

    It lives as long as a session may (``SESSION_COOKIE_AGE``), and ends with the browser when
    the session cookie does (``SESSION_EXPIRE_AT_BROWSER_CLOSE``): the loader drops the
    fragments it kept in the browser's storage when it finds the cookie gone. One that expires
    first reads as a change and only reloads fragments. It
    follows the session cookie's path, domain, ``Secure`` and ``SameSite``, and is not
    ``HttpOnly``: the loader reads it.
    """
    response.set_cookie(
        name,
        value,
        max_age=None if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else settings.SESSION_COOKIE_AGE,
        path=settings.SESSION_COOKIE_PATH,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=False,
        samesite=settings.SESSION_COOKIE_SAMESITE or "Lax",
    )
