"""Write generations: how a browser knows which kept fragments the user's own writes changed.

The loader keeps private fragments for the tab's next page views (their policy's
``max_age``). So that a user never sees their own change missing, the server moves a
script-readable cookie (``COMPOSEKIT_GENERATION_COOKIE``, ``ck_gen`` by default) on every
successful write through Django: any unsafe request (POST, PUT, PATCH, DELETE) answered
below 400, and any request that called ``invalidate(request, ...)``. The cookie holds one
random token per generation, ``scope:token`` pairs joined by dots:

- ``@`` moves on every write: fragments that name no scopes depend on it;
- ``*`` moves on writes that named no scope (their effect is unknown);
- each scope (``cart``, ``wishlist``...) moves on writes that named it.

A fragment declares its scopes in its policy, ``CachePolicy.private(max_age=300,
scopes=("cart",))``, sent as ``CK-Scopes``; the loader drops a kept fragment when any token
it depends on moved. So adding to the cart (``invalidate(request, "cart")``) refetches the
cart summary and keeps the user menu. The tokens say nothing about the user or the data.
"""

from __future__ import annotations

import re
import secrets

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .conf import conf
from .cookies import set_loader_cookie

__all__ = [
    "EVERY_WRITE",
    "UNKNOWN_WRITE",
    "invalidate",
    "move_generations",
    "named_scopes",
    "parse",
    "serialize",
]

EVERY_WRITE = "@"
UNKNOWN_WRITE = "*"
SCOPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Set on a request by invalidate(): the scopes it touched (UNKNOWN_WRITE for "unknown").
_SCOPES_ATTR = "_composekit_scopes"
_PAIR_RE = re.compile(r"^([a-z0-9@*][a-z0-9-]*):([\w-]+)$")


def check_scope(scope: object) -> str:
    """``scope`` if it is a valid scope name; ``ValueError`` saying what one looks like."""
    if not isinstance(scope, str) or not SCOPE_RE.match(scope):
        raise ValueError(f"a scope is lowercase letters, digits and hyphens, like 'cart', not {scope!r}")
    return scope


def invalidate(request: HttpRequest, *scopes: str) -> None:
    """Say that this request changed what the user's fragments of ``scopes`` show.

    The response then moves those generations (and ``@``), so the user's next page fetches
    them afresh while fragments of other scopes stay kept. Without scopes the effect is
    unknown: every kept fragment of the user is dropped, as after any unsafe request that
    names none. Works on any request, safe or not; a response of 400 or more moves nothing.
    """
    touched: set[str] = getattr(request, _SCOPES_ATTR, set())
    if scopes:
        touched.update(check_scope(scope) for scope in scopes)
    else:
        touched.add(UNKNOWN_WRITE)
    setattr(request, _SCOPES_ATTR, touched)


def named_scopes(request: HttpRequest) -> frozenset[str]:
    """The scopes ``invalidate()`` named on ``request`` (not the unknown ``*``)."""
    touched: set[str] = getattr(request, _SCOPES_ATTR, set())
    return frozenset(touched - {UNKNOWN_WRITE})


def parse(value: str | None) -> dict[str, str]:
    """The tokens of a ``ck_gen`` cookie value; malformed pairs are dropped."""
    tokens = {}
    for pair in (value or "").split("."):
        match = _PAIR_RE.match(pair)
        if match:
            tokens[match.group(1)] = match.group(2)
    return tokens


def serialize(tokens: dict[str, str]) -> str:
    return ".".join(f"{scope}:{token}" for scope, token in sorted(tokens.items()))


def _new_token() -> str:
    return secrets.token_hex(3)


def moved(request: HttpRequest, response: HttpResponseBase) -> set[str] | None:
    """The generations ``response`` must move, or None when the request wrote nothing."""
    if response.status_code >= 400:
        return None  # a failed write changed nothing
    touched: set[str] | None = getattr(request, _SCOPES_ATTR, None)
    if touched is None:
        if request.method in _SAFE_METHODS:
            return None
        touched = {UNKNOWN_WRITE}  # a write that named no scope
    return {EVERY_WRITE, *touched}


def move_generations(request: HttpRequest, response: HttpResponseBase) -> None:
    """Set the moved generations on ``response`` (see ``moved()``)."""
    name = conf.GENERATION_COOKIE
    scopes = moved(request, response) if name is not None else None
    if name is None or scopes is None:
        return
    tokens = parse(request.COOKIES.get(name))
    for scope in scopes:
        token = _new_token()
        while token == tokens.get(scope):  # 1 in 16 million, but never the same
            token = _new_token()
        tokens[scope] = token
    set_loader_cookie(response, name, serialize(tokens))
