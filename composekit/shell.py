"""Cacheable page shells: ``@cacheable_shell``, ``CacheableShellMixin`` and their purity guard.

A shell is a page identical for every visitor, so shared caches may keep it. The guard
watches the view while it runs (and renders, for a ``TemplateResponse``): if it read the
session or ``request.user``, used the CSRF token or messages, set a cookie or sent
``Vary: Cookie``, the page is per-user. Under ``DEBUG`` that raises ``ImpureShellError``,
naming what was touched and where (template and tag, or line of code); otherwise the response
is sent ``private, no-cache`` and a warning is logged on ``composekit.shell``. A page holding
inline-rendered fragments (inline mode, the default under ``DEBUG``) is per-user by design: it
is quietly sent ``private, no-cache``. See docs/shells.md.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import django
import rest_framework
from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.base import Node, TokenType
from django.template.response import SimpleTemplateResponse
from django.views import View

from . import render
from .fragment import RENDERED_INLINE_ATTR
from .policy import DOWNGRADED, CachePolicy, _optional_seconds
from .purity import CSRF_META_KEYS, CSRF_TOKEN, MESSAGES, SESSION, per_user_state

logger = logging.getLogger("composekit.shell")

# Says why a shell was sent uncacheable; only the kinds of state, never values or places.
REASON_HEADER = "X-Composekit-Shell"
NOT_CACHED = DOWNGRADED.cache_control()  # "private, no-cache"
_SAFE_METHODS = ("GET", "HEAD")
_CC_DELIM = re.compile(r"\s*,\s*")
# Code in these packages is never "where" a shell touched state: the user's code called it.
_FRAMEWORK_DIRS = tuple(
    str(Path(path).parent) for path in (django.__file__, rest_framework.__file__, __file__) if path
)

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


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


def shell_cache_control(
    max_age: Any,
    s_maxage: Any = None,
    stale_while_revalidate: Any = None,
    stale_if_error: Any = None,
) -> str:
    """The ``Cache-Control`` of a shell with these options; ``ValueError`` names a bad one."""
    try:
        policy = CachePolicy.public(
            max_age=max_age, s_maxage=s_maxage, stale_while_revalidate=stale_while_revalidate
        )
        stale = _optional_seconds("stale_if_error", stale_if_error)
    except ValueError as error:
        raise ValueError(f"cacheable shell: {error}") from None
    header = policy.cache_control()
    return header if stale is None else f"{header}, stale-if-error={stale}"


def cacheable_shell(
    max_age: int,
    *,
    s_maxage: int | None = None,
    stale_while_revalidate: int | None = None,
    stale_if_error: int | None = None,
) -> Callable[[V], V]:
    """Decorate a function view whose page is the same for every visitor.

    ``@cacheable_shell(max_age=0, s_maxage=300)`` lets browsers revalidate and shared caches
    keep the page for five minutes.
    """
    if callable(max_age):
        raise TypeError("@cacheable_shell takes options: write @cacheable_shell(max_age=60)")
    header = shell_cache_control(max_age, s_maxage, stale_while_revalidate, stale_if_error)

    def decorator(view: V) -> V:
        if iscoroutinefunction(view):
            raise TypeError(f"@cacheable_shell supports synchronous views only; {_name(view)} is async")
        name = _name(view)

        @wraps(view)
        def shell_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return serve_shell(request, lambda: view(request, *args, **kwargs), header, name)

        return shell_view  # type: ignore[return-value]

    return decorator


class CacheableShellMixin(View):
    """The class-based form of ``@cacheable_shell``: put it first among the bases."""

    max_age: int | None = None
    s_maxage: int | None = None
    stale_while_revalidate: int | None = None
    stale_if_error: int | None = None

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        # Validate when the URLconf loads, not on the first request.
        shell_cache_control(*(initkwargs.get(n, getattr(cls, n)) for n in _OPTIONS))
        return super().as_view(**initkwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        header = shell_cache_control(*(getattr(self, n) for n in _OPTIONS))
        return serve_shell(
            request,
            lambda: super(CacheableShellMixin, self).dispatch(request, *args, **kwargs),
            header,
            _name(type(self)),
        )


_OPTIONS = ("max_age", "s_maxage", "stale_while_revalidate", "stale_if_error")
_WATCH_ATTR = "_composekit_watch"


def serve_shell(
    request: HttpRequest, view: Callable[[], HttpResponseBase], cache_control: str, name: str
) -> HttpResponseBase:
    """Run ``view`` under the guard; send ``cache_control`` if the page is the same for everyone."""
    if request.method not in _SAFE_METHODS:
        return view()
    with _watch(request) as watch:
        response = view()
        if isinstance(response, SimpleTemplateResponse):
            # Render now, while the guard watches; middleware's process_template_response
            # then sees a rendered response (see docs/shells.md).
            response.render()
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
    inline = list(dict.fromkeys([*getattr(request, RENDERED_INLINE_ATTR, ()), *watch.fragments]))
    if inline:
        # Inline mode renders each visitor's fragments into the page: normal in
        # development, and never cacheable. Not an error; say so quietly.
        logger.debug("shell %s holds inline fragments (%s); sent as %r", name, ", ".join(inline), NOT_CACHED)
        return not_cached(response, f"inline fragments ({', '.join(inline)})")
    response["Cache-Control"] = cache_control
    return response


def not_cached(response: HttpResponseBase, why: str) -> HttpResponseBase:
    response["Cache-Control"] = NOT_CACHED
    response[REASON_HEADER] = f"not cached: {why}"
    return response


class ShellGuardMiddleware:
    """Last line of defence: no response marked shareable leaves with per-user state.

    Session, CSRF and messages middleware act after the view (``SESSION_SAVE_EVERY_REQUEST``
    re-sends the session cookie on every response, for instance). Put this middleware after
    ``UpdateCacheMiddleware`` and before all of them, so it sees what they added.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
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


