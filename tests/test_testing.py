"""``composekit.testing.assert_cacheable_shell``: passes on shells, fails readably on the rest."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from composekit.testing import assert_cacheable_shell

pytestmark = pytest.mark.django_db

SESSION = "the session (request.user or request.session)"


@pytest.fixture
def users(django_user_model: type[User]) -> list[User]:
    return [django_user_model.objects.create_user(name) for name in ("alice", "bob")]


def failure(url: str, users: list[User], **kwargs: object) -> str:
    with pytest.raises(AssertionError) as caught:
        assert_cacheable_shell(url, users, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_passes_on_a_shell_and_returns_the_anonymous_response(users: list[User]) -> None:
    response = assert_cacheable_shell("/shells/page/", users)
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60, stale-while-revalidate=30"
    assert b'<ck-fragment name="shell-cart"' in response.content  # type: ignore[attr-defined]


@override_settings(DEBUG=True)
def test_renders_in_client_mode_as_in_production(users: list[User]) -> None:
    # Under DEBUG the default mode is inline, which is never cacheable: the helper asks
    # what production will serve.
    assert_cacheable_shell("/shells/page/", users)


def test_uses_the_given_client_and_headers_and_logs_it_out(users: list[User]) -> None:
    client = Client(HTTP_HOST="shop.example")
    client.force_login(users[0])
    response = assert_cacheable_shell(
        "/shells/class/", users, client=client, headers={"Accept-Language": "fr"}
    )
    assert response.wsgi_request.get_host() == "shop.example"  # type: ignore[attr-defined]
    assert response.wsgi_request.headers["Accept-Language"] == "fr"  # type: ignore[attr-defined]
    assert "sessionid" not in client.cookies


def test_fails_with_a_diff_when_a_body_differs(users: list[User]) -> None:
    # The page reads request.COOKIES, which no guard can see: only the bodies show it.
    assert failure("/shells/cookie-count/", users) == (
        "GET /shells/cookie-count/ is not a cacheable shell:\n"
        "- user 'alice': the body differs from anonymous:\n"
        "    --- anonymous\n"
        "    +++ user 'alice'\n"
        "    @@ -1,2 +1,2 @@\n"
        "     <p>\n"
        "    -You sent 0 cookie(s)</p>\n"
        "    +You sent 1 cookie(s)</p>\n"
        "- user 'bob': the body differs from anonymous:\n"
        "    --- anonymous\n"
        "    +++ user 'bob'\n"
        "    @@ -1,2 +1,2 @@\n"
        "     <p>\n"
        "    -You sent 0 cookie(s)</p>\n"
        "    +You sent 1 cookie(s)</p>"
    )


def test_fails_on_an_impure_shell_with_headers_and_diff(users: list[User]) -> None:
    not_public = (
        f"Cache-Control is 'private, no-cache', not public (X-Composekit-Shell: not cached: {SESSION})"
    )
    assert failure("/shells/user-in-template/", users) == (
        "GET /shells/user-in-template/ is not a cacheable shell:\n"
        f"- anonymous: {not_public}\n"
        "- anonymous: sends Vary: Cookie\n"
        f"- user 'alice': {not_public}\n"
        "- user 'alice': sends Vary: Cookie\n"
        "- user 'alice': the body differs from anonymous:\n"
        "    --- anonymous\n"
        "    +++ user 'alice'\n"
        "    @@ -1,2 +1,2 @@\n"
        "     <p>\n"
        "    -Hello anonymous</p>\n"
        "    +Hello alice</p>\n"
        f"- user 'bob': {not_public}\n"
        "- user 'bob': sends Vary: Cookie\n"
        "- user 'bob': the body differs from anonymous:\n"
        "    --- anonymous\n"
        "    +++ user 'bob'\n"
        "    @@ -1,2 +1,2 @@\n"
        "     <p>\n"
        "    -Hello anonymous</p>\n"
        "    +Hello bob</p>"
    )


def test_fails_on_status_cookies_and_uncached_pages(users: list[User]) -> None:
    message = failure("/shells/sets-cookie/", users)
    assert message.startswith(
        "GET /shells/sets-cookie/ is not a cacheable shell:\n"
        "- anonymous: Cache-Control is 'private, no-cache', not public "
        "(X-Composekit-Shell: not cached: a cookie set (theme))\n"
        "- anonymous: sets cookies (theme)\n"
    )
    assert failure("/shells/impure-not-found/", users).startswith(
        "GET /shells/impure-not-found/ is not a cacheable shell:\n"
        "- anonymous: answered 404, not 200\n"
        "- anonymous: Cache-Control is None, not public\n"
        "- anonymous: sends Vary: Cookie\n"
    )


def test_needs_two_different_users(users: list[User]) -> None:
    with pytest.raises(ValueError) as caught:
        assert_cacheable_shell("/shells/page/", users[:1])
    assert (
        str(caught.value) == "assert_cacheable_shell needs two or more users, to compare them with anonymous"
    )
    with pytest.raises(ValueError) as caught:
        assert_cacheable_shell("/shells/page/", [users[0], users[0]])
    assert str(caught.value) == "assert_cacheable_shell needs different users; the same user is given twice"
