"""Watching a view for per-user state while it runs, and finding where it was touched.

The shell guard uses this to say not only *what* a shell touched (the session, the CSRF
token, messages) but *where*: the template, line and tag, or the line of the user's code.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import django
import rest_framework
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.base import Node, TokenType

from . import render
from .purity import CSRF_META_KEYS, CSRF_TOKEN, MESSAGES, SESSION, per_user_state

# Code in these packages is never "where" a shell touched state: the user's code called it.
_FRAMEWORK_DIRS = tuple(
    str(Path(path).parent) for path in (django.__file__, rest_framework.__file__, __file__) if path
)
_WATCH_ATTR = "_composekit_watch"
_RENDER_INLINE = render.render_inline.__code__


@dataclass
class Watch:
    """What a view touched: by the view itself (with where) and by its inline fragments."""

    request: HttpRequest
    before: list[str]
    stop_at: CodeType  # the frame that started watching: the stack walk ends there
    own: dict[str, str] = field(default_factory=dict)  # kind -> first place outside fragments
    in_fragments: set[str] = field(default_factory=set)  # kinds touched by inline fragments
    fragments: list[str] = field(default_factory=list)  # inline fragments that touched any

    def touch(self, kind: str) -> None:
        if kind in self.own:
            return
        fragment, where = _locate(self.stop_at)
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
def watch_request(request: HttpRequest, stop_at: CodeType) -> Iterator[Watch]:
    """Record every touch of per-user state on ``request`` until the block ends."""
    watch = Watch(request, per_user_state(request), stop_at)
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
    _composekit_watch: Watch

    def _get_session(self, no_load: bool = False) -> dict[str, Any]:
        self._composekit_watch.touch(SESSION)
        session: dict[str, Any] = super()._get_session(no_load)  # type: ignore[misc]  # not in the stubs
        return session

    # SessionBase binds its property to its own method; rebind it to the one above.
    _session = property(_get_session)


class _WatchedMessages(BaseStorage):
    _composekit_watch: Watch

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

    def __init__(self, data: dict[str, Any], watch: Watch) -> None:
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


def _locate(stop_at: CodeType) -> tuple[str | None, str | None]:
    """Where the shell touched state: (its inline fragment or None, template tag or line of code).

    Walks the stack from here out to ``stop_at``: the innermost template node being
    rendered, else the innermost frame outside Django, DRF and composekit.
    """
    fragment: str | None = None
    node: Node | None = None
    code: FrameType | None = None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code is not stop_at:
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
