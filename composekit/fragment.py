"""``Fragment``: a DRF view that serves one piece of per-user (or public) HTML.

The class is what fragment authors subclass; the HTTP details live in their own modules:
``accept.py`` (HTML or JSON), ``conditional.py`` (ETags, 304), ``problem.py`` (errors),
``authentication.py`` (DRF's session authentication for GET-only views).
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.http import http_date
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from . import persession, requeststate, tags
from .accept import wants_json
from .arguments import Takes, misfit, takes
from .authentication import SafeMethodSessionAuthentication
from .conditional import body_etag, digest_etag, is_conditional, not_modified
from .conf import conf
from .policy import DOWNGRADED, CachePolicy
from .problem import BadParams, problem_for, server_error
from .purity import per_user_state
from .servercache import HIT, Lookup, ServerCache
from .signing import BadSignedParams, ParamValue, unsign_params
from .timing import RenderMeasure
from .versions import Dependency, label

__all__ = ["Fragment", "argument_names", "declares"]

logger = logging.getLogger("composekit")

_NEGOTIATED = (JSONRenderer(), "application/json")
# The methods that receive the params as keyword arguments, after ``self`` and the request.
PARAM_METHODS = ("get_context", "get_etag", "get_last_modified", "render", "get_dependencies")


class Fragment(APIView):
    """A piece of a page served by its own endpoint, with its own cache policy.

    Subclass it, set ``name`` and ``template_name`` (or override ``render``), fill
    ``get_context``, and decorate the class with ``@register``. Authentication,
    permission and throttle classes work as on any DRF view.
    """

    name: ClassVar[str] = ""
    template_name: ClassVar[str | None] = None
    cache: ClassVar[CachePolicy] = CachePolicy.private()
    # Whether the loader may fetch it in one request with the page's other private
    # fragments. False for one slow enough to hold them back: it is then fetched alone.
    batch: ClassVar[bool] = True
    # Events (on document) that make the fragment refresh, e.g. ("cart:changed",), and how
    # often to revalidate it ("30s"): composekit-live. The tag may override both per place.
    refresh_on: ClassVar[tuple[str, ...]] = ()
    refresh_every: ClassVar[str | None] = None
    # Keep the rendered HTML on the server too (servercache.py); None: render every time.
    server_cache: ClassVar[ServerCache | None] = None

    http_method_names = ["get", "head"]  # noqa: RUF012 - DRF's own attribute
    renderer_classes: ClassVar[list[type[BaseRenderer]]] = [JSONRenderer]  # type: ignore[misc]

    params: dict[str, ParamValue]
    # Found once per class, not on every request: whether the class (or a Fragment base of
    # its own) sets authentication_classes, and the names its methods take before the params.
    _declares_authentication: ClassVar[bool] = False
    _argument_names: ClassVar[dict[str, str]] = {}
    _takes: ClassVar[tuple[Takes, ...]] = ()  # what its methods take of the params, if not all

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declares_authentication = declares(cls, "authentication_classes")
        cls._argument_names = argument_names(cls)
        cls._takes = takes(cls, PARAM_METHODS)

    _touched_before: frozenset[str]
    _cache_status: str | None = None  # what the server cache did for this response
    _loaded_etag: str | None = None  # what the render said get_etag() would return

    # -- the API fragment authors fill in -------------------------------------

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        """The template context for these params. Runs only when the body is rendered."""
        return {}

    def get_etag(self, request: Request, **params: Any) -> str | None:
        """A cheap validator for the current content; a match answers 304 without rendering."""
        return None

    def get_dependencies(self, request: Request, **params: Any) -> Iterable[Dependency]:
        """What the HTML depends on besides the params (and, if private, who asks), for the
        server cache: names (``"products"``) or tuples (``("product", 7)``) that
        ``composekit.expire()`` moves. Declared, they make the ETag too: no ``get_etag()`` call."""
        return ()

    def etag_loaded(self, validator: str) -> None:
        """Say, while rendering, the validator ``get_etag()`` would return, from what the render
        loaded anyway: a request that asked nothing conditional then skips ``get_etag()`` (and
        the query it makes). It must be exactly what ``get_etag()`` returns for this request,
        or the next conditional request misses its 304."""
        self._loaded_etag = validator

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
            SafeMethodSessionAuthentication() if type(a) is SessionAuthentication else a
            for a in super().get_authenticators()
        ]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The body is HTML or JSON by Accept (see get()); nothing here may 406.
        return _NEGOTIATED

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], HttpResponse | None]:
        return lambda exc, context: problem_for(exc, self.name)

    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        if isinstance(exc, (exceptions.APIException, Http404, DjangoPermissionDenied)):
            return super().handle_exception(exc)
        if requeststate.is_inline(self.request._request):
            raise exc  # inline: the page decides (an error page under DEBUG, else the fallback)
        logger.error(
            "fragment %r raised %s",
            self.name,
            type(exc).__name__,
            exc_info=exc,
            extra={"fragment": self.name},
        )
        return server_error(exc, self.name)

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
            raise BadParams.from_error(error) from None
        unfit = misfit(type(self), self.params)
        if unfit is not None:
            raise BadParams(unfit.reason, unfit.detail, unfit.param)
        requeststate.enter(request._request, self.name, token or "")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # What was touched before this fragment ran is not its doing: an inline
        # sub-request shares the page's session, which fragments rendered earlier on the
        # page may have touched.
        self._touched_before = (
            requeststate.touched_before_fragment(request) if self.cache.is_public else frozenset()
        )
        self._cache_status = None
        with RenderMeasure() as measure:
            response = super().dispatch(request, *args, **kwargs)
        if conf.SERVER_TIMING:
            queries = measure.queries
            response["Server-Timing"] = (
                f"render;dur={measure.duration * 1000:.1f}, "
                f'db;dur={queries.time * 1000:.1f};desc="{queries.count} queries"'
            ) + (f", cache;desc={self._cache_status}" if self._cache_status else "")
        measure.send(
            type(self),
            self.name,
            request,
            status=response.status_code,
            response=response,
            cache=self._cache_status,
        )
        return response

    # -- GET -------------------------------------------------------------------

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        django_request = request._request
        as_json = wants_json(django_request.META.get("HTTP_ACCEPT", ""))
        lookup = None if self.server_cache is None else Lookup(self, request, self.server_cache)
        validator = lookup.validator if lookup is not None else None
        # Asked nothing conditional, nothing can answer 304: the fragment's own validator is
        # taken after the render, which may have said it already (etag_loaded()), saving the
        # query get_etag() would make. Either way the ETag is the one get_etag() gives later.
        conditional = is_conditional(django_request)
        if validator is None and conditional:
            validator = self.get_etag(request, **self.params)
        etag = None if validator is None else self._etag(request, validator, as_json)
        last_modified = self.get_last_modified(request, **self.params)
        if conditional and not_modified(django_request, etag, last_modified):
            response = HttpResponse(status=304)
            if lookup is not None and lookup.status is None:
                lookup.status = HIT  # answered from the versions, without reading the HTML
        else:
            self._loaded_etag = None
            html = self._html(request, lookup)
            if as_json:
                response = HttpResponse(
                    json.dumps({"name": self.name, "html": html}), content_type="application/json"
                )
            else:
                response = HttpResponse(html, content_type="text/html; charset=utf-8")
            if etag is None and not conditional:
                validator = self._loaded_etag
                if validator is None:
                    validator = self.get_etag(request, **self.params)
                if validator is not None:
                    etag = self._etag(request, validator, as_json)
            if etag is None:
                etag = body_etag(response.content)
                if not_modified(django_request, etag, None):
                    response = HttpResponse(status=304)
        policy = self._policy(django_request, response)
        if policy.is_public:
            policy = self._tag(request, response, policy, lookup)
        elif policy.per_session is not None:
            persession.mark(self, request, response, lookup)
        for header, value in policy.headers().items():
            response[header] = value
        if etag is not None:  # None only on a 304 decided by Last-Modified alone
            response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        if lookup is not None:
            lookup.finish(response)
            self._cache_status = lookup.status
        return response

    def _html(self, request: Request, lookup: Lookup | None) -> str:
        """The body's HTML: rendered, or through the server cache when the fragment has one."""

        def render() -> str:
            return self.render(request, **self.params)

        return render() if lookup is None else lookup.html(render)

    def _policy(self, request: HttpRequest, response: HttpResponse) -> CachePolicy:
        """The fragment's policy, or private if a public fragment touched per-user state."""
        if not self.cache.is_public:
            return self.cache
        touched = [t for t in per_user_state(request, response) if t not in self._touched_before]
        if not touched:
            return self.cache
        logger.warning(
            "public fragment %r touched %s; sent as private. Make it private or "
            "stop reading per-user state in it.",
            self.name,
            ", ".join(touched),
            extra={"fragment": self.name},
        )
        return DOWNGRADED

    def _tag(
        self, request: Request, response: HttpResponse, policy: CachePolicy, lookup: Lookup | None
    ) -> CachePolicy:
        """Tag a shareable response with what it depends on (tags.py); the policy to send: kept
        until purged if it asks for that and purges are sent."""
        if not tags.header_specs():
            return policy  # no tags wanted: get_dependencies() is not even asked
        labels = lookup.labels if lookup is not None else self.dependency_labels(request)
        if tags.write(response, labels, f"fragment {self.name!r}") and tags.purging():
            return policy.until_purged(conf.PURGED_MAX_AGE)
        return policy

    def dependency_labels(self, request: Request) -> list[str]:
        """The labels of ``get_dependencies()`` for this request's params (``versions.label()``)."""
        dependencies = self.get_dependencies(request, **self.params)
        try:
            return [label(d) for d in dependencies]
        except ValueError as error:
            raise ValueError(f"fragment {self.name!r}: get_dependencies(): {error}") from None

    def _etag(self, request: Request, validator: str, as_json: bool) -> str:
        parts = [self.name, request.query_params.get("p", ""), validator, "json" if as_json else "html"]
        if not self.cache.is_public:
            # Two users of one browser must never get each other's 304: a private
            # validator is bound to who is asking.
            session = getattr(request._request, "session", None)
            parts += [str(request.user.pk), str(getattr(session, "session_key", ""))]
        return digest_etag(parts)


def declares(cls: type, attribute: str) -> bool:
    """Whether ``cls`` or a Fragment subclass it inherits from sets ``attribute`` itself."""
    return any(
        attribute in klass.__dict__
        for klass in cls.__mro__
        if issubclass(klass, Fragment) and klass is not Fragment
    )


def argument_names(cls: type[Fragment]) -> dict[str, str]:
    """Names no param may have: each argument ``PARAM_METHODS`` take before the params
    (``self``, ``request``), mapped to the first method that takes it.

    The params are passed as keyword arguments after them, so a param of the same name
    would be a second value for it: a ``TypeError`` on every request.
    """
    names: dict[str, str] = {}
    for method in PARAM_METHODS:
        positional = [
            p
            for p in inspect.signature(getattr(cls, method)).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        for parameter in positional[:2]:  # self and the request; the rest are params
            if parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
                names.setdefault(parameter.name, method)
    return names


Fragment._argument_names = argument_names(Fragment)
