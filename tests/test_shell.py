"""Shells: the headers, the purity guard under DEBUG and in production, caches and middleware."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import django
import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.views.generic import TemplateView

from composekit.shell import (
    CacheableShellMixin,
    ImpureShellError,
    ShellGuardMiddleware,
    cacheable_shell,
    shareable,
)
from tests import aio
from tests.shells import views

pytestmark = pytest.mark.django_db

PAGE_CC = "public, max-age=0, s-maxage=60, stale-while-revalidate=30"
SESSION = "the session (request.user or request.session)"
ADVICE = (
    "Move what depends on the visitor into a fragment ({% fragment %}...{% endfragment %}), "
    "or remove @cacheable_shell / CacheableShellMixin from the view."
)
DEFAULT_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]


def line_of(function: Callable[..., Any], text: str) -> int:
    """The line number of the first line of ``function`` that contains ``text``."""
    lines, first = inspect.getsourcelines(inspect.unwrap(function))
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.fixture
def alice(client: Client, django_user_model: type[User]) -> User:
    user = django_user_model.objects.create_user("alice")
    client.force_login(user)
    return user


@pytest.fixture
def debug() -> Iterator[None]:
    with override_settings(DEBUG=True, COMPOSEKIT_MODE="client"):
        yield


# -- headers ------------------------------------------------------------------------------


def test_pure_shell_is_public_for_a_logged_in_user(client: Client, alice: User) -> None:
    response = client.get("/shells/page/")
    assert response.status_code == 200
    assert response["Cache-Control"] == PAGE_CC
    assert not response.has_header("Vary")
    assert not response.has_header("X-Composekit-Shell")
    assert not response.cookies
    assert b'<ck-fragment name="shell-whoami" src="/_composekit/shell-whoami/?p=' in response.content
    assert b"alice" not in response.content


def test_head_is_a_shell_too(client: Client, alice: User) -> None:
    response = client.head("/shells/page/")
    assert response["Cache-Control"] == PAGE_CC
    assert response.content == b""


def test_other_methods_are_left_as_the_view_made_them(client: Client) -> None:
    response = client.post("/shells/user-in-template/")
    assert response.status_code == 200
    assert not response.has_header("Cache-Control")
    assert not response.has_header("X-Composekit-Shell")


def test_template_response_is_rendered_under_the_guard(client: Client, alice: User) -> None:
    response = client.get("/shells/template-response/")
    assert response.content == b"<p>Hello, world</p>\n"
    assert response["Cache-Control"] == "public, max-age=60"


def test_class_based_shell(client: Client, alice: User) -> None:
    response = client.get("/shells/class/")
    assert response.content == b"<p>Hi, world</p>\n"
    assert response["Cache-Control"] == "public, max-age=30, s-maxage=600, stale-if-error=86400"
    assert not response.has_header("Vary")


def test_class_options_can_come_from_as_view(rf: RequestFactory) -> None:
    view = views.ShellView.as_view(max_age=5, s_maxage=None, stale_if_error=None)
    request = rf.get("/")
    assert view(request)["Cache-Control"] == "public, max-age=5"


def test_error_responses_are_never_made_public(client: Client) -> None:
    response = client.get("/shells/impure-not-found/")
    assert response.status_code == 404
    assert not response.has_header("Cache-Control")
    assert response["Vary"] == "Cookie"


# -- arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_age": -1}, "cacheable shell: max_age must be a whole number of seconds >= 0, not -1"),
        ({"max_age": "60"}, "cacheable shell: max_age must be a whole number of seconds >= 0, not '60'"),
        (
            {"max_age": 1, "s_maxage": 1.5},
            "cacheable shell: s_maxage must be a whole number of seconds >= 0, not 1.5",
        ),
        (
            {"max_age": 1, "stale_while_revalidate": True},
            "cacheable shell: stale_while_revalidate must be a whole number of seconds >= 0, not True",
        ),
        (
            {"max_age": 1, "stale_if_error": -5},
            "cacheable shell: stale_if_error must be a whole number of seconds >= 0, not -5",
        ),
    ],
)
def test_bad_options_are_a_clear_value_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        cacheable_shell(**kwargs)
    assert str(caught.value) == message


def test_bare_decorator_is_a_clear_type_error() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    with pytest.raises(TypeError) as caught:
        cacheable_shell(view)  # type: ignore[arg-type]
    assert str(caught.value) == "@cacheable_shell takes options: write @cacheable_shell(max_age=60)"


def test_mixin_options_are_checked_when_the_urlconf_loads() -> None:
    class NoMaxAge(CacheableShellMixin, TemplateView):
        template_name = "shells/plain.html"

    with pytest.raises(ValueError) as caught:
        NoMaxAge.as_view()
    assert str(caught.value) == "cacheable shell: max_age must be a whole number of seconds >= 0, not None"
    with pytest.raises(ValueError) as caught:
        views.ShellView.as_view(s_maxage=-1)
    assert str(caught.value) == "cacheable shell: s_maxage must be a whole number of seconds >= 0, not -1"


# -- the guard under DEBUG: an error page naming what and where ------------------------------


def impure_error(client: Client, url: str) -> str:
    with pytest.raises(ImpureShellError) as caught:
        client.get(url)
    return str(caught.value)


def expected(view: str, *touched: str) -> str:
    lines = "".join(f"\n- {t}" for t in touched)
    return (
        f"The shell tests.shells.views.{view} touched per-user state, so it cannot be cached "
        f"for everyone:{lines}\n{ADVICE}"
    )


@pytest.mark.usefixtures("debug", "alice")
@pytest.mark.parametrize(
    ("url", "view", "touched"),
    [
        (
            "/shells/user-in-template/",
            "user_in_template",
            f"{SESSION}: template 'shells/user.html', line 1: {{{{ user.username|default:\"anonymous\" }}}}",
        ),
        (
            "/shells/csrf-form/",
            "csrf_form",
            "the CSRF token: template 'shells/csrf.html', line 2: {% csrf_token %}",
        ),
        (
            "/shells/messages-listed/",
            "messages_listed",
            "messages: template 'shells/messages.html', line 1: {% for message in messages %}",
        ),
        (
            "/shells/sets-cookie/",
            "sets_cookie",
            "a cookie set (theme): on the response of tests.shells.views.sets_cookie",
        ),
        (
            "/shells/vary-cookie/",
            "vary_cookie",
            "Vary: Cookie: on the response of tests.shells.views.vary_cookie",
        ),
        # login_required reads request.user inside Django: the view is all we can name.
        ("/shells/members/", "members", f"{SESSION}: in tests.shells.views.members"),
        (
            "/shells/class-impure/",
            "ImpureShellView",
            f"{SESSION}: template 'shells/user.html', line 1: {{{{ user.username|default:\"anonymous\" }}}}",
        ),
    ],
)
def test_debug_error_names_what_and_where(client: Client, url: str, view: str, touched: str) -> None:
    assert impure_error(client, url) == expected(view, touched)


@pytest.mark.usefixtures("debug", "alice")
def test_debug_error_names_the_line_of_view_code(client: Client) -> None:
    line = line_of(views.user_in_code, "request.user.is_authenticated")
    assert impure_error(client, "/shells/user-in-code/") == expected(
        "user_in_code", f"{SESSION}: tests.shells.views.user_in_code, line {line}"
    )
    line = line_of(views.message_added, "messages.info")
    assert impure_error(client, "/shells/message-added/") == expected(
        "message_added", f"messages: tests.shells.views.message_added, line {line}"
    )


@pytest.mark.usefixtures("debug")
def test_debug_error_is_djangos_error_page(alice: User) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/shells/csrf-form/")
    assert response.status_code == 500
    assert b"ImpureShellError" in response.content
    assert (
        b"the CSRF token: template &#x27;shells/csrf.html&#x27;, line 2: {% csrf_token %}" in response.content
    )


@override_settings(DEBUG=True)
def test_state_touched_before_the_view_is_blamed_on_middleware(rf: RequestFactory) -> None:
    request = rf.get("/shells/class/")
    request.session = SessionStore()
    request.session.get("anything")  # as a middleware reading request.user would
    with pytest.raises(ImpureShellError) as caught:
        views.ShellView.as_view()(request)
    assert str(caught.value) == expected("ShellView", f"{SESSION}: before the view ran (by a middleware)")


# -- inline fragments: per-user by design, quietly not cached ----------------------------------


@pytest.mark.usefixtures("alice")
@override_settings(DEBUG=True, COMPOSEKIT_MODE="inline")
def test_inline_fragments_make_a_shell_uncacheable_without_an_error(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="composekit.shell")
    response = client.get("/shells/page/")
    assert response.status_code == 200
    assert b'state="loaded"><b class="who">user=alice</b></ck-fragment>' in response.content
    assert response["Cache-Control"] == "private, no-cache"
    assert (
        response["X-Composekit-Shell"]
        == "not cached: inline fragments (shell-whoami, shell-cart, shell-news)"
    )
    [record] = [r for r in caplog.records if r.name == "composekit.shell"]
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == (
        "shell tests.shells.views.page holds inline fragments (shell-whoami, shell-cart, shell-news); "
        "sent as 'private, no-cache'"
    )


@override_settings(DEBUG=True, COMPOSEKIT_MODE="inline")
def test_state_read_by_inline_fragments_is_not_the_shells_fault(client: Client, alice: User) -> None:
    # csrf-form uses the CSRF token; staff reads the session and answers 403 (not inline,
    # its fallback shows), which still makes the page per-user.
    response = client.get("/shells/fragments-only/")
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Composekit-Shell"] == "not cached: inline fragments (csrf-form, staff)"
    assert b"staff only" in response.content


@pytest.mark.usefixtures("alice")
@override_settings(DEBUG=True, COMPOSEKIT_MODE="inline")
def test_shells_own_reads_are_still_an_error_in_inline_mode(client: Client) -> None:
    assert impure_error(client, "/shells/user-and-fragment/") == expected(
        "user_and_fragment",
        f"{SESSION}: template 'shells/user_and_fragment.html', line 1: {{{{ user.username }}}}",
    )


# -- the guard in production: downgraded and a warning -----------------------------------------


@pytest.mark.usefixtures("alice")
def test_production_downgrades_and_warns(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    response = client.get("/shells/user-in-template/")
    assert response.status_code == 200
    assert response.content == b"<p>Hello alice</p>\n"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Composekit-Shell"] == f"not cached: {SESSION}"
    assert response["Vary"] == "Cookie"
    [record] = [r for r in caplog.records if r.name == "composekit.shell"]
    assert record.levelno == logging.WARNING
    # Where exactly is only located when asked (the default under DEBUG): here, the view.
    assert record.getMessage() == (
        f"shell tests.shells.views.user_in_template touched {SESSION} (in tests.shells.views.user_in_template); "
        "sent as 'private, no-cache'. Move per-user parts into fragments."
    )


@pytest.mark.usefixtures("alice")
@override_settings(COMPOSEKIT_LOCATE_TOUCHES=True)
def test_production_locates_touches_when_asked(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    assert client.get("/shells/user-in-template/")["Cache-Control"] == "private, no-cache"
    [record] = [r for r in caplog.records if r.name == "composekit.shell"]
    assert record.getMessage() == (
        f"shell tests.shells.views.user_in_template touched {SESSION} (template 'shells/user.html', "
        "line 1: {{ user.username|default:\"anonymous\" }}); sent as 'private, no-cache'. "
        "Move per-user parts into fragments."
    )


@pytest.mark.parametrize(
    ("debug", "locate", "swapped"), [(False, None, False), (True, None, True), (True, False, False)]
)
def test_only_locating_swaps_classes_and_meta(
    rf: RequestFactory, debug: bool, locate: bool | None, swapped: bool
) -> None:
    from django.contrib.messages.storage.fallback import FallbackStorage

    seen = []

    @cacheable_shell(max_age=60)
    def view(request: HttpRequest) -> HttpResponse:
        seen.append((type(request.session), type(request._messages), type(request.META)))  # type: ignore[attr-defined]
        return HttpResponse("ok")

    request = rf.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    with override_settings(DEBUG=debug, COMPOSEKIT_LOCATE_TOUCHES=locate):
        assert view(request)["Cache-Control"] == "public, max-age=60"
    [(session, messages, meta)] = seen
    assert (session is not SessionStore, messages is not FallbackStorage, meta is not dict) == (swapped,) * 3


def test_production_names_every_kind_touched(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    response = client.get("/shells/csrf-form/")
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Composekit-Shell"] == "not cached: the CSRF token"
    assert "csrftoken" in response.cookies  # the page still works for this visitor
    response = client.get("/shells/message-added/")
    assert response["X-Composekit-Shell"] == "not cached: messages"
    response = client.get("/shells/sets-cookie/")
    assert response["X-Composekit-Shell"] == "not cached: a cookie set (theme)"
    assert [r.getMessage() for r in caplog.records if r.name == "composekit.shell"] == [
        "shell tests.shells.views.csrf_form touched the CSRF token (in tests.shells.views.csrf_form); "
        "sent as 'private, no-cache'. Move per-user parts into fragments.",
        "shell tests.shells.views.message_added touched messages (in tests.shells.views.message_added); "
        "sent as 'private, no-cache'. Move per-user parts into fragments.",
        "shell tests.shells.views.sets_cookie touched a cookie set (theme) (on the response of "
        "tests.shells.views.sets_cookie); sent as 'private, no-cache'. Move per-user parts into fragments.",
    ]


def test_production_blames_middleware_for_what_it_touched_first(
    rf: RequestFactory, caplog: pytest.LogCaptureFixture
) -> None:
    request = rf.get("/shells/class/")
    request.session = SessionStore()
    request.session.get("anything")  # as a middleware reading request.user would
    assert views.ShellView.as_view()(request)["X-Composekit-Shell"] == f"not cached: {SESSION}"
    [record] = [r for r in caplog.records if r.name == "composekit.shell"]
    assert "(before the view ran (by a middleware))" in record.getMessage()


@override_settings(COMPOSEKIT_MODE="inline")
def test_production_inline_page_blames_fragments_only_for_their_own_state(
    client: Client, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    # The fragments touched the session and the CSRF token first: not the shell's doing.
    response = client.get("/shells/fragments-only/")
    assert response["X-Composekit-Shell"] == "not cached: inline fragments (csrf-form, staff)"
    assert [r for r in caplog.records if r.name == "composekit.shell" and r.levelno >= logging.WARNING] == []
    # This shell reads the user itself before its fragment does: a warning, not a quiet pass.
    response = client.get("/shells/user-and-fragment/")
    assert response["X-Composekit-Shell"] == f"not cached: {SESSION}"


def test_guard_leaves_the_session_and_messages_as_it_found_them(rf: RequestFactory) -> None:
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.get("/shells/class/")
    request.session = session = SessionStore()
    request._messages = storage = FallbackStorage(request)  # type: ignore[attr-defined]
    meta = request.META
    request.user = AnonymousUser()
    assert (
        views.ShellView.as_view()(request)["Cache-Control"]
        == "public, max-age=30, s-maxage=600, stale-if-error=86400"
    )
    assert type(session) is SessionStore and type(storage) is FallbackStorage
    assert not hasattr(session, "_composekit_watch")
    assert request.META is meta


# -- Django's cache framework and conditional GET -----------------------------------------------


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shells"}}


@pytest.fixture
def cache() -> Iterator[Any]:
    with override_settings(CACHES=LOCMEM):
        caches["default"].clear()
        views.calls.clear()
        yield caches["default"]
        caches["default"].clear()


def page_entries(cache: Any) -> list[str]:
    return [key for key in cache._cache if "cache_page" in key]


def test_cache_page_stores_one_entry_for_all_users(cache: Any, django_user_model: type[User]) -> None:
    bodies = []
    for name in ("alice", "bob"):
        client = Client()
        client.force_login(django_user_model.objects.create_user(name))
        response = client.get("/shells/counted/")
        assert response["Cache-Control"] == "public, max-age=60"
        assert not response.has_header("Vary")
        bodies.append(response.content)
    assert views.calls == {"counted": 1}  # bob was served alice's stored page
    assert bodies == [b"<p>Hello, world</p>\n"] * 2
    assert len(page_entries(cache)) == 1
    Client().get("/shells/counted/")
    assert views.calls == {"counted": 1}


CACHE_MIDDLEWARE = [
    "django.middleware.cache.UpdateCacheMiddleware",
    "composekit.shell.ShellGuardMiddleware",
    *DEFAULT_MIDDLEWARE,
    "django.middleware.cache.FetchFromCacheMiddleware",
]


@override_settings(MIDDLEWARE=CACHE_MIDDLEWARE)
def test_cache_middleware_serves_one_entry_to_all_users(cache: Any, django_user_model: type[User]) -> None:
    first = Client()
    first.force_login(django_user_model.objects.create_user("alice"))
    second = Client()
    second.force_login(django_user_model.objects.create_user("bob"))
    one = first.get("/shells/class/")
    two = second.get("/shells/class/")
    assert (
        one["Cache-Control"]
        == two["Cache-Control"]
        == "public, max-age=30, s-maxage=600, stale-if-error=86400"
    )
    assert one.content == two.content == b"<p>Hi, world</p>\n"
    assert len(page_entries(cache)) == 1
    assert not two.cookies and not two.has_header("Vary")


@override_settings(MIDDLEWARE=CACHE_MIDDLEWARE, SESSION_SAVE_EVERY_REQUEST=True)
def test_guard_middleware_catches_what_middleware_adds_after_the_view(
    cache: Any, client: Client, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    # SESSION_SAVE_EVERY_REQUEST re-sends alice's session cookie on every response, after
    # the view: a shared cache must never store (and replay) that.
    response = client.get("/shells/class/")
    assert "sessionid" in response.cookies
    assert response["Cache-Control"] == "private, no-cache"
    # Saving reads the session, so SessionMiddleware also adds Vary: Cookie (Django 5+; 4.2's
    # does not count a save as a read).
    vary = ", Vary: Cookie" if django.VERSION >= (5, 0) else ""
    touched = f"{SESSION}, a cookie set (sessionid){vary}"
    assert response["X-Composekit-Shell"] == f"not cached: {touched}"
    assert page_entries(cache) == []
    [record] = [r for r in caplog.records if r.name == "composekit.shell"]
    assert record.getMessage() == (
        f"GET /shells/class/ was marked shareable but carries {touched}; sent as 'private, no-cache'."
    )
    # Anonymous visitors have no session to save: their page is stored and shared.
    anonymous = Client().get("/shells/class/")
    assert anonymous["Cache-Control"] == "public, max-age=30, s-maxage=600, stale-if-error=86400"
    assert len(page_entries(cache)) == 1


@override_settings(SESSION_SAVE_EVERY_REQUEST=True)
def test_without_the_guard_middleware_the_session_cookie_would_leave_public(
    client: Client, alice: User
) -> None:
    response = client.get("/shells/class/")
    assert response["Cache-Control"] == "public, max-age=30, s-maxage=600, stale-if-error=86400"
    assert "sessionid" in response.cookies  # why docs/shells.md asks for ShellGuardMiddleware


def test_guard_middleware_ignores_private_and_clean_public_responses(rf: RequestFactory) -> None:
    request = rf.get("/")
    private = HttpResponse()
    private["Cache-Control"] = "private, max-age=60"
    private.set_cookie("x", "1")
    assert ShellGuardMiddleware(lambda r: private)(request)["Cache-Control"] == "private, max-age=60"
    public = HttpResponse()
    public["Cache-Control"] = "public, max-age=60"
    assert ShellGuardMiddleware(lambda r: public)(request)["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize(
    ("cache_control", "expected"),
    [
        ("public, max-age=60", True),
        ("max-age=0, s-maxage=60", True),
        ("S-MAXAGE=60", True),
        ("public, private", False),
        ("public, no-store", False),
        ("max-age=60", False),
        ("", False),
    ],
)
def test_shareable(cache_control: str, expected: bool) -> None:
    response = HttpResponse()
    if cache_control:
        response["Cache-Control"] = cache_control
    assert shareable(response) is expected


@override_settings(MIDDLEWARE=["django.middleware.http.ConditionalGetMiddleware", *DEFAULT_MIDDLEWARE])
def test_conditional_get_answers_304_on_a_shell(client: Client, django_user_model: type[User]) -> None:
    first = client.get("/shells/page/")
    etag = first["ETag"]
    other = Client()
    other.force_login(django_user_model.objects.create_user("bob"))
    response = other.get("/shells/page/", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Cache-Control"] == PAGE_CC
    assert not response.has_header("Vary")


# -- async views and the middleware under ASGI ---------------------------------------------------


@pytest.fixture
def arf() -> Any:
    from django.test import AsyncRequestFactory

    return AsyncRequestFactory()


def test_async_view_is_a_shell(arf: Any) -> None:
    @cacheable_shell(max_age=0, s_maxage=60)
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<p>Hi</p>")

    assert asyncio.iscoroutinefunction(view)
    response = aio.run(view(arf.get("/")))
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert response.content == b"<p>Hi</p>"
    post = aio.run(view(arf.post("/")))
    assert not post.has_header("Cache-Control")


@pytest.mark.skipif(django.VERSION < (5, 0), reason="request.auser() is new in Django 5.0")
@override_settings(DEBUG=True)
def test_async_view_that_reads_the_user_is_impure(arf: Any) -> None:
    from django.contrib.auth import aget_user

    @cacheable_shell(max_age=60)
    async def view(request: HttpRequest) -> HttpResponse:
        user = await request.auser()
        return HttpResponse(f"<p>Hi {user}</p>")

    request = arf.get("/")
    request.session = SessionStore()
    request.auser = partial(aget_user, request)  # as AuthenticationMiddleware sets it
    with pytest.raises(ImpureShellError) as caught:
        aio.run(view(request))
    name = "tests.test_shell.test_async_view_that_reads_the_user_is_impure.<locals>.view"
    line = line_of(view, "await request.auser()")
    assert str(caught.value) == (
        f"The shell {name} touched per-user state, so it cannot be cached for everyone:\n"
        f"- {SESSION}: {name}, line {line}\n{ADVICE}"
    )


def test_async_template_response_is_rendered_under_the_guard(arf: Any) -> None:
    from django.template.response import TemplateResponse

    @cacheable_shell(max_age=60)
    async def view(request: HttpRequest) -> TemplateResponse:
        return TemplateResponse(request, "shells/plain.html", {"greeting": "Hello"})

    response = aio.run(view(arf.get("/")))
    assert response.is_rendered
    assert response.content == b"<p>Hello, world</p>\n"
    assert response["Cache-Control"] == "public, max-age=60"


def test_async_class_based_shell(arf: Any) -> None:
    class AsyncShell(CacheableShellMixin):
        max_age = 30

        async def get(self, request: HttpRequest) -> HttpResponse:
            return HttpResponse("async")

    view = AsyncShell.as_view()
    assert asyncio.iscoroutinefunction(view)
    response = aio.run(view(arf.get("/")))
    assert (response.content, response["Cache-Control"]) == (b"async", "public, max-age=30")


def test_guard_middleware_is_async_capable(arf: Any) -> None:
    async def get_response(request: HttpRequest) -> HttpResponse:
        response = HttpResponse()
        response["Cache-Control"] = "public, max-age=60"
        response.set_cookie("sessionid", "x")
        return response

    middleware = ShellGuardMiddleware(get_response)
    assert asyncio.iscoroutinefunction(middleware)
    response = aio.run(middleware(arf.get("/")))
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Composekit-Shell"] == "not cached: a cookie set (sessionid)"
