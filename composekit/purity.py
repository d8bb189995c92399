"""Detect a response that depends on who asked: the shared test of shells and public fragments."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import has_vary_header

__all__ = ["CSRF_META_KEYS", "CSRF_TOKEN", "MESSAGES", "SESSION", "VARY_COOKIE", "per_user_state"]

# The names ``per_user_state`` reports; ``composekit.shell`` keys what it records by them.
SESSION = "the session (request.user or request.session)"
CSRF_TOKEN = "the CSRF token"
MESSAGES = "messages"
VARY_COOKIE = "Vary: Cookie"
# What ``get_token()`` writes into ``request.META`` when the page uses the CSRF token.
CSRF_META_KEYS = frozenset({"CSRF_COOKIE_NEEDS_UPDATE", "CSRF_COOKIE_USED"})


def per_user_state(request: HttpRequest, response: HttpResponseBase | None = None) -> list[str]:
    """Name each kind of per-user state that producing ``response`` touched."""
    touched = []
    session = getattr(request, "session", None)
    if session is not None and getattr(session, "accessed", False):
        touched.append(SESSION)
    meta = request.META
    if any(meta.get(key) for key in CSRF_META_KEYS):
        touched.append(CSRF_TOKEN)
    messages = getattr(request, "_messages", None)
    if messages is not None and (
        # Iterated, loaded (even `{% if messages %}` loads them) or added to: per user.
        getattr(messages, "used", False)
        or getattr(messages, "added_new", False)
        or hasattr(messages, "_loaded_data")
    ):
        touched.append(MESSAGES)
    if response is not None:
        if response.cookies:
            touched.append("a cookie set (" + ", ".join(sorted(response.cookies)) + ")")
        if has_vary_header(response, "Cookie"):
            touched.append(VARY_COOKIE)
    return touched
