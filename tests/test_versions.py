"""Dependencies and their versions: labels, versions that are made once, expire()."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import override_settings

from composekit import expire, expire_on_change, keys
from composekit.versions import cache_backend, label, versions


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.mark.parametrize(
    ("dependency", "expected"),
    [
        ("products", "products"),
        (("product", 7), "product=7"),
        (("product", "AB-12"), "product=AB-12"),
        (("price", "eu", 7), "price=eu.7"),
        (("tag", "a b,c:d=e~f/é"), "tag=a%20b%2Cc%3Ad%3De%7Ef%2F%C3%A9"),
        (("price", "eu.x", 7), "price=eu%2Ex.7"),  # not ("price", "eu", "x", 7)
        (("shop.Product", 1), "shop.Product=1"),
    ],
)
def test_labels_are_readable_and_never_ambiguous(dependency: Any, expected: str) -> None:
    assert label(dependency) == expected


@pytest.mark.parametrize(
    ("dependency", "message"),
    [
        ("two words", "a dependency is a name of letters, digits, '_', '.' or '-'"),
        (("", 1), "a dependency is a name"),
        ((7,), "a dependency is a name"),
        (("product", 1.5), "dependency 'product': ids are str or int, not 1.5"),
        (("product", True), "dependency 'product': ids are str or int, not True"),
        (("product", None), "dependency 'product': ids are str or int, not None"),
    ],
)
def test_bad_dependencies_say_what_is_wrong(dependency: Any, message: str) -> None:
    with pytest.raises(
        ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        label(dependency)


def test_versions_are_made_once_and_then_read() -> None:
    first = versions(["product=7", "products"])
    assert [len(v) for v in first] == [8, 8]
    assert versions(["product=7", "products"]) == first
    assert caches["default"].get("composekit:version:product=7") == first[0]
    assert versions([]) == []


def test_expire_moves_one_version_only() -> None:
    before = versions(["product=7", "product=8"])
    assert expire("product", 7) is True
    after = versions(["product=7", "product=8"])
    assert after[0] != before[0] and after[1] == before[1]


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1",
        }
    }
)
def test_expire_during_a_cache_outage_logs_and_returns_false(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="composekit"):
        assert expire("product", 7) is False
    [record] = caplog.records
    assert record.getMessage().startswith("could not expire composekit:version:product=7: ConnectionError")


@pytest.mark.django_db
def test_expire_on_change_expires_after_commit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    disconnect = expire_on_change(User, lambda user: [("cart", user.pk), "users"])
    try:
        user = User.objects.create_user("versioned")
        before = versions([f"cart={user.pk}", "users", "products"])
        with django_capture_on_commit_callbacks(execute=False) as pending:
            user.first_name = "Ver"
            user.save()
        assert versions([f"cart={user.pk}", "users", "products"]) == before  # not before the commit
        for callback in pending:
            callback()
        after = versions([f"cart={user.pk}", "users", "products"])
        assert after[0] != before[0] and after[1] != before[1] and after[2] == before[2]
        with django_capture_on_commit_callbacks(execute=True):
            user.delete()
        assert versions([f"cart={user.pk}"])[0] != after[0]
    finally:
        disconnect()
    moved = versions(["users"])
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.create_user("unwatched")
    assert versions(["users"]) == moved  # disconnected


def test_the_cache_backend_is_the_one_composekit_cache_names() -> None:
    assert cache_backend() is caches["default"]
    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(CACHES={"default": locmem, "other": locmem}, COMPOSEKIT_CACHE="other"):
        assert cache_backend() is caches["other"]
        assert cache_backend() is not caches["default"]


@pytest.mark.parametrize(
    ("name", "new"),
    [
        ("entry_key", "composekit.keys.entry_key"),
        ("lock_key", "composekit.keys.lock_key"),
        ("param_part", "composekit.keys.param_part"),
        ("version_key", "composekit.keys.version_key"),
        ("cache", "composekit.versions.cache_backend"),
    ],
)
def test_the_old_names_still_work_and_name_the_new_one(name: str, new: str) -> None:
    import composekit.versions

    with pytest.warns(DeprecationWarning) as warned:
        old = getattr(composekit.versions, name)
    module, _, attribute = new.rpartition(".")
    assert old is getattr(keys if module == "composekit.keys" else composekit.versions, attribute)
    assert [str(w.message) for w in warned] == [f"composekit.versions.{name} is deprecated: use {new}"]
