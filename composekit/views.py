"""The endpoint: ``GET <prefix>/<name>/?p=<signed params>`` dispatches to a registered fragment."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from . import esi, registry
from .problem import problem_response
from .robots import robots_tag

if TYPE_CHECKING:
    from .fragment import Fragment

__all__ = ["fragment_view", "not_found", "view_for"]

_views: dict[type[Fragment], Callable[..., HttpResponseBase]] = {}


def view_for(cls: type[Fragment]) -> Callable[..., HttpResponseBase]:
    view = _views.get(cls)
    if view is None:
        view = _views[cls] = cls.as_view()
    return view


@csrf_exempt  # GET and HEAD only; the fragment view refuses every other method
@robots_tag
def fragment_view(request: HttpRequest, name: str, **kwargs: Any) -> HttpResponseBase:
    cls = registry.get(name)
    if cls is None:
        return problem_response(404, f"no fragment is registered as {name!r}", fragment=name)
    if not esi.is_include(request):
        return view_for(cls)(request)
    problem = esi.live_problem(request)
    if problem is not None:
        param, detail = problem
        return problem_response(
            400,
            f"{detail}; the page's {{% fragment %}} tag writes the include's URL: use the one it wrote",
            fragment=name,
            param=param,
        )
    return esi.include_response(request, cls, view_for(cls)(request))


@robots_tag
def not_found(request: HttpRequest, path: str) -> HttpResponseBase:
    return problem_response(
        404, f"{request.path!r} is not a fragment URL; fragment URLs look like <prefix>/<name>/?p=..."
    )
