"""Inline mode: a fragment rendered into its page by the server, through a sub-request.

``render_inline()`` guards the nesting (depth, self-inclusion), runs the fragment's view
through a sub-request (``subrequest.py``) and records on the page request what the page must
know: which fragments ran for it (rendered, or refused for this visitor), which kinds of per-user state they were the
first to touch (so the shell guard does not blame the shell), and the ``Set-Cookie`` and
``Vary`` of their responses. The page's response does not exist while its template renders,
so ``ComposekitMiddleware`` puts those on it on the way out (``apply_to_response()``): cookies the page's view did not set
itself, and ``Vary`` names but ``Accept`` (inline, the fragment is always HTML).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

from . import requeststate, subrequest
from .conf import conf
from .purity import per_user_state

__all__ = [
    "InlineRenderError",
    "NestingError",
    "apply_to_response",
    "fragments_in",
    "first_touched_by_fragments",
    "render_inline",
    "rendering",
]

# Vary names a fragment response carries that say nothing about the page it is inlined into.
_NOT_FOR_THE_PAGE = frozenset({"accept"})
_RECORD_ATTR = "_composekit_inline"
_DELIM = re.compile(r"\s*,\s*")


class InlineRenderError(Exception):
    """The fragment answered something other than 200 (e.g. 403 for this user)."""


class NestingError(Exception):
    """The fragment includes itself, or fragments nest deeper than ``COMPOSEKIT_MAX_DEPTH``."""


@dataclass
class _Record:
    """What a page request's inline fragments left for the page."""

    ran: list[str] = field(default_factory=list)  # every fragment run, whatever it answered
    touched: dict[str, str] = field(default_factory=dict)  # kind of state -> first fragment
    rendering: str | None = None  # the fragment running now
    cookies: SimpleCookie = field(default_factory=SimpleCookie)
    vary: list[str] = field(default_factory=list)

    def take(self, response: HttpResponseBase) -> None:
        for name, morsel in response.cookies.items():
            self.cookies[name] = morsel
        self.add_vary(_DELIM.split(response.get("Vary", "")))

    def add_vary(self, names: list[str]) -> None:
        # Each name once, whatever its case: patch_vary_headers() skips the names the page
        # already sends, not repeats among the new ones, so three private fragments inlined
        # into a page that sent no Vary would make it "Cookie, Cookie, Cookie".
        seen = {name.lower() for name in self.vary} | _NOT_FOR_THE_PAGE
        for name in names:
            if name and name.lower() not in seen:
                seen.add(name.lower())
                self.vary.append(name)


def render_inline(request: HttpRequest, name: str, token: str, src: str) -> str:
    """Run fragment ``name`` (``src`` is its URL) as a sub-request of ``request``; its HTML."""
    chain = requeststate.chain(request)
    if (name, token) in chain:
        raise NestingError(f"the fragment includes itself with the same params ({_names(chain, name)})")
    if len(chain) >= conf.MAX_DEPTH:
        raise NestingError(
            f"fragments nest deeper than COMPOSEKIT_MAX_DEPTH ({conf.MAX_DEPTH}): {_names(chain, name)}"
        )
    record = _record_for(request)
    before = per_user_state(request)
    record.ran.append(name)
    record.rendering = name
    try:
        sub = subrequest.build(request, src, chain)
        response = subrequest.run(sub)
        subrequest.carry_back(sub, request)
        nested = _record(sub)
        if nested is not None:  # what the fragment's own inline fragments left for it
            record.cookies.update(nested.cookies)
            record.add_vary(nested.vary)
    finally:
        record.rendering = None
        for kind in per_user_state(request):
            if kind not in before:
                record.touched.setdefault(kind, name)
    record.take(response)
    if response.status_code != 200:
        raise InlineRenderError(f"the fragment answered {response.status_code}")
    assert isinstance(response, HttpResponse)  # fragments answer 200 with a plain body
    return response.content.decode(response.charset)


def rendering(request: HttpRequest) -> str | None:
    """The fragment being rendered into ``request`` right now, if any."""
    record = _record(request)
    return None if record is None else record.rendering


def fragments_in(request: HttpRequest) -> list[str]:
    """Fragments that ran inline for ``request``: rendered, or refused for this visitor."""
    record = _record(request)
    return [] if record is None else list(dict.fromkeys(record.ran))


def first_touched_by_fragments(request: HttpRequest) -> set[str]:
    """Kinds of per-user state that ``request``'s inline fragments touched before the page did."""
    record = _record(request)
    return set() if record is None else set(record.touched)


def apply_to_response(request: HttpRequest, response: HttpResponseBase) -> None:
    """Put the ``Set-Cookie`` and ``Vary`` of ``request``'s inline fragments on its response."""
    record = _record(request)
    if record is None:
        return
    for name, morsel in record.cookies.items():
        if name not in response.cookies:  # the page's own cookie wins
            response.cookies[name] = morsel
    if record.vary:
        patch_vary_headers(response, record.vary)


def _record(request: HttpRequest) -> _Record | None:
    record: _Record | None = getattr(request, _RECORD_ATTR, None)
    return record


def _record_for(request: HttpRequest) -> _Record:
    record = _record(request)
    if record is None:
        record = _Record()
        setattr(request, _RECORD_ATTR, record)
    return record


def _names(chain: requeststate.Chain, name: str) -> str:
    return " > ".join([*(n for n, _ in chain), name])
