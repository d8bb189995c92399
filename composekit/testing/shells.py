"""``assert_cacheable_shell``: proves, in your own test suite, that a page is a shell: the
same bytes for everyone and headers a shared cache may store."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.http.response import HttpResponseBase
from django.test import Client, override_settings
from django.utils.cache import has_vary_header

from ..shell import REASON_HEADER, shareable

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = ["assert_cacheable_shell"]

_TAG_END = re.compile(r">(?!\n)")


def assert_cacheable_shell(
    url: str,
    users: Sequence[AbstractBaseUser],
    *,
    client: Client | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponseBase:
    """Assert that ``GET url`` is one cacheable shell for anonymous visitors and every user.

    Renders ``url`` as anonymous, then logged in (``force_login``) as each of ``users`` (two
    or more different users), in client mode as in production. Every response must answer
    200 with a shareable ``Cache-Control`` (``public`` or ``s-maxage``, not private or
    no-store), no ``Vary: Cookie`` and no ``Set-Cookie``, and a body byte-identical to the
    anonymous one. Otherwise raises ``AssertionError`` listing every problem, with a unified
    diff of each body that differs. Returns the anonymous response; ``client`` ends logged out.
    """
    __tracebackhide__ = True  # pytest: show the caller's line, not ours
    if len(users) < 2:
        raise ValueError("assert_cacheable_shell needs two or more users, to compare them with anonymous")
    if len({user.pk for user in users}) != len(users):
        raise ValueError("assert_cacheable_shell needs different users; the same user is given twice")
    client = client or Client()
    problems: list[str] = []
    with override_settings(COMPOSEKIT_MODE="client"):
        client.logout()
        anonymous = client.get(url, headers=headers)
        problems += _header_problems("anonymous", anonymous)
        for user in users:
            client.logout()
            client.force_login(user)  # type: ignore[arg-type]  # any user model; the stubs say User
            response = client.get(url, headers=headers)
            label = f"user {user.get_username()!r}"
            problems += _header_problems(label, response)
            if response.content != anonymous.content:
                problems.append(
                    f"{label}: the body differs from anonymous:\n{_diff(anonymous.content, response.content, label)}"
                )
        client.logout()
    if problems:
        raise AssertionError(f"GET {url} is not a cacheable shell:\n" + "\n".join(f"- {p}" for p in problems))
    return anonymous


def _header_problems(label: str, response: HttpResponseBase) -> list[str]:
    problems = []
    if response.status_code != 200:
        problems.append(f"{label}: answered {response.status_code}, not 200")
    if not shareable(response):
        cache_control = response.get("Cache-Control")
        why = response.get(REASON_HEADER)
        problems.append(
            f"{label}: Cache-Control is {cache_control!r}, not public"
            + (f" ({REASON_HEADER}: {why})" if why else "")
        )
    if has_vary_header(response, "Cookie"):
        problems.append(f"{label}: sends Vary: {response['Vary']}")
    if response.cookies:
        problems.append(f"{label}: sets cookies ({', '.join(sorted(response.cookies))})")
    return problems


def _diff(expected: bytes, got: bytes, label: str) -> str:
    # HTML often sits on one long line: one tag per line makes the diff point at the change.
    def lines(body: bytes) -> list[str]:
        return _TAG_END.sub(">\n", body.decode("utf-8", "replace")).splitlines()

    diff = difflib.unified_diff(lines(expected), lines(got), "anonymous", label, lineterm="")
    return "\n".join(f"    {line}" for line in diff)
