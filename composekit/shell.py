"""Cacheable page shells: ``@cacheable_shell``, ``CacheableShellMixin`` and their purity guard.

A shell is a page identical for every visitor, so shared caches may keep it. The guard
watches the view while it runs (and renders, for a ``TemplateResponse``): if it read the
session or ``request.user``, used the CSRF token or messages, set a cookie or sent
``Vary: Cookie``, the page is per-user. Under ``DEBUG`` that raises ``ImpureShellError``,
naming what was touched and where (template and tag, or line of code; see ``watch.py``);
otherwise the response is sent ``private, no-cache`` and a warning is logged on
``composekit.shell``. A page holding inline-rendered fragments (inline mode, the default
under ``DEBUG``) is per-user by design: it is quietly sent ``private, no-cache``. Views and
the middleware work sync and async alike. See docs/shells.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.views import View

from . import tags
from .conf import conf
from .inline import fragments_in
from .middleware import ResponseMiddleware
from .policy import DOWNGRADED, CachePolicy
from .purity import per_user_state
from .versions import Dependency, label
from .watch import Watch, watch_request

__all__ = [
    "REASON_HEADER",
    "CacheableShellMixin",
    "ImpureShellError",
    "Shell",
    "ShellGuardMiddleware",
    "cacheable_shell",
    "declared_shells",
    "depends_on",
    "not_cached",
    "serve_shell",
    "shareable",
    "shell_cache_control",
]

logger = logging.getLogger("composekit.shell")

# Says why a shell was sent uncacheable; only the kinds of state, never values or places.
REASON_HEADER = "X-Composekit-Shell"
NOT_CACHED = DOWNGRADED.cache_control()  # "private, no-cache"
_SAFE_METHODS = ("GET", "HEAD")
_CC_DELIM = re.compile(r"\s*,\s*")
_OPTIONS = ("max_age", "s_maxage", "stale_while_revalidate", "stale_if_error", "keep_until_purged")
_GATHERED_ATTR = "_composekit_depends_on"
_DECLARED: dict[str, Shell] = {}  # every shell declared so far, by name: for checks.py

V = TypeVar("V", bound=Callable[..., Any])


class ImpureShellError(ImproperlyConfigured):
    """A shell touched per-user state (raised under ``DEBUG``; Django shows it as its error page)."""

    def __init__(self, view: str, touched: list[tuple[str, str]]) -> None:
        lines = "".join(f"\n- {what}: {where}" for what, where in touched)
        super().__init__(
            f"The shell {view} touched per-user state, so it cannot be cached for everyone:{lines}\n"
            "Move what depends on the visitor into a fragment ({% fragment %}...{% endfragment %}), "
            "or remove @cacheable_shell / CacheableShellMixin from the view."
        )
        self.view = view
        self.touched = touched


@dataclass(frozen=True)
class Shell:
    """What ``@cacheable_shell`` (or the mixin) says of a view: its name (for messages), how
    shared caches may keep it, and what it depends on (a list, or a callable taking the
    view's request and arguments), besides what it declares while rendering (``depends_on()``)."""

    name: str
    policy: CachePolicy
    dependencies: Iterable[Dependency] | Callable[..., Iterable[Dependency]] = ()

    def labels(self, request: HttpRequest, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
        declared = (
            self.dependencies(request, *args, **kwargs) if callable(self.dependencies) else self.dependencies
        )
        try:
            labels = [label(d) for d in declared]
        except ValueError as error:
            raise ValueError(f"shell {self.name}: depends_on: {error}") from None
        return labels + getattr(request, _GATHERED_ATTR, [])


def shell_policy(
    max_age: Any,
    s_maxage: Any = None,
    stale_while_revalidate: Any = None,
    stale_if_error: Any = None,
    keep_until_purged: Any = False,
) -> CachePolicy:
    """The policy of a shell with these options; ``ValueError`` names a bad one."""
    try:
        return CachePolicy.public(
            max_age=max_age,
            s_maxage=s_maxage,
            stale_while_revalidate=stale_while_revalidate,
            stale_if_error=stale_if_error,
            keep_until_purged=keep_until_purged,
        )
    except ValueError as error:
        raise ValueError(f"cacheable shell: {error}") from None


def shell_cache_control(
    max_age: Any,
    s_maxage: Any = None,
    stale_while_revalidate: Any = None,
    stale_if_error: Any = None,
) -> str:
    """The ``Cache-Control`` of a shell with these options; ``ValueError`` names a bad one."""
    return shell_policy(max_age, s_maxage, stale_while_revalidate, stale_if_error).cache_control()


def depends_on(request: HttpRequest, name: str, *ids: str | int) -> None:
    """Say, while a shell renders, that it depends on ``name`` (with ``ids``): its shared copies
    are tagged with it, and ``expire(name, *ids)`` purges them. ``{% depends_on %}`` in templates.

        depends_on(request, "product", product.sku)
    """
    dependency_label = label((name, *ids))  # a ValueError names what is wrong, now
    gathered: list[str] = request.__dict__.setdefault(_GATHERED_ATTR, [])
    gathered.append(dependency_label)


def cacheable_shell(
    max_age: int,
    *,
    s_maxage: int | None = None,
    stale_while_revalidate: int | None = None,
    stale_if_error: int | None = None,
    keep_until_purged: bool = False,
    depends_on: Iterable[Dependency] | Callable[..., Iterable[Dependency]] = (),
) -> Callable[[V], V]:
    """Decorate a function view (sync or async) whose page is the same for every visitor.

    ``@cacheable_shell(max_age=0, s_maxage=300)`` lets browsers revalidate and shared caches
    keep the page for five minutes. ``depends_on``: what the page shows, as ``expire()``
    names it (``["products"]``, or a callable taking the request and the view's arguments);
    shared copies are tagged with it, and with ``keep_until_purged=True`` and a purge backend
    configured they are kept until it changes. See docs/caching.md.
    """
    if callable(max_age):
        raise TypeError("@cacheable_shell takes options: write @cacheable_shell(max_age=60)")
    policy = shell_policy(max_age, s_maxage, stale_while_revalidate, stale_if_error, keep_until_purged)
    if not callable(depends_on):
        depends_on = tuple(depends_on)
        for dependency in depends_on:
            label(dependency)  # a bad one fails at import, not on the first request

    def decorator(view: V) -> V:
        shell = _DECLARED[_name(view)] = Shell(_name(view), policy, depends_on)
        if iscoroutinefunction(view):

            @wraps(view)
            async def async_shell_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
                return await aserve_shell(
                    request, lambda: view(request, *args, **kwargs), shell, args, kwargs
                )

            return async_shell_view  # type: ignore[return-value]

        @wraps(view)
        def shell_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return serve_shell(request, lambda: view(request, *args, **kwargs), shell, args, kwargs)

        return shell_view  # type: ignore[return-value]

    return decorator


class CacheableShellMixin(View):
    """The class-based form of ``@cacheable_shell``: put it first among the bases."""

    max_age: int | None = None
    s_maxage: int | None = None
    stale_while_revalidate: int | None = None
    stale_if_error: int | None = None
    keep_until_purged: bool = False

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        # Validate when the URLconf loads, not on the first request.
        policy = shell_policy(*(initkwargs.get(n, getattr(cls, n)) for n in _OPTIONS))
        _DECLARED[_name(cls)] = Shell(_name(cls), policy)
        return super().as_view(**initkwargs)

    def get_dependencies(self) -> Iterable[Dependency]:
        """What the page shows, as ``expire()`` names it (``self.kwargs`` holds the URL's)."""
        return ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        shell = Shell(
            _name(type(self)),
            shell_policy(*(getattr(self, n) for n in _OPTIONS)),
            lambda *_, **__: self.get_dependencies(),
        )
        view: Callable[[], Any] = lambda: super(CacheableShellMixin, self).dispatch(request, *args, **kwargs)  # noqa: E731
        if self.view_is_async:  # every handler is async: dispatch returns a coroutine
            return aserve_shell(request, view, shell, args, kwargs)
        return serve_shell(request, view, shell, args, kwargs)


def serve_shell(
    request: HttpRequest,
    view: Callable[[], HttpResponseBase],
    shell: Shell,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """Run ``view`` under the guard; send ``shell``'s policy if the page is the same for everyone."""
    if request.method not in _SAFE_METHODS:
        return view()
    with watch_request(request, stop_at=serve_shell.__code__) as watch:
        response = view()
        if isinstance(response, SimpleTemplateResponse):
            # Render now, while the guard watches; middleware's process_template_response
            # then sees a rendered response (see docs/shells.md).
            response.render()
    return _judge(request, response, watch, shell, args, kwargs or {})


async def aserve_shell(
    request: HttpRequest,
    view: Callable[[], Awaitable[HttpResponseBase]],
    shell: Shell,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """``serve_shell()`` for an async view."""
    if request.method not in _SAFE_METHODS:
        return await view()
    with watch_request(request, stop_at=aserve_shell.__code__) as watch:
        response = await view()
        if isinstance(response, SimpleTemplateResponse):
            await sync_to_async(response.render)()  # templates may query: not in the event loop
    return _judge(request, response, watch, shell, args, kwargs or {})


def _judge(
    request: HttpRequest,
    response: HttpResponseBase,
    watch: Watch,
    shell: Shell,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> HttpResponseBase:
    name = shell.name
    if response.status_code >= 400:
        return response  # error pages are never made shareable
    touched = watch.touched(response, name)
    if touched:
        if settings.DEBUG:
            raise ImpureShellError(name, touched)
        logger.warning(
            "shell %s touched %s; sent as %r. Move per-user parts into fragments.",
            name,
            "; ".join(f"{what} ({where})" for what, where in touched),
            NOT_CACHED,
            extra={"view": name},
        )
        return not_cached(response, ", ".join(what for what, _ in touched))
    inline = fragments_in(request)
    if inline:
        # Inline mode renders each visitor's fragments into the page: normal in
        # development, and never cacheable. Not an error; say so quietly.
        logger.debug("shell %s holds inline fragments (%s); sent as %r", name, ", ".join(inline), NOT_CACHED)
        return not_cached(response, f"inline fragments ({', '.join(inline)})")
    policy = shell.policy
    if tags.write(response, shell.labels(request, args, kwargs), f"shell {name}") and tags.purging():
        policy = policy.until_purged(conf.PURGED_MAX_AGE)
    response["Cache-Control"] = policy.headers()["Cache-Control"]
    return response


def declared_shells() -> list[Shell]:
    """Every shell declared so far (decorated, or the mixin's ``as_view()`` called)."""
    return list(_DECLARED.values())


def not_cached(response: HttpResponseBase, why: str) -> HttpResponseBase:
    tags.strip(response)  # a per-user page is never purged by tag: it is never shared
    response["Cache-Control"] = NOT_CACHED
    response[REASON_HEADER] = f"not cached: {why}"
    return response


class ShellGuardMiddleware(ResponseMiddleware):
    """Last line of defence: no response marked shareable leaves with per-user state.

    Session, CSRF and messages middleware act after the view (``SESSION_SAVE_EVERY_REQUEST``
    re-sends the session cookie on every response, for instance). Put this middleware after
    ``UpdateCacheMiddleware`` and before all of them, so it sees what they added. Sync and
    async capable: under ASGI it costs no thread hop.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if shareable(response):
            touched = per_user_state(request, response)
            if touched:
                logger.warning(
                    "%s %s was marked shareable but carries %s; sent as %r.",
                    request.method,
                    request.path,
                    ", ".join(touched),
                    NOT_CACHED,
                    extra={"request": request},
                )
                not_cached(response, ", ".join(touched))
        return response


def shareable(response: HttpResponseBase) -> bool:
    """Whether a shared cache may store ``response`` (``public`` or ``s-maxage``, not private)."""
    directives = {d.split("=")[0].strip().lower() for d in _CC_DELIM.split(response.get("Cache-Control", ""))}
    return bool(directives & {"public", "s-maxage"}) and not directives & {"private", "no-store"}


def _name(view: Callable[..., Any] | type) -> str:
    return f"{view.__module__}.{view.__qualname__}"
