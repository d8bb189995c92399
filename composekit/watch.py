"""What a shell's view touched of per-user state, and, when asked, where.

Always, for the price of two looks at the request: the kinds of per-user state the request
and response show once the view is done (``purity.per_user_state``), less those already
touched before the view ran and those its inline fragments touched first.

Where (the template, line and tag, or the line of the user's code) only when
``COMPOSEKIT_LOCATE_TOUCHES`` is on, by default under ``DEBUG``, for the error page: while
the view runs, the session and messages storage get a recording subclass and
``request.META`` a recording dict, and each first touch walks the stack. Production pays
none of that, only the check of the setting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import asgiref
import django
import rest_framework
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.base import Node, TokenType

from . import inline
from .conf import conf
from .purity import CSRF_META_KEYS, CSRF_TOKEN, MESSAGES, SESSION, per_user_state

__all__ = ["LocatingWatch", "Watch", "watch_request"]

# Code here is never "where" a shell touched state: the user's code called it.
_FRAMEWORK_DIRS = tuple(
    str(Path(module.__file__).parent) + os.sep
    for module in (django, rest_framework, asgiref, asyncio, concurrent.futures, sys.modules[__package__])
    if module.__file__
) + tuple(module.__file__ for module in (threading, contextlib) if module.__file__)
_WATCH_ATTR = "_composekit_watch"
_REQUEST_KINDS = frozenset({SESSION, CSRF_TOKEN, MESSAGES})  # the rest are on the response


class Watch:
    """What a view touched: compares the request before and after, at no cost in between."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.before = per_user_state(request)

    def touched(self, response: HttpResponseBase, view: str) -> list[tuple[str, str]]:
        """What the shell itself touched (not its inline fragments), each with where."""
        by_fragments = inline.first_touched_by_fragments(self.request)
        result = []
        for kind in per_user_state(self.request, response):
            if kind in self.before:
                where = "before the view ran (by a middleware)"
            elif kind in by_fragments:
                continue
            elif kind in _REQUEST_KINDS:
                where = f"in {view}"
            else:
                where = f"on the response of {view}"
            result.append((kind, where))
        return result


class LocatingWatch(Watch):
    """A ``Watch`` that also records each touch as it happens, and where it happened."""

    def __init__(self, request: HttpRequest, stop_at: CodeType) -> None:
        super().__init__(request)
        self.stop_at = stop_at  # the frame that started watching: the stack walk ends there
        self.own: dict[str, str] = {}  # kind -> first place, outside inline fragments
        self.in_fragments: set[str] = set()  # kinds touched by inline fragments

    def touch(self, kind: str) -> None:
        if kind in self.own:
            return
        if inline.rendering(self.request) is not None:
            self.in_fragments.add(kind)
        else:
            self.own[kind] = _locate(self.stop_at) or ""

    def touched(self, response: HttpResponseBase, view: str) -> list[tuple[str, str]]:
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
def watch_request(request: HttpRequest, stop_at: CodeType) -> Iterator[Watch]:
    """Watch ``request`` until the block ends; locate touches if ``LOCATE_TOUCHES`` says so."""
    if not conf.LOCATE_TOUCHES:
        yield Watch(request)
        return
    watch = LocatingWatch(request, stop_at)
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
    _composekit_watch: LocatingWatch

    def _get_session(self, no_load: bool = False) -> dict[str, Any]:
        self._composekit_watch.touch(SESSION)
        session: dict[str, Any] = super()._get_session(no_load)  # type: ignore[misc]  # not in the stubs
        return session

    # SessionBase binds its property to its own method; rebind it to the one above.
    _session = property(_get_session)

    async def _aget_session(self, no_load: bool = False) -> dict[str, Any]:
        # Django 5.1+: what ``aget()``, ``aitems()``, ... (and so ``request.auser()``) read.
        self._composekit_watch.touch(SESSION)
        session: dict[str, Any] = await super()._aget_session(no_load)  # type: ignore[misc]
        return session


class _WatchedMessages(BaseStorage):
    _composekit_watch: LocatingWatch

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

    def __init__(self, data: dict[str, Any], watch: LocatingWatch) -> None:
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


def _locate(stop_at: CodeType) -> str | None:
    """Where the shell touched state: the template tag, else the line of code, else None.

    Walks the stack from here out to ``stop_at``: the innermost template node being
    rendered, else the innermost frame outside Django, DRF, asgiref and composekit.
    """
    node: Node | None = None
    code: FrameType | None = None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code is not stop_at:
        f_code = frame.f_code
        if node is None and f_code.co_name in ("render", "render_annotated"):
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, Node) and candidate.token is not None:
                node = candidate
        if code is None and not f_code.co_filename.startswith(_FRAMEWORK_DIRS):
            code = frame
        frame = frame.f_back
    if node is not None:
        return _describe_node(node)
    if code is not None:
        qualname = getattr(code.f_code, "co_qualname", code.f_code.co_name)
        return f"{code.f_globals.get('__name__')}.{qualname}, line {code.f_lineno}"
    return None


def _describe_node(node: Node) -> str:
    token = node.token
    assert token is not None  # checked by _locate()
    tag = f"{{{{ {token.contents} }}}}" if token.token_type == TokenType.VAR else f"{{% {token.contents} %}}"
    origin = node.origin
    return f"template {origin.template_name or origin.name!r}, line {token.lineno}: {tag}"
