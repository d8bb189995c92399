"""``Fragment``: a DRF view that serves one piece of per-user (or public) HTML."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.http import http_date, parse_etags, parse_http_date_safe, quote_etag
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from .conf import conf
from .policy import DOWNGRADED, CachePolicy
from .problem import problem_response
from .purity import per_user_state
from .signals import fragment_rendered
from .signing import BadSignedParams, ParamValue, unsign_params
from .timing import QueryCounter

logger = logging.getLogger("composekit")

# Set on the Django request while a fragment renders: the chain of (name, token) of
# the fragments being rendered, outermost first. Nested inline fragments read it.
STACK_ATTR = "composekit_stack"
# Set on an internal sub-request: errors propagate to the page instead of
# becoming a 500 response.
INLINE_ATTR = "composekit_inline"
# Set on a page request: names of the fragments rendered into it inline. A page
# holding any is per-user and must never be cached as a shell.
RENDERED_INLINE_ATTR = "composekit_rendered_inline"


class _SafeMethodSessionAuthentication(SessionAuthentication):
    """DRF's session authentication without its CSRF check, for fragments alone.

    Fragments answer GET and HEAD only (``initial()`` refuses any other method before
    authentication), and CSRF protects unsafe methods: DRF's check would pass every time,
    at a cost on every request.
    """

    def enforce_csrf(self, request: Request) -> None:
        return None


_NEGOTIATED = (JSONRenderer(), "application/json")


class BadParams(exceptions.ParseError):
    def __init__(self, error: BadSignedParams) -> None:
        super().__init__(str(error))
        self.reason = error.reason


class Fragment(APIView):
    """A piece of a page served by its own endpoint, with its own cache policy.

    Subclass it, set ``name`` and ``template_name`` (or override ``render``), fill
    ``get_context``, and decorate the class with ``@register``. Authentication,
    permission and throttle classes work as on any DRF view.
    """

    name: ClassVar[str] = ""
    template_name: ClassVar[str | None] = None
    cache: ClassVar[CachePolicy] = CachePolicy.private()

    http_method_names = ["get", "head"]  # noqa: RUF012 - DRF's own attribute
    renderer_classes: ClassVar[list[type[BaseRenderer]]] = [JSONRenderer]  # type: ignore[misc]

    params: dict[str, ParamValue]
    # Whether the class (or a Fragment base of its own) sets authentication_classes: found
    # once per class here, not on every request.
    _declares_authentication: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declares_authentication = declares(cls, "authentication_classes")

    _touched_before: set[str]

    # -- the API fragment authors fill in -------------------------------------

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        """The template context for these params. Runs only when the body is rendered."""
        return {}

    def get_etag(self, request: Request, **params: Any) -> str | None:
        """A cheap validator for the current content; a match answers 304 without rendering."""
        return None

    def get_last_modified(self, request: Request, **params: Any) -> datetime | None:
        """When the content last changed; answers 304 to a fresh ``If-Modified-Since``."""
        return None

    def render(self, request: Request, **params: Any) -> str:
        """The fragment's HTML. Override it to render without a template."""
        if not self.template_name:
            raise NotImplementedError(
                f"fragment {self.name!r} has no template_name; set one or override render()"
            )
        context = self.get_context(request, **params)
        return render_to_string(self.template_name, context, request=request._request)

    # -- DRF plumbing -----------------------------------------------------------

    def get_authenticators(self) -> list[Any]:
        # DRF's default SessionAuthentication reads the session, which would make a
        # public fragment per-user. A public fragment authenticates only when its
        # class asks for it explicitly.
        if self.cache.is_public and not self._declares_authentication:
            return []
        return [
            _SafeMethodSessionAuthentication() if type(a) is SessionAuthentication else a
            for a in super().get_authenticators()
        ]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The body is HTML or JSON by Accept (see get()); nothing here may 406.
        return _NEGOTIATED

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], HttpResponse | None]:
        return self._problem_for

    def _problem_for(self, exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound(str(exc) or None)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        assert isinstance(exc, exceptions.APIException)  # handle_exception passes no other
        extra: dict[str, Any] = {"fragment": self.name}
        if isinstance(exc, BadParams):
            extra["reason"] = exc.reason
        response = problem_response(exc.status_code, _flatten(exc.detail), **extra)
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        wait = getattr(exc, "wait", None)
        if wait:
            response["Retry-After"] = str(int(wait))
        return response

    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        if isinstance(exc, (exceptions.APIException, Http404, DjangoPermissionDenied)):
            return super().handle_exception(exc)
        if getattr(self.request._request, INLINE_ATTR, False):
            raise exc
        logger.error(
            "fragment %r raised %s",
            self.name,
            type(exc).__name__,
            exc_info=exc,
            extra={"fragment": self.name},
        )
        detail = "the fragment failed to render"
        extra: dict[str, Any] = {"fragment": self.name}
        if settings.DEBUG:
            detail = f"{type(exc).__name__}: {exc}"
            extra["exception"] = type(exc).__qualname__
        return problem_response(500, detail, **extra)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # DRF checks the method only after authenticating, so a browser's POST would get a
        # "CSRF Failed" 403 from SessionAuthentication instead of the contract's 405.
        if (request.method or "").lower() not in self.http_method_names:
            self.http_method_not_allowed(request)
        super().initial(request, *args, **kwargs)
        token = request.query_params.get("p")
        try:
            self.params = unsign_params(self.name, token)
        except BadSignedParams as error:
            raise BadParams(error) from None
        django_request = request._request
        stack = getattr(django_request, STACK_ATTR, ())
        setattr(django_request, STACK_ATTR, (*stack, (self.name, token)))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # What was touched before this fragment ran is not its doing: an inline
        # sub-request shares the page's session and META, which fragments rendered
        # earlier on the page may have touched.
        self._touched_before = set(per_user_state(request)) if self.cache.is_public else set()
        queries = QueryCounter()
        start = time.perf_counter()
        with queries:
            response = super().dispatch(request, *args, **kwargs)
        duration = time.perf_counter() - start
        if conf.SERVER_TIMING:
            response["Server-Timing"] = (
                f"render;dur={duration * 1000:.1f}, "
                f'db;dur={queries.time * 1000:.1f};desc="{queries.count} queries"'
            )
        fragment_rendered.send(
            sender=type(self),
            name=self.name,
            duration=duration,
            queries=queries.count,
            db_time=queries.time,
            status=response.status_code,
            inline=bool(getattr(request, INLINE_ATTR, False)),
        )
        return response

    # -- GET -------------------------------------------------------------------

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        as_json = wants_json(request._request.META.get("HTTP_ACCEPT", ""))
        validator = self.get_etag(request, **self.params)
        etag = None if validator is None else self._etag(request, validator, as_json)
        last_modified = self.get_last_modified(request, **self.params)
        if _not_modified(request._request, etag, last_modified):
            response = HttpResponse(status=304)
        else:
            html = self.render(request, **self.params)
            if as_json:
                response = HttpResponse(
                    json.dumps({"name": self.name, "html": html}), content_type="application/json"
                )
            else:
                response = HttpResponse(html, content_type="text/html; charset=utf-8")
            if etag is None:
                # No cheap validator: the body's hash still saves the transfer.
                etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
                if _not_modified(request._request, etag, None):
                    response = HttpResponse(status=304)
        policy = self.cache
        if policy.is_public:
            touched = [t for t in per_user_state(request._request, response) if t not in self._touched_before]
            if touched:
                logger.warning(
                    "public fragment %r touched %s; sent as private. Make it private or "
                    "stop reading per-user state in it.",
                    self.name,
                    ", ".join(touched),
                    extra={"fragment": self.name},
                )
                policy = DOWNGRADED
        for header, value in policy.headers().items():
            response[header] = value
        if etag is not None:  # None only on a 304 decided by Last-Modified alone
            response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        return response

    def _etag(self, request: Request, validator: str, as_json: bool) -> str:
        parts = [self.name, request.query_params.get("p", ""), validator, "json" if as_json else "html"]
        if not self.cache.is_public:
            # Two users of one browser must never get each other's 304: a private
            # validator is bound to who is asking.
            django_request = request._request
            session = getattr(django_request, "session", None)
            parts += [str(request.user.pk), str(getattr(session, "session_key", ""))]
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
        return quote_etag(digest)


_JSON_RANGES = frozenset({"application/json", "application/*", "*/*"})
_HTML_RANGES = frozenset({"text/html", "text/*", "*/*"})


def wants_json(accept: str) -> bool:
    """Whether an ``Accept`` header takes JSON and not HTML (then the endpoint answers JSON).

    A lean reading of the header: Django's ``request.accepts()`` builds every header and
    media type object, several times the cost of the rest of a 304. A range with ``q=0``
    is refused, as in RFC 9110; no header means ``*/*``, so HTML.
    """
    ranges = set()
    for item in (accept or "*/*").lower().split(","):
        media, *params = item.split(";")
        if not any(p.strip().replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            ranges.add(media.strip())
    return bool(ranges & _JSON_RANGES) and not ranges & _HTML_RANGES


def _not_modified(request: HttpRequest, etag: str | None, last_modified: datetime | None) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if etag is None:
            return False
        wanted = parse_etags(if_none_match)
        return "*" in wanted or _weak(etag) in {_weak(e) for e in wanted}
    since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if since is not None and last_modified is not None:
        since_ts = parse_http_date_safe(since)
        return since_ts is not None and int(last_modified.timestamp()) <= since_ts
    return False


def _weak(etag: str) -> str:
    return etag.removeprefix("W/")


def declares(cls: type, attribute: str) -> bool:
    """Whether ``cls`` or a Fragment subclass it inherits from sets ``attribute`` itself."""
    return any(
        attribute in klass.__dict__
        for klass in cls.__mro__
        if issubclass(klass, Fragment) and klass is not Fragment
    )


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in detail.items())
    if isinstance(detail, list):
        return "; ".join(_flatten(v) for v in detail)
    return str(detail)
