"""Fragments the test suite serves."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.utils.html import format_html
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.throttling import AnonRateThrottle

from composekit import CachePolicy, Fragment, ServerCache, register, trigger

# How often each fragment's expensive parts ran; tests reset and read these.
calls: dict[str, int] = {}
versions: dict[str, str] = {"counted": "v1"}


def _count(name: str) -> None:
    calls[name] = calls.get(name, 0) + 1


@register
class Hello(Fragment):
    name = "hello"
    template_name = "testapp/hello.html"

    def get_context(self, request: Any, who: str | None = None, **params: Any) -> dict[str, Any]:
        return {"who": who, "params": sorted(params.items())}


@register
class Counted(Fragment):
    name = "counted"
    template_name = "testapp/counted.html"
    cache = CachePolicy.private(max_age=30)

    def get_context(self, request: Any, **params: Any) -> dict[str, Any]:
        _count("counted.context")
        return {"users": User.objects.count(), "first": User.objects.order_by("pk").first()}

    def get_etag(self, request: Any, **params: Any) -> str | None:
        _count("counted.etag")
        return versions["counted"]


@register
class LoadedEtag(Fragment):
    """Says its validator while rendering (``etag_loaded``) when asked ``?say=1``."""

    name = "loaded-etag"
    cache = CachePolicy.private(max_age=30)

    def get_etag(self, request: Any, **params: Any) -> str | None:
        _count("loaded-etag.etag")
        return versions["counted"]

    def render(self, request: Any, say: str = "", **params: Any) -> str:
        if say:
            self.etag_loaded(versions["counted"])
        return f"<p>version {versions['counted']}</p>"


@register
class News(Fragment):
    name = "news"
    template_name = "testapp/news.html"
    cache = CachePolicy.public(max_age=60, s_maxage=300, stale_while_revalidate=30)

    def get_context(self, request: Any, topic: str = "all", **params: Any) -> dict[str, Any]:
        return {"topic": topic}

    def get_etag(self, request: Any, **params: Any) -> str | None:
        return "news-1"


@register
class LeakyPublic(Fragment):
    name = "leaky-public"
    template_name = "testapp/leaky.html"  # reads request.session: per-user state
    cache = CachePolicy.public(max_age=60)


@register
class PublicCsrf(Fragment):
    name = "public-csrf"
    template_name = "testapp/csrf_form.html"  # a CSRF token is per user
    cache = CachePolicy.public(max_age=60)


@register
class PublicUser(Fragment):
    name = "public-user"
    template_name = "testapp/hello.html"  # a public fragment sees an anonymous user
    cache = CachePolicy.public(max_age=60)


@register
class NoStore(Fragment):
    name = "no-store"
    template_name = "testapp/hello.html"
    cache = CachePolicy.no_store()


@register
class Boom(Fragment):
    name = "boom"

    def render(self, request: Any, **params: Any) -> str:
        raise RuntimeError("the fragment blew up")


@register
class DatabaseDown(Fragment):
    """Its query fails as a database that went away makes queries fail (``OperationalError``),
    and, as a failing ``save()`` does, marks the transaction it runs in for rollback."""

    name = "db-down"

    def render(self, request: Any, **params: Any) -> str:
        with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM composekit_no_such_table")
        return "never"  # pragma: no cover - the query always fails


@register
class Sleepy(Fragment):
    """A backend that hangs: answers after ``ms`` milliseconds (5 s at most)."""

    name = "sleepy"

    def render(self, request: Any, ms: int = 0, **params: Any) -> str:
        time.sleep(min(ms, 5000) / 1000)
        return f"<b>awake after {ms} ms</b>"


@register
class Members(Fragment):
    name = "members"
    template_name = "testapp/hello.html"
    # Basic first, so an anonymous request gets 401 with WWW-Authenticate (DRF answers
    # 403 when the first authenticator is SessionAuthentication).
    authentication_classes = [BasicAuthentication, SessionAuthentication]  # noqa: RUF012
    permission_classes = [IsAuthenticated]  # noqa: RUF012


@register
class Staff(Fragment):
    name = "staff"
    template_name = "testapp/hello.html"
    permission_classes = [IsAdminUser]  # noqa: RUF012


class OnePerMinute(AnonRateThrottle):
    rate = "1/min"
    scope = "composekit-test"


@register
class Throttled(Fragment):
    name = "throttled"
    template_name = "testapp/hello.html"
    throttle_classes = [OnePerMinute]  # noqa: RUF012


@register
class Outer(Fragment):
    name = "outer"
    template_name = "testapp/outer.html"  # holds {% fragment "hello" %}


@register
class SelfLoop(Fragment):
    name = "self-loop"
    template_name = "testapp/self_loop.html"  # holds {% fragment "self-loop" %}


@register
class Deep(Fragment):
    name = "deep"
    template_name = "testapp/deep.html"  # holds {% fragment "deep" n=n|add:1 %}

    def get_context(self, request: Any, n: int = 0, **params: Any) -> dict[str, Any]:
        return {"n": n}


@register
class CsrfForm(Fragment):
    name = "csrf-form"
    template_name = "testapp/csrf_form.html"


@register
class LastModified(Fragment):
    name = "last-modified"
    template_name = "testapp/hello.html"

    def get_last_modified(self, request: Any, **params: Any) -> datetime | None:
        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@register
class Raises(Fragment):
    """Raises what its ``what`` param names, as views do."""

    name = "raises"

    def render(self, request: Any, what: str = "", **params: Any) -> str:
        if what == "404":
            raise Http404("no such product")
        if what == "403":
            raise PermissionDenied("not your cart")
        raise ValidationError({"qty": ["must be positive"], "sku": ["unknown", "retired"]})


@register
class NoTemplate(Fragment):
    name = "no-template"  # neither template_name nor render(): a 500 that says why


@register
class Echo(Fragment):
    """Says what its request looks like: the headers and the route it sees."""

    name = "echo"

    def render(self, request: Any, **params: Any) -> str:
        match = request._request.resolver_match
        return (
            f"accept={request.headers.get('Accept')} if-none-match={request.headers.get('If-None-Match')} "
            f"view={match.view_name} kwargs={match.kwargs} path={request._request.path}"
        )


@register
class SetsCookie(Fragment):
    """Sets a cookie on its own response and depends on the language, as a fragment may."""

    name = "sets-cookie"
    cache = CachePolicy.private(vary=("Accept-Language",))

    def render(self, request: Any, **params: Any) -> str:
        return "cookie set"

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        response.set_cookie("seen", "fragment")
        return response


@register
class OuterCookie(Fragment):
    name = "outer-cookie"
    template_name = "testapp/outer_cookie.html"  # holds {% fragment "sets-cookie" %}
    cache = CachePolicy.public(max_age=60)


@register
class RenamedArguments(Fragment):
    """Its methods name the request ``req``: a param called ``req`` could never reach them."""

    name = "renamed-arguments"

    def get_context(self, req: Any, **params: Any) -> dict[str, Any]:  # type: ignore[override]
        return {}

    def render(this, req: Any, /, **params: Any) -> str:  # type: ignore[override]  # positional-only: no name to clash
        return "renamed"


@register
class ScopedCart(Fragment):
    name = "scoped-cart"
    template_name = "testapp/hello.html"
    cache = CachePolicy.private(max_age=300, scopes=("cart", "wishlist"))


@register
class ScopedNothing(Fragment):
    name = "scoped-nothing"
    template_name = "testapp/hello.html"
    cache = CachePolicy.private(max_age=300, scopes=())


@register
class SlowAlone(Fragment):
    name = "slow-alone"
    template_name = "testapp/hello.html"
    batch = False  # too slow to hold a batch back: fetched on its own


@register
class Triggers(Fragment):
    """A fragment whose answer names an event (CK-Trigger)."""

    name = "triggers"
    template_name = "testapp/hello.html"

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return trigger(super().get(request, *args, **kwargs), "news:shown")


@register
class LiveNews(Fragment):
    name = "live-news"
    template_name = "testapp/news.html"
    refresh_on = ("news:changed", "site:changed")


# -- server-cached fragments (tests/test_servercache.py, and the served tests through gunicorn) --


@register
class Stock(Fragment):
    """Public, kept on the server, invalidated per product: ``expire("product", sku)``."""

    name = "stock"
    cache = CachePolicy.public(max_age=0, s_maxage=60)
    server_cache = ServerCache(timeout=60)

    def get_dependencies(self, request: Any, sku: str = "", **params: Any) -> list[Any]:
        return [("product", sku)]

    def render(self, request: Any, sku: str = "", **params: Any) -> str:
        _count(f"stock.{sku}")
        return f"<b>{sku}: {User.objects.filter(username__startswith=sku).count()} in stock</b>"


@register
class Picks(Fragment):
    """Private, kept per user, invalidated by the user's cart or by any product."""

    name = "picks"
    cache = CachePolicy.private(max_age=60)
    server_cache = ServerCache(timeout=60, stale_while_revalidate=300)

    def get_dependencies(self, request: Any, **params: Any) -> list[Any]:
        return ["products", ("cart", request.user.pk or 0)]

    def render(self, request: Any, **params: Any) -> str:
        from .models import CartLine

        _count("picks")
        user = request.user.get_username() or "anonymous"
        lines = CartLine.objects.filter(user_id=request.user.pk).count()
        return f"<p>picks for {user}: {lines} in cart (render #{calls['picks']})</p>"


