"""Fragments the test suite serves."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.html import format_html
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.throttling import AnonRateThrottle

from composekit import CachePolicy, Fragment, register

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

    def get_context(self, req: Any, **params: Any) -> dict[str, Any]:
        return {}

    def render(this, req: Any, /, **params: Any) -> str:  # positional-only: no name to clash
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
