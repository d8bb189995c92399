"""The batch endpoint: ``GET <prefix>/_batch/?f=<name>:<token>[!<etag>]&f=...``.

The loader asks for a page's private fragments in one request (js/src/batch.js). Each part
runs through its fragment's own view, as a sub-request of this one (``subrequest.py``): the
same signature checks, authentication, permissions, throttles, policy headers,
``Server-Timing`` and ``fragment_rendered`` signal as a request of its own, while the
session and the user are loaded once, by this request's middleware. Each part keeps its own
status and ETag (``!<etag>`` asks If-None-Match: a 304 part), and a part that fails fails
alone. The answer is a JSON array, one object per part, in the order asked::

    [{"i": 0, "status": 200, "html": "...", "cache": "private, max-age=300",
      "etag": "\\"...\\"", "scopes": ["cart"], "timing": "render;dur=1.2, ..."}, ...]

``scopes`` is null when the fragment declares none (any write changes it); an error part
carries its problem document as ``problem``; ``trigger`` is the part's ``CK-Trigger`` when it
has one. The batch itself is never cached (``no-store``):
its parts are the user's own.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt

from . import registry, subrequest
from .conf import conf
from .policy import SCOPES_HEADER
from .problem import CONTENT_TYPE as PROBLEM
from .problem import problem_response
from .robots import robots_tag
from .signals import batch_answered
from .triggers import TRIGGER_HEADER

__all__ = ["batch_view", "problem_part", "run_part"]

_PART_RE = re.compile(r"^([a-z0-9][a-z0-9-]*):([^!]+)(?:!(.+))?$")
_DELIM = re.compile(r"\s*,\s*")


@csrf_exempt  # GET and HEAD only, refused otherwise below; its parts check their own methods
@robots_tag
def batch_view(request: HttpRequest) -> HttpResponseBase:
    if request.method not in ("GET", "HEAD"):
        response = problem_response(405, f"the batch endpoint answers GET and HEAD, not {request.method}")
        response["Allow"] = "GET, HEAD"
        return response
    asked = request.GET.getlist("f")
    if not asked:
        return problem_response(
            400, "no fragment asked for: the batch URL takes f=<name>:<signed params>, once per fragment"
        )
    if len(asked) > conf.BATCH_MAX_PARTS:
        return problem_response(
            400,
            f"{len(asked)} fragments asked for, over COMPOSEKIT_BATCH_MAX_PARTS ({conf.BATCH_MAX_PARTS})",
        )
    start = time.perf_counter()
    response = HttpResponse(content_type="application/json")
    parts = [run_part(request, response, i, spec) for i, spec in enumerate(asked)]
    response.content = json.dumps(parts, separators=(",", ":"))
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Cookie"])
    duration = time.perf_counter() - start
    if conf.SERVER_TIMING:
        response["Server-Timing"] = f'batch;dur={duration * 1000:.1f};desc="{len(parts)} parts"'
    batch_answered.send(sender=None, parts=len(parts), duration=duration, request=request)
    return response


def run_part(request: HttpRequest, batch: HttpResponse, i: int, spec: str) -> dict[str, Any]:
    """Run part ``spec`` (``name:token[!etag]``) for ``request``; its answer's object.

    The part's cookies go onto ``batch``, the response that carries it (the batch's, or a
    write's answer: ``answers.py``)."""
    match = _PART_RE.match(spec)
    if match is None:
        return problem_part(i, 400, f"part {i} is {spec[:80]!r}, not <name>:<signed params>[!<etag>]")
    name, token, etag = match.groups()
    if registry.get(name) is None:
        return problem_part(i, 404, f"no fragment is registered as {name!r}", fragment=name)
    headers = {"If-None-Match": etag} if etag else None
    url = reverse("composekit:fragment", args=[name]) + "?" + urlencode({"p": token}, safe=":")
    sub = subrequest.build(request, url, (), batch=True, headers=headers)
    response = subrequest.run(sub)
    subrequest.carry_back(sub, request)  # a CSRF token a form asked for reaches the cookie
    for cookie, morsel in response.cookies.items():
        batch.cookies[cookie] = morsel
    answer: dict[str, Any] = {"i": i, "status": response.status_code}
    if response.status_code == 200 and isinstance(response, HttpResponse):
        answer["html"] = response.content.decode(response.charset)
    elif response.get("Content-Type") == PROBLEM and isinstance(response, HttpResponse):
        answer["problem"] = json.loads(response.content)
    answer["cache"] = response.get("Cache-Control")
    answer["etag"] = response.get("ETag")
    scopes = response.get(SCOPES_HEADER)
    answer["scopes"] = None if scopes is None else [s for s in _DELIM.split(scopes) if s]
    if response.has_header("Server-Timing"):
        answer["timing"] = response["Server-Timing"]
    if response.has_header(TRIGGER_HEADER):
        answer["trigger"] = response[TRIGGER_HEADER]
    return answer


def problem_part(i: int, status: int, detail: str, **extra: Any) -> dict[str, Any]:
    problem = json.loads(problem_response(status, detail, **extra).content)
    return {"i": i, "status": status, "problem": problem, "cache": "no-store", "etag": None, "scopes": None}