@register
class Hot(Fragment):
    """A hot public fragment that is slow to render and counts its renders in the cache, so
    every process serving it adds to one count (the stampede tests)."""

    name = "hot"
    cache = CachePolicy.public(max_age=0)
    server_cache = ServerCache(timeout=1, stale_while_revalidate=300)

    def get_dependencies(self, request: Any, **params: Any) -> list[Any]:
        return ["hot"]

    def render(self, request: Any, delay: float = 0.5, **params: Any) -> str:
        from django.core.cache import cache

        cache.add("test:hot-renders", 0, timeout=None)
        count = cache.incr("test:hot-renders")
        time.sleep(delay)
        return f"<b>hot render #{count}</b>"


@register
class Timed(Fragment):
    """Kept on the server for its timeout only: no dependencies, so its ETag is the body's."""

    name = "timed"
    cache = CachePolicy.public(max_age=0)
    server_cache = ServerCache(timeout=60)

    def render(self, request: Any, **params: Any) -> str:
        _count("timed")
        return f"<i>timed #{calls['timed']}</i>"


@register
class CachedForm(Fragment):
    """Private and kept on the server, but its form holds the CSRF token: never stored."""

    name = "cached-form"
    template_name = "testapp/csrf_form.html"
    server_cache = ServerCache(timeout=60)

    def get_dependencies(self, request: Any, **params: Any) -> list[Any]:
        return ["forms"]


