"""``X-Robots-Tag`` on every response under the fragment prefix (composekit/robots.py)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from composekit.render import fragment_url

pytestmark = pytest.mark.django_db


def batch_url(*names: str) -> str:
    parts = "&".join("f=" + name + ":" + fragment_url(name).split("?p=")[1] for name in names)
    return "/_composekit/_batch/?" + parts


@pytest.mark.parametrize(
    ("what", "status"),
    [
        ("fragment", 200),
        ("public fragment", 200),
        ("not modified", 304),
        ("tampered params", 400),
        ("unknown fragment", 404),
        ("refused", 401),
        ("raised", 500),
        ("method not allowed", 405),
        ("batch", 200),
        ("empty batch", 400),
        ("not a fragment path", 404),
    ],
)
def test_every_response_under_the_prefix_says_noindex(client: Client, what: str, status: int) -> None:
    urls = {
        "fragment": fragment_url("hello"),
        "public fragment": fragment_url("news"),
        "not modified": fragment_url("news"),
        "tampered params": fragment_url("hello") + "x",
        "unknown fragment": "/_composekit/nope/",
        "refused": fragment_url("members"),
        "raised": fragment_url("boom"),
        "method not allowed": fragment_url("hello"),
        "batch": batch_url("hello", "counted"),
        "empty batch": "/_composekit/_batch/",
        "not a fragment path": "/_composekit/a/b/c",
    }
    if what == "method not allowed":
        response = client.post(urls[what])
    elif what == "not modified":
        response = client.get(urls[what], headers={"If-None-Match": client.get(urls[what])["ETag"]})
    else:
        response = client.get(urls[what])
    assert response.status_code == status
    assert response["X-Robots-Tag"] == "noindex"


@override_settings(COMPOSEKIT_ROBOTS_TAG="noindex, nofollow")
def test_the_setting_changes_it(client: Client) -> None:
    assert client.get(fragment_url("hello"))["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get(batch_url("hello", "counted"))["X-Robots-Tag"] == "noindex, nofollow"


@override_settings(COMPOSEKIT_ROBOTS_TAG=None)
def test_none_sends_no_header(client: Client) -> None:
    assert not client.get(fragment_url("hello")).has_header("X-Robots-Tag")
    assert not client.get("/_composekit/nope/").has_header("X-Robots-Tag")


def test_a_header_the_fragment_set_itself_is_kept(client: Client) -> None:
    assert client.get(fragment_url("indexable"))["X-Robots-Tag"] == "all"


def test_pages_do_not_get_it(client: Client) -> None:
    assert not client.get("/page/").has_header("X-Robots-Tag")