# -- watching the view ------------------------------------------------------------------


@dataclass
class _Watch:
    request: HttpRequest
    before: list[str]
    own: dict[str, str] = field(default_factory=dict)  # kind -> first place outside fragments
    in_fragments: set[str] = field(default_factory=set)  # kinds touched by inline fragments
    fragments: list[str] = field(default_factory=list)  # inline fragments that touched any

    def touch(self, kind: str) -> None:
        if kind in self.own:
            return
        fragment, where = _locate()
        if fragment is None:
            self.own[kind] = where or ""
        else:
            self.in_fragments.add(kind)
            if fragment not in self.fragments:
                self.fragments.append(fragment)

    def touched(self, response: HttpResponseBase, view: str) -> list[tuple[str, str]]:
        """What the shell itself touched (not its inline fragments), each with where."""
        result = []
        for kind in per_user_state(self.request, response):
            if kind in self.own:
                where = self.own[kind] or f"in {view}"
            elif kind in self.before:
                where = "before the view ran (by a middleware)"
            elif kind in self.in_fragments:
                continue
            else:
                where = f"on the response of {view}"
            result.append((kind, where))
        return result


@contextmanager
def _watch(request: HttpRequest) -> Iterator[_Watch]:
    watch = _Watch(request, per_user_state(request))
    # The session and the messages storage are shared with inline sub-requests; swapping
    # their class for a recording subclass sees every read, wherever it comes from.
    watched = [
        (obj, type(obj))
        for obj in (getattr(request, "session", None), getattr(request, "_messages", None))
        if isinstance(obj, (SessionBase, BaseStorage))
    ]
    meta = request.META
    for obj, cls in watched:
        obj.__class__ = _watched_class(cls)
        setattr(obj, _WATCH_ATTR, watch)
    request.META = _WatchedMeta(meta, watch)
    try:
        yield watch
    finally:
        for obj, cls in watched:
            obj.__class__ = cls
            delattr(obj, _WATCH_ATTR)
        # The environ dict stays the one object WSGI and request.environ share.
        changed = dict(request.META)
        meta.clear()
        meta.update(changed)
        request.META = meta


