"""``composekit.testing``'s fragment helpers and its pytest fixtures, on the test app's fragments."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.test import Client

from composekit import CachePolicy, fragment_url
from composekit.render import FragmentError
from composekit.testing import assert_fragment_policy, fetch_fragment, render_fragment

if TYPE_CHECKING:
    from composekit.testing.pytest_plugin import Composekit

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model: type[User]) -> User:
    return django_user_model.objects.create_user("alice")


def test_fetch_renders_as_the_user_with_the_params(alice: User) -> None:
    result = fetch_fragment("hello", {"who": "tests"}, user=alice)
    assert (result.name, result.status, result.html) == ("hello", 200, "Hello alice from tests")
    assert result.url == fragment_url("hello", who="tests")
    assert result.cache_control == "private, no-cache"
    assert result.vary == "Accept, Cookie"
    assert result.headers["Content-Type"] == "text/html; charset=utf-8"
    assert result.policy == CachePolicy.private()
    assert fetch_fragment("hello").html == "Hello anonymous"


def test_fetch_sends_the_headers_and_leaves_the_client_logged_in(alice: User) -> None:
    client = Client()
    result = fetch_fragment(
        "news", {"topic": "cats"}, user=alice, client=client, headers={"Accept": "application/json"}
    )
    assert json.loads(result.html) == {"name": "news", "html": "<p>News about cats</p>"}
    assert result.headers["Content-Type"] == "application/json"
    assert result.cache_control == "public, max-age=60, s-maxage=300, stale-while-revalidate=30"
    assert "sessionid" in client.cookies
    # The next call logs the client out first: anonymous means anonymous.
    assert fetch_fragment("hello", client=client).html == "Hello anonymous"


def test_render_runs_the_view_inline_as_the_user(alice: User) -> None:
    result = render_fragment("hello", {"who": "inline"}, user=alice)
    assert (result.status, result.html) == (200, "Hello alice from inline")
    assert result.cache_control == "private, no-cache"
    assert render_fragment("hello").html == "Hello anonymous"
    # Refusals come back as the fragment's answer; what it raises is raised.
    assert render_fragment("staff", user=alice).status == 403
    with pytest.raises(RuntimeError):
        render_fragment("boom")


def test_unknown_fragments_are_refused() -> None:
    with pytest.raises(FragmentError, match="nope"):
        fetch_fragment("nope")
    with pytest.raises(FragmentError, match="nope"):
        render_fragment("nope")


def test_assert_fragment_policy_passes_and_fails_readably(alice: User) -> None:
    assert_fragment_policy("counted", CachePolicy.private(max_age=30), user=alice)
    assert_fragment_policy("news", CachePolicy.public(max_age=60, s_maxage=300, stale_while_revalidate=30))
    with pytest.raises(AssertionError) as caught:
        assert_fragment_policy("news", CachePolicy.public(max_age=60), {"topic": "x"})
    url = fragment_url("news", topic="x")
    assert str(caught.value) == (
        f"GET {url} (anonymous) does not send the expected policy:\n"
        "- Cache-Control is 'public, max-age=60, s-maxage=300, stale-while-revalidate=30', "
        "expected 'public, max-age=60'\n"
        "- the fragment declares "
        f"{CachePolicy.public(max_age=60, s_maxage=300, stale_while_revalidate=30)!r}"
    )
    with pytest.raises(AssertionError) as caught:
        assert_fragment_policy("staff", CachePolicy.private(), user=alice)
    assert str(caught.value) == (
        f"GET {fragment_url('staff')} (user 'alice') does not send the expected policy:\n"
        "- answered 403, not 200\n"
        "- Cache-Control is 'no-store', expected 'private, no-cache'\n"
        "- Vary is 'Cookie', expected 'Accept, Cookie'"
    )  # the fragment declares the default policy: not said again


def test_the_fixtures(ck: Composekit, shell_users: list[User]) -> None:
    assert [u.get_username() for u in shell_users] == ["ck-alice", "ck-bob"]
    assert ck.fetch("hello", user=shell_users[0]).html == "Hello ck-alice"
    assert ck.render("hello", {"who": "x"}, user=shell_users[1]).html == "Hello ck-bob from x"
    assert ck.assert_policy("counted", CachePolicy.private(max_age=30)).status == 200
    assert ck.assert_cacheable_shell("/shells/page/").status_code == 200
    with pytest.raises(AssertionError, match="is not a cacheable shell"):
        ck.assert_cacheable_shell("/shells/user-in-template/")
