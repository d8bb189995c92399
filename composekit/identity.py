"""The identity marker: how the loader notices that the person behind a browser changed.

Pages restored from the back/forward cache and tabs left open across a logout still hold
the previous person's fragments. The loader can only drop them if it can tell that the
identity changed, without learning who anyone is. So on every login and logout
(``user_logged_in`` / ``user_logged_out``) ``ComposekitMiddleware`` sets a cookie readable
by scripts (``COMPOSEKIT_IDENTITY_COOKIE``, ``ck_identity`` by default) to a new random
value. It says nothing about the user: only that the identity is no longer the one a page
was loaded under. The loader compares it when a page comes back from the back/forward
cache, when a tab becomes visible, when another tab says it changed (a ``storage`` event),
and before every fragment load. See docs/security.md ("Identity changes").

Call ``rotate_identity(request)`` after changing who a request belongs to by other means
(a custom SSO flow that does not call ``login()``, an impersonation feature).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .conf import conf
from .cookies import set_loader_cookie

__all__ = ["rotate_identity", "rotated", "set_marker"]

# Set on a request whose identity changed: the marker the response must carry.
_NEW_MARKER_ATTR = "_composekit_identity"


def rotate_identity(request: HttpRequest | None) -> None:
    """Give the browser behind ``request`` a new identity marker (set on its response)."""
    if request is not None:
        setattr(request, _NEW_MARKER_ATTR, secrets.token_urlsafe(12))


def rotated(request: HttpRequest) -> bool:
    """Whether ``request`` changed who the browser belongs to (a login, a logout)."""
    return hasattr(request, _NEW_MARKER_ATTR)


def _on_login_or_logout(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    rotate_identity(request)


# dispatch_uid: a module imported again (autoreload, tests) does not connect twice.
user_logged_in.connect(_on_login_or_logout, dispatch_uid="composekit.identity.login")
user_logged_out.connect(_on_login_or_logout, dispatch_uid="composekit.identity.logout")


def set_marker(request: HttpRequest, response: HttpResponseBase) -> None:
    """Put the new marker on ``response`` if ``request`` changed identity."""
    marker = getattr(request, _NEW_MARKER_ATTR, None)
    name = conf.IDENTITY_COOKIE
    if marker is not None and name is not None:
        set_loader_cookie(response, name, marker)
