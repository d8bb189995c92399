"""Authentication for fragments: DRF's, minus what a GET-only view never needs."""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

__all__ = ["SafeMethodSessionAuthentication"]


class SafeMethodSessionAuthentication(SessionAuthentication):
    """DRF's session authentication without its CSRF check, for fragments alone.

    Fragments answer GET and HEAD only (``Fragment.initial()`` refuses any other method
    before authentication), and CSRF protects unsafe methods: DRF's check would pass every
    time, at a cost on every request.
    """

    def enforce_csrf(self, request: Request) -> None:
        return None
