"""Templates rendered and page requests made as a page view would, for the tests of the tags."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIRequest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory


def render(source: str, request: Any = None, **context: Any) -> str:
    """``source`` after ``{% load composekit %}``: with the request's context if there is one."""
    template = Template("{% load composekit %}" + source)
    if request is None:
        return template.render(Context(context))
    return template.render(RequestContext(request, context))


def page_request(
    rf: RequestFactory, path: str = "/page/", *, user: Any = None, session: Any = None, **headers: str
) -> WSGIRequest:
    """A GET of a page as the middleware leaves it: anonymous unless ``user`` is given, with an
    empty session unless ``session`` is, and ``headers`` (``accept_language="fr"``)."""
    request = rf.get(path, headers=headers)
    request.user = user or AnonymousUser()
    request.session = {} if session is None else session
    return request
