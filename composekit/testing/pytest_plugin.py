"""pytest fixtures for composekit. In your ``conftest.py``::

    pytest_plugins = ["composekit.testing.pytest_plugin"]

They build on pytest-django's ``client`` and ``django_user_model``. Only pytest imports this
module: composekit itself does not depend on pytest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from .fragments import FragmentResult, assert_fragment_policy, fetch_fragment, render_fragment
from .shells import assert_cacheable_shell

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.http.response import HttpResponseBase

    from ..policy import CachePolicy

__all__ = ["Composekit", "ck", "shell_users"]


class Composekit:
    """The helpers of ``composekit.testing``, bound to the test's client and two users."""

    def __init__(self, client: Client, users: list[AbstractBaseUser]) -> None:
        self.client = client
        self.users = users

    def fetch(
        self,
        name: str,
        params: Mapping[str, object] | None = None,
        *,
        user: AbstractBaseUser | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FragmentResult:
        return fetch_fragment(name, params, user=user, client=self.client, headers=headers)

    def render(
        self,
        name: str,
        params: Mapping[str, object] | None = None,
        *,
        user: AbstractBaseUser | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FragmentResult:
        return render_fragment(name, params, user=user, headers=headers)

    def assert_policy(
        self,
        name: str,
        expected: CachePolicy,
        params: Mapping[str, object] | None = None,
        *,
        user: AbstractBaseUser | None = None,
    ) -> FragmentResult:
        __tracebackhide__ = True
        return assert_fragment_policy(name, expected, params, user=user, client=self.client)

    def assert_cacheable_shell(self, url: str, headers: Mapping[str, str] | None = None) -> HttpResponseBase:
        __tracebackhide__ = True
        return assert_cacheable_shell(url, self.users, client=self.client, headers=headers)


@pytest.fixture
def shell_users(django_user_model: type[AbstractBaseUser], db: None) -> list[AbstractBaseUser]:
    """Two users (``ck-alice``, ``ck-bob``), for ``assert_cacheable_shell`` to compare."""
    manager = django_user_model._default_manager
    return [manager.create_user(name) for name in ("ck-alice", "ck-bob")]  # type: ignore[attr-defined]


@pytest.fixture
def ck(client: Client, shell_users: list[AbstractBaseUser]) -> Composekit:
    """``ck.fetch("cart-summary", {"sku": "AB-1"}, user=...)``, ``.render(...)``,
    ``.assert_policy(...)``, ``.assert_cacheable_shell("/")``, on pytest-django's ``client``."""
    return Composekit(client, shell_users)
