"""One fragment in a test: rendered as a given user with given params, inline or over HTTP.

``fetch_fragment`` asks the fragment's URL through Django's test client, as the loader
would: every middleware runs. ``render_fragment`` runs it as inline mode runs it in a page:
a sub-request of a page request that holds the user, through the middleware's
``process_view()`` only, its exceptions raised. ``assert_fragment_policy`` fetches and
compares ``Cache-Control`` and ``Vary`` with a ``CachePolicy``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.response import HttpResponseBase
from django.test import Client, RequestFactory

from .. import registry, subrequest
from ..policy import CachePolicy
from ..render import fragment_url

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = ["FragmentResult", "assert_fragment_policy", "fetch_fragment", "render_fragment"]


@dataclass(frozen=True)
class FragmentResult:
    """What a fragment answered: ``html`` is the body as text (JSON when asked for it)."""

    name: str
    url: str
    status: int
    html: str
    headers: Mapping[str, str]
    policy: CachePolicy  # the policy the fragment declares
    response: HttpResponseBase

    @property
    def cache_control(self) -> str | None:
        return self.headers.get("Cache-Control")

    @property
    def vary(self) -> str | None:
        return self.headers.get("Vary")


def fetch_fragment(
    name: str,
    params: Mapping[str, object] | None = None,
    *,
    user: AbstractBaseUser | None = None,
    client: Client | None = None,
    headers: Mapping[str, str] | None = None,
) -> FragmentResult:
    """GET fragment ``name`` with ``params`` through the test client, as ``user`` (or anonymous).

    ``client`` (a new ``Client`` by default) is logged out first, then logged in as ``user``
    with ``force_login``, and left so. ``headers`` are sent as they are
    (``{"Accept": "application/json"}``, ``{"If-None-Match": ...}``).
    """
    url = fragment_url(name, **(params or {}))  # refuses a name no fragment is registered as
    client = client or Client()
    client.logout()
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]  # any user model; the stubs say User
    response = client.get(url, headers=headers)
    return _result(name, url, response)


def render_fragment(
    name: str,
    params: Mapping[str, object] | None = None,
    *,
    user: AbstractBaseUser | None = None,
    headers: Mapping[str, str] | None = None,
) -> FragmentResult:
    """Render fragment ``name`` with ``params`` as inline mode does in a page seen by ``user``.

    The page request carries ``user`` (anonymous by default), a new session and ``headers``;
    the fragment's view runs as a sub-request of it. What the fragment raises is raised here.
    """
    url = fragment_url(name, **(params or {}))  # refuses a name no fragment is registered as
    page = RequestFactory().get("/", headers=headers)
    page.session = import_module(settings.SESSION_ENGINE).SessionStore()
    page.user = user if user is not None else AnonymousUser()  # type: ignore[assignment]
    response = subrequest.run(subrequest.build(page, url, ()))
    return _result(name, url, response)


def assert_fragment_policy(
    name: str,
    expected: CachePolicy,
    params: Mapping[str, object] | None = None,
    *,
    user: AbstractBaseUser | None = None,
    client: Client | None = None,
) -> FragmentResult:
    """Assert that fragment ``name`` answers 200 with ``expected``'s ``Cache-Control`` and ``Vary``.

    Fetched as ``fetch_fragment`` does, with the same arguments. Raises ``AssertionError``
    listing every difference, and the policy the fragment declares when it is not
    ``expected``. Returns the result.
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not ours
    result = fetch_fragment(name, params, user=user, client=client)
    problems = []
    if result.status != 200:
        problems.append(f"answered {result.status}, not 200")
    for header, want in expected.headers().items():
        got = result.headers.get(header)
        if got != want:
            problems.append(f"{header} is {got!r}, expected {want!r}")
    if problems and result.policy != expected:
        problems.append(f"the fragment declares {result.policy!r}")
    if problems:
        who = "anonymous" if user is None else f"user {user.get_username()!r}"
        raise AssertionError(
            f"GET {result.url} ({who}) does not send the expected policy:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    return result


def _result(name: str, url: str, response: HttpResponseBase) -> FragmentResult:
    cls = registry.get(name)
    assert cls is not None  # fragment_url() made its URL
    body = getattr(response, "content", b"")
    return FragmentResult(
        name=name,
        url=url,
        status=response.status_code,
        html=body.decode(response.charset),
        headers=dict(response.items()),
        policy=cls.cache,
        response=response,
    )
