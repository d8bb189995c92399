"""Detect a response that depends on who asked: the shared test of shells and public fragments."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import has_vary_header


def per_user_state(request: HttpRequest, response: HttpResponseBase | None = None) -> list[str]:
    """Name each kind of per-user state that producing ``response`` touched."""
    touched = []
    session = getattr(request, "session", None)
    if session is not None and getattr(session, "accessed", False):
        touched.append("the session (request.user or request.session)")
    meta = request.META
    if meta.get("CSRF_COOKIE_NEEDS_UPDATE") or meta.get("CSRF_COOKIE_USED"):
        touched.append("the CSRF token")
    messages = getattr(request, "_messages", None)
    if messages is not None and getattr(messages, "used", False):
        touched.append("messages")
    if response is not None:
        if response.cookies:
            touched.append("a cookie set (" + ", ".join(sorted(response.cookies)) + ")")
        if has_vary_header(response, "Cookie"):
            touched.append("Vary: Cookie")
    return touched
