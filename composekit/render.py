"""Render a placeholder, or (inline mode) the fragment itself, for a template tag.

These are plain functions so any template engine's glue can call them. Inline mode
runs the SAME fragment view as the HTTP endpoint, through an internal sub-request
that carries the page request's user, session, cookies and headers.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template import TemplateSyntaxError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from . import registry
from .conf import conf
from .fragment import INLINE_ATTR, RENDERED_INLINE_ATTR, STACK_ATTR
from .html import html_attrs
from .signing import ParamError, sign_params
from .views import view_for

logger = logging.getLogger("composekit")

LOADING_VALUES = ("eager", "lazy")
# Conditional and body headers of the page request mean nothing to a fragment.
_DROPPED_META = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "CONTENT_LENGTH", "CONTENT_TYPE")


class FragmentError(TemplateSyntaxError):
    """A ``{% fragment %}`` tag that cannot be rendered; the message says why and what to do."""

    def __init__(self, name: object, message: str) -> None:
        super().__init__(f'{{% fragment "{name}" %}}: {message}')


class InlineRenderError(Exception):
    """Inline rendering answered something other than 200 (e.g. 403 for this user)."""


def render_fragment(
    request: HttpRequest | None,
    name: str,
    params: Mapping[str, object],
    *,
    fallback: str = "",
    loading: str | None = None,
    timeout: object = None,
) -> SafeString:
    """The markup for one fragment: a placeholder (client mode) or its rendered HTML (inline)."""
    if not isinstance(name, str) or registry.get(name) is None:
        raise FragmentError(
            name,
            "no fragment is registered under this name; check the spelling, that the "
            "class has @register, and that its app's fragments.py is in an installed app",
        )
    if loading is not None and loading not in LOADING_VALUES:
        raise FragmentError(name, f'loading must be "eager" or "lazy", not {loading!r}')
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0):
        raise FragmentError(name, f"timeout must be a whole number of milliseconds > 0, not {timeout!r}")
    try:
        token = sign_params(name, params)
    except ParamError as error:
        raise FragmentError(name, str(error)) from None
    src = _url(name, token)
    attrs = {"name": name, "src": src, "loading": loading, "timeout": timeout}

    if conf.MODE == "inline":
        if request is None:
            raise FragmentError(
                name,
                "inline mode needs the request: render the template "
                "with render(request, ...) or a RequestContext",
            )
        try:
            html = render_inline(request, name, token, src)
        except InlineRenderError as error:
            logger.info("fragment %r not rendered inline: %s", name, error, extra={"fragment": name})
        except Exception as error:
            if settings.DEBUG:
                raise
            logger.error(
                "fragment %r failed to render inline; its fallback was shown",
                name,
                exc_info=error,
                extra={"fragment": name},
            )
        else:
            rendered = getattr(request, RENDERED_INLINE_ATTR, None)
            if rendered is None:
                rendered = []
                setattr(request, RENDERED_INLINE_ATTR, rendered)
            rendered.append(name)
            return _element({**attrs, "state": "loaded"}, html)
    return _element(attrs, fallback)


def fragment_url(name: str, params: Mapping[str, object] | None = None) -> str:
    """The endpoint URL of fragment ``name`` with these params, signed."""
    return _url(name, sign_params(name, params or {}))


def _url(name: str, token: str) -> str:
    path = reverse("composekit:fragment", args=[name]) + "?" + urlencode({"p": token}, safe=":")
    return (conf.FRAGMENT_ORIGIN or "") + path


def render_inline(request: HttpRequest, name: str, token: str, src: str) -> str:
    """Run fragment ``name`` as a sub-request of ``request``; return its HTML."""
    stack = getattr(request, STACK_ATTR, ())
    chain = " > ".join(n for n, _ in (*stack, (name, token)))
    if (name, token) in stack:
        raise FragmentError(name, f"the fragment includes itself with the same params ({chain})")
    if len(stack) >= conf.MAX_DEPTH:
        raise FragmentError(
            name, f"fragments nest deeper than COMPOSEKIT_MAX_DEPTH ({conf.MAX_DEPTH}): {chain}"
        )
    cls = registry.get(name)
    assert cls is not None  # checked by the caller
    sub = _sub_request(request, src, stack)
    response = view_for(cls)(sub)
    # A token the fragment asked for must reach the page's CSRF cookie.
    for key in ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE"):
        if key in sub.META:
            request.META[key] = sub.META[key]
    if response.status_code != 200:
        raise InlineRenderError(f"the fragment answered {response.status_code}")
    assert isinstance(response, HttpResponse)  # fragments answer 200 with a plain body
    return response.content.decode(response.charset)


def _sub_request(request: HttpRequest, src: str, stack: tuple[tuple[str, str], ...]) -> HttpRequest:
    # A shallow copy keeps everything middleware attached (user, session, cookies,
    # messages, tenant, ...) shared with the page; only what makes it a GET of the
    # fragment URL is replaced.
    parts = urlsplit(src)  # with COMPOSEKIT_FRAGMENT_ORIGIN, src is absolute
    path, query = parts.path, parts.query
    sub = copy.copy(request)
    meta = {k: v for k, v in request.META.items() if k not in _DROPPED_META}
    meta.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING=query, HTTP_ACCEPT="text/html")
    sub.META = meta
    if hasattr(sub, "environ"):
        sub.environ = meta
    sub.method = "GET"
    sub.path = sub.path_info = path
    sub.GET = QueryDict(query)
    sub.POST = QueryDict()
    for attr in ("resolver_match", "_post", "_files"):
        sub.__dict__.pop(attr, None)
    setattr(sub, STACK_ATTR, stack)
    setattr(sub, INLINE_ATTR, True)
    return sub


def _element(attrs: Mapping[str, object], content: str) -> SafeString:
    return format_html("<ck-fragment{}>{}</ck-fragment>", html_attrs(attrs), mark_safe(content))
