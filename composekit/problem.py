"""RFC 9457 problem details: the body of every error the endpoint answers.

``problem_for()`` maps what a fragment view raised (DRF's exceptions, Django's ``Http404``
and ``PermissionDenied``) to its status and detail; ``server_error()`` is the 500 for
anything else, with details (type, message, traceback) only under ``DEBUG``.
"""

from __future__ import annotations

import json
import traceback
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from rest_framework import exceptions

from .signing import BadSignedParams

__all__ = ["CONTENT_TYPE", "BadParams", "problem_for", "problem_response", "server_error"]

CONTENT_TYPE = "application/problem+json"


class BadParams(exceptions.ParseError):
    """The params of a request cannot be used: the ``p=`` token did not verify, or a param in
    it is not one the fragment can take. The problem says why in ``reason``, and names the
    ``param`` when one is to blame."""

    def __init__(self, reason: str, detail: str, param: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.param = param

    @classmethod
    def from_error(cls, error: BadSignedParams) -> BadParams:
        return cls(error.reason, str(error), error.param)


def problem_response(status: int, detail: str, **extra: Any) -> HttpResponse:
    """A ``problem+json`` response that no cache may store."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"  # an error is never a cacheable answer
    return response


def problem_for(exc: Exception, fragment: str) -> HttpResponse:
    """The problem for an ``APIException``, ``Http404`` or Django ``PermissionDenied``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    assert isinstance(exc, exceptions.APIException)  # DRF's handle_exception passes no other
    extra: dict[str, Any] = {"fragment": fragment}
    if isinstance(exc, BadParams):
        extra["reason"] = exc.reason
        if exc.param is not None:
            extra["param"] = exc.param
    response = problem_response(exc.status_code, _flatten(exc.detail), **extra)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        response["Retry-After"] = str(int(wait))
    return response


def server_error(exc: Exception, fragment: str) -> HttpResponse:
    """The 500 for an exception a fragment raised: its type, message and traceback only under
    ``DEBUG`` (the loader prints them to the console there; a traceback names files and code)."""
    detail = "the fragment failed to render"
    extra: dict[str, Any] = {"fragment": fragment}
    if settings.DEBUG:
        detail = f"{type(exc).__name__}: {exc}"
        extra["exception"] = type(exc).__qualname__
        extra["traceback"] = "".join(traceback.format_exception(exc))
    return problem_response(500, detail, **extra)


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in detail.items())
    if isinstance(detail, list):
        return "; ".join(_flatten(v) for v in detail)
    return str(detail)
