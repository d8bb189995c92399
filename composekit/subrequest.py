"""Inline mode's sub-request: a real request for a fragment URL, made from the page's.

It is built as Django builds any request it receives: a new environ (the page's, less what
describes the page's own request: its method, path, body, conditional and range headers;
``Accept`` is ``text/html``), parsed anew, so nothing the page read or cached
(``request.headers``, ``GET``, the body) reaches the fragment. What it shares with the page
is a list: ``CARRIED`` attributes (the user, the session, the messages storage, the parsed
cookies), the CSRF state in ``META`` (carried back afterwards, so a token the fragment asked
for reaches the page's cookie), and the names in ``COMPOSEKIT_INLINE_CARRY``.

``run()`` then does what the handler does for the endpoint, minus what the page does
itself: ``resolver_match`` from resolving the fragment URL, every ``MIDDLEWARE``'s
``process_view()`` (so ``LoginRequiredMiddleware`` refuses a fragment inline as it would a
fetch), then the URL's view. Nothing else of the middleware runs: ``process_request`` work
(session, user, CSRF cookie) is what the carried attributes already are, and the page's own
response passes through ``process_response``. See docs/architecture.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from asgiref.sync import async_to_sync, iscoroutinefunction
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.wsgi import WSGIRequest
from django.db import connections, transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import get_script_prefix, resolve
from django.utils.module_loading import import_string

from .conf import conf
from .deprecation import moved
from .requeststate import Chain, mark_sub_request

__all__ = ["CARRIED", "CSRF_STATE", "build", "carry_back", "run"]

# Attributes of the page request the sub-request shares (when the page has them).
CARRIED = ("user", "auser", "session", "_messages", "COOKIES")
# Where CsrfViewMiddleware and get_token() keep the CSRF state: carried in and back.
CSRF_STATE = ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE", "CSRF_COOKIE_USED")
# What in the page's environ is about the page's own request, not about the fragment's.
_PAGE_ONLY = frozenset(
    {
        "CONTENT_LENGTH",
        "CONTENT_TYPE",
        "HTTP_IF_MATCH",
        "HTTP_IF_MODIFIED_SINCE",
        "HTTP_IF_NONE_MATCH",
        "HTTP_IF_RANGE",
        "HTTP_IF_UNMODIFIED_SINCE",
        "HTTP_RANGE",
        "REDIRECT_URL",  # Apache's: Django would derive the script name from the page's URL
        "SCRIPT_URL",
        "wsgi.input",
    }
)
# Where the request state this module used to keep is read now (requeststate.py).
__getattr__ = moved(
    __name__,
    {
        "chain": "composekit.requeststate.chain",
        "enter": "composekit.requeststate.enter",
        "is_batch_part": "composekit.requeststate.is_batch_part",
        "is_sub_request": "composekit.requeststate.is_inline",
    },
)


def build(
    page: HttpRequest,
    url: str,
    chain: Chain,
    *,
    batch: bool = False,
    headers: Mapping[str, str] | None = None,
) -> WSGIRequest:
    """A GET of ``url`` (a fragment URL, as ``reverse()`` made it) for ``page``.

    By default the fragment renders into ``page`` (inline mode: its errors propagate to the
    page). With ``batch`` it is a part of the batch request ``page`` (``batch.py``): it
    answers on its own, its errors its own 500. ``headers`` (``{"If-None-Match": ...}``) are
    the sub-request's own, added to the page's.
    """
    path = urlsplit(url)  # with COMPOSEKIT_FRAGMENT_ORIGIN, the URL is absolute; render here
    prefix = get_script_prefix()
    path_info = "/" + path.path[len(prefix) :] if path.path.startswith(prefix) else path.path
    environ: dict[str, Any] = {k: v for k, v in page.META.items() if k not in _PAGE_ONLY}
    environ.update(
        {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": prefix.rstrip("/"),
            # WSGI's PATH_INFO is the unquoted path, its bytes read as latin-1 (PEP 3333).
            "PATH_INFO": unquote_to_bytes(path_info).decode("iso-8859-1"),
            "QUERY_STRING": path.query,
            "HTTP_ACCEPT": "text/html",
            "wsgi.input": io.BytesIO(),
        }
    )
    for header, value in (headers or {}).items():
        environ["HTTP_" + header.upper().replace("-", "_")] = value
    environ.setdefault("wsgi.url_scheme", page.scheme)  # an ASGI page's META has no WSGI scheme
    sub = WSGIRequest(environ)
    for attr in (*CARRIED, *conf.INLINE_CARRY):
        if hasattr(page, attr):
            setattr(sub, attr, getattr(page, attr))
    mark_sub_request(sub, chain, batch=batch)
    return sub


def run(sub: HttpRequest) -> HttpResponseBase:
    """Resolve ``sub``, apply the middleware's ``process_view()``, then call the view, in a
    savepoint of each transaction the page holds open (see ``_isolated()``)."""
    match = resolve(sub.path_info)
    sub.resolver_match = match
    for process_view in _view_middleware(tuple(settings.MIDDLEWARE)):
        refused = process_view(sub, match.func, match.args, match.kwargs)
        if refused is not None:
            return refused
    with _isolated() as open_transactions:
        response: HttpResponseBase = match.func(sub, *match.args, **match.kwargs)
        if response.status_code >= 500:
            for alias in open_transactions:
                transaction.set_rollback(True, using=alias)
    return response


@contextmanager
def _isolated() -> Iterator[list[str]]:
    """A savepoint in each database transaction open around the sub-request (the page's
    ``ATOMIC_REQUESTS``, or its own ``atomic()``); yields their aliases.

    A fragment whose query failed left its transaction unusable: Django marks it for
    rollback (a failed ``save()``), PostgreSQL aborts it (any failed query). Without a
    savepoint every query after it, the page's and the other fragments', would fail too. A
    fragment that raised (inline) or answered 5xx (a batch part) rolls back to its savepoint
    instead; what the others do goes on. Outside a transaction (autocommit, Django's default)
    nothing is added.
    """
    aliases = [db.alias for db in connections.all(initialized_only=True) if db.in_atomic_block]
    with ExitStack() as stack:
        for alias in aliases:
            stack.enter_context(transaction.atomic(using=alias))
        yield aliases


def carry_back(sub: HttpRequest, page: HttpRequest) -> None:
    """Give ``page`` the CSRF state the fragment left (a token it asked for needs the cookie)."""
    for key in CSRF_STATE:
        if key in sub.META and page.META.get(key) != sub.META[key]:
            page.META[key] = sub.META[key]


ProcessView = Callable[..., HttpResponseBase | None]
_view_middleware_cache: dict[tuple[str, ...], list[ProcessView]] = {}


def _view_middleware(middleware: tuple[str, ...]) -> list[ProcessView]:
    """The ``process_view()`` of each middleware, in order, from instances of our own.

    The handler's instances are out of reach from a request, so each class that has a
    ``process_view()`` is instantiated once more (per ``MIDDLEWARE`` value), as Django does,
    with a ``get_response`` never called here. Others (WhiteNoise, say) are not touched.
    """
    methods = _view_middleware_cache.get(middleware)
    if methods is None:
        methods = []
        for path in middleware:
            factory = import_string(path)
            if not hasattr(factory, "process_view"):
                continue
            try:
                instance = factory(_never_called)
            except MiddlewareNotUsed:
                continue
            method = instance.process_view
            methods.append(async_to_sync(method) if iscoroutinefunction(method) else method)
        _view_middleware_cache[middleware] = methods
    return methods


def _never_called(request: HttpRequest) -> HttpResponseBase:  # pragma: no cover - never called
    raise AssertionError("composekit only calls process_view() on these middleware instances")
