"""Fragments the shells hold: two private ones that name their user, one public."""

from __future__ import annotations

import uuid
from typing import Any

from composekit import CachePolicy, Fragment, invalidate, register


@register
class WhoAmI(Fragment):
    name = "shell-whoami"
    template_name = "shells/whoami.html"


@register
class Cart(Fragment):
    name = "shell-cart"
    template_name = "shells/cart.html"
    cache = CachePolicy.private(max_age=30)

    def get_context(self, request: Any, sku: str = "", **params: Any) -> dict[str, Any]:
        return {"sku": sku}


@register
class News(Fragment):
    name = "shell-news"
    template_name = "shells/news.html"
    cache = CachePolicy.public(max_age=0, s_maxage=60)

    def get_context(self, request: Any, topic: str = "all", **params: Any) -> dict[str, Any]:
        # A fresh id per render: a body seen twice came from a cache.
        return {"topic": topic, "nonce": uuid.uuid4().hex}


@register
class Kept(Fragment):
    """Kept by Varnish for its session (tests/test_varnish_persession.py). With a ``stamp``, a
    fresh id per render: a body seen twice came from a cache. ``write=True``: a GET that
    wrote (its answer moves the write generations, in a cookie)."""

    name = "shell-kept"
    cache = CachePolicy.private(max_age=30, per_session=300)

    def get_dependencies(self, request: Any, **params: Any) -> list[Any]:
        return [("kept", request.user.username or "anonymous")]

    def render(self, request: Any, stamp: str = "", write: bool = False, **params: Any) -> str:
        if write:
            invalidate(request._request, "kept")
        who = request.user.username or "anonymous"
        return f'<b class="kept">kept={who}</b>' + (f"<!-- {uuid.uuid4().hex} -->" if stamp else "")
