"""RFC 9457 problem details responses."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

from .policy import NEVER_STORE

CONTENT_TYPE = "application/problem+json"


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
    response["Cache-Control"] = NEVER_STORE.cache_control()
    return response