class _WatchedSession(SessionBase):
    _composekit_watch: _Watch

    def _get_session(self, no_load: bool = False) -> dict[str, Any]:
        self._composekit_watch.touch(SESSION)
        session: dict[str, Any] = super()._get_session(no_load)  # type: ignore[misc]  # not in the stubs
        return session

    # SessionBase binds its property to its own method; rebind it to the one above.
    _session = property(_get_session)


class _WatchedMessages(BaseStorage):
    _composekit_watch: _Watch

    def _get(self, *args: Any, **kwargs: Any) -> Any:
        # Every read loads through _get() first: `{% if messages %}` and `{% for %}` alike.
        self._composekit_watch.touch(MESSAGES)
        return super()._get(*args, **kwargs)  # type: ignore[misc]  # not in the stubs

    def add(self, level: int, message: str, extra_tags: str | None = "") -> None:
        self._composekit_watch.touch(MESSAGES)
        super().add(level, message, extra_tags)


_watched_classes: dict[type, type] = {}


def _watched_class(cls: type) -> type:
    watched = _watched_classes.get(cls)
    if watched is None:
        mixin = _WatchedSession if issubclass(cls, SessionBase) else _WatchedMessages
        # The same __qualname__: session stores salt their signatures with it.
        attrs = {"__qualname__": cls.__qualname__, "__module__": cls.__module__}
        watched = _watched_classes[cls] = type(cls.__name__, (mixin, cls), attrs)
    return watched


class _WatchedMeta(dict[str, Any]):
    """``request.META`` while a shell renders: ``get_token()`` writes the CSRF keys here."""

    def __init__(self, data: dict[str, Any], watch: _Watch) -> None:
        super().__init__(data)
        self.watch = watch

    def __setitem__(self, key: str, value: Any) -> None:
        if key in CSRF_META_KEYS:
            self.watch.touch(CSRF_TOKEN)
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        new = dict(*args, **kwargs)
        if CSRF_META_KEYS & new.keys():
            self.watch.touch(CSRF_TOKEN)
        super().update(new)


def _locate() -> tuple[str | None, str | None]:
    """Where the shell touched state: (its inline fragment or None, template tag or line of code).

    Walks the stack from here out to ``serve_shell``: the innermost template node being
    rendered, else the innermost frame outside Django, DRF and composekit.
    """
    fragment: str | None = None
    node: Node | None = None
    code: FrameType | None = None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code is not _SERVE_SHELL:
        f_code = frame.f_code
        if f_code is _RENDER_INLINE:
            fragment = frame.f_locals["name"]  # the outermost one wins: the fragment the shell holds
        elif node is None and f_code.co_name in ("render", "render_annotated"):
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, Node) and candidate.token is not None:
                node = candidate
        if code is None and not f_code.co_filename.startswith(_FRAMEWORK_DIRS):
            code = frame
        frame = frame.f_back
    if node is not None:
        return fragment, _describe_node(node)
    if code is not None:
        qualname = getattr(code.f_code, "co_qualname", code.f_code.co_name)
        return fragment, f"{code.f_globals.get('__name__')}.{qualname}, line {code.f_lineno}"
    return fragment, None


def _describe_node(node: Node) -> str:
    token = node.token
    assert token is not None  # checked by _locate()
    tag = f"{{{{ {token.contents} }}}}" if token.token_type == TokenType.VAR else f"{{% {token.contents} %}}"
    origin = node.origin
    return f"template {origin.template_name or origin.name!r}, line {token.lineno}: {tag}"


_RENDER_INLINE = render.render_inline.__code__
_SERVE_SHELL = serve_shell.__code__


def _name(view: Callable[..., Any] | type) -> str:
    return f"{view.__module__}.{view.__qualname__}"