@register
class CachedLeaky(Fragment):
    """Public and kept on the server, but it reads the session: sent private, never stored."""

    name = "cached-leaky"
    template_name = "testapp/leaky.html"
    cache = CachePolicy.public(max_age=60)
    server_cache = ServerCache(timeout=60)

    def get_dependencies(self, request: Any, **params: Any) -> list[Any]:
        return ["leaky"]


@register
class BadDependency(Fragment):
    name = "bad-dependency"
    server_cache = ServerCache(timeout=60)

    def get_dependencies(self, request: Any, **params: Any) -> list[Any]:
        return [("product", 1.5)]

    def render(self, request: Any, **params: Any) -> str:
        return "never"


class Unavailable(APIException):
    status_code = 503
    default_detail = "try again"


@register
class FailsOnce(Fragment):
    """Answers 503 the first time it is asked for a ``run`` (counted in the cache), then renders."""

    name = "fails-once"

    def render(self, request: Any, run: str = "", **params: Any) -> str:
        from django.core.cache import cache

        if cache.add(f"test:fails-once:{run}", 1, timeout=300):
            raise Unavailable()
        return f"<b>second try {run}</b>"


@register
class Indexable(Fragment):
    """Says crawlers may index it: its own X-Robots-Tag wins over the setting's."""

    name = "indexable"

    def render(self, request: Any, **params: Any) -> str:
        return "index me"

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        response["X-Robots-Tag"] = "all"
        return response


@register
class Cells(Fragment):
    """A table row's cells: a fragment placed with as="tr"."""

    name = "cells"

    def render(self, request: Any, who: str = "", **params: Any) -> str:
        return format_html("<td>{}</td><td>cell</td>", who)


@register
class Label(Fragment):
    """Text for an <option> or an <li>: a fragment placed with as="option" or as="li"."""

    name = "label"

    def render(self, request: Any, text: str = "", **params: Any) -> str:
        return format_html("{} (live)", text)


@register
class Priced(Fragment):
    """Public, and says what it shows: its responses carry cache tags (tags.py)."""

    name = "priced"
    template_name = "testapp/hello.html"
    cache = CachePolicy.public(max_age=5, s_maxage=10, stale_while_revalidate=30, keep_until_purged=True)

    def get_dependencies(self, request: Any, sku: str = "", **params: Any) -> list[Any]:
        return [("item", sku), "items"]


@register
class PricedPrivately(Fragment):
    """The same dependencies, but private: never tagged."""

    name = "priced-privately"
    template_name = "testapp/hello.html"
    cache = CachePolicy.private(max_age=5)

    def get_dependencies(self, request: Any, sku: str = "", **params: Any) -> list[Any]:
        return [("item", sku), "items"]


@register
class StampedItem(Fragment):
    """Public and server-cached, kept by shared caches until purged: each render is stamped,
    so a body seen again was not rendered again; its ETag comes from its dependency's version."""

    name = "stamped-item"
    cache = CachePolicy.public(max_age=0, s_maxage=10, stale_while_revalidate=30, keep_until_purged=True)
    server_cache = ServerCache(timeout=3600)

    def get_dependencies(self, request: Any, sku: str = "", **params: Any) -> list[Any]:
        return [("item", sku)]

    def render(self, request: Any, sku: str = "", **params: Any) -> str:
        return f"item {sku} rendered {uuid.uuid4().hex}"


@register
class Sku(Fragment):
    """Takes one param, ``sku``, and requires it (tests/test_views.py: params that do not fit)."""

    name = "sku"

    def render(self, request: Any, sku: str) -> str:  # type: ignore[override]  # its own params, as users write them
        return "sku " + sku  # its own TypeError when sku is not a str: a bug of the fragment's
