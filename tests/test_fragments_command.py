"""composekit/management/commands/composekit_fragments.py: ``manage.py composekit_fragments``."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from composekit import registry

SESSION = "composekit.authentication.SafeMethodSessionAuthentication"
BASIC = "rest_framework.authentication.BasicAuthentication"
ALLOW_ANY = "rest_framework.permissions.AllowAny"


def listing(*args: str) -> str:
    out = StringIO()
    call_command("composekit_fragments", *args, stdout=out)
    return out.getvalue()


def by_name() -> dict[str, dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(listing("--json"))
    assert [item["name"] for item in items] == sorted(registry.all_fragments())
    return {item["name"]: item for item in items}


def test_json_of_a_private_server_cached_fragment() -> None:
    assert by_name()["picks"] == {
        "name": "picks",
        "class": "tests.testapp.fragments.Picks",
        "url": "/_composekit/picks/",
        "cache_control": "private, max-age=60",
        "vary": "Accept, Cookie",
        "scopes": None,
        "server_cache": {"timeout": 60, "stale_while_revalidate": 300},
        "batch": True,
        "refresh_on": [],
        "refresh_every": None,
        "authentication": [SESSION, BASIC],
        "permissions": [ALLOW_ANY],
        "throttles": [],
        "dependencies": True,
    }


def test_json_says_what_runs_not_only_what_is_named() -> None:
    items = by_name()
    # Public and not asking for authentication: none runs (it would read the session).
    assert (items["news"]["authentication"], items["news"]["vary"]) == ([], "Accept")
    assert items["news"]["cache_control"] == "public, max-age=60, s-maxage=300, stale-while-revalidate=30"
    assert items["members"]["authentication"] == [BASIC, SESSION]
    assert items["members"]["permissions"] == ["rest_framework.permissions.IsAuthenticated"]
    assert items["throttled"]["throttles"] == ["tests.testapp.fragments.OnePerMinute"]
    assert items["scoped-cart"]["scopes"] == ["cart", "wishlist"]
    assert items["scoped-nothing"]["scopes"] == []
    assert (items["live-news"]["refresh_on"], items["slow-alone"]["batch"]) == (
        ["news:changed", "site:changed"],
        False,
    )
    assert (items["news"]["server_cache"], items["news"]["dependencies"]) == (None, False)


def test_text_has_a_block_per_fragment() -> None:
    text = listing()
    blocks = text.strip().split("\n\n")
    assert [block.split("  (")[0] for block in blocks] == sorted(registry.all_fragments())
    assert blocks[[b.split("  (")[0] for b in blocks].index("picks")] == "\n".join(
        [
            "picks  (tests.testapp.fragments.Picks)",
            "  url             /_composekit/picks/",
            "  Cache-Control   private, max-age=60",
            "  Vary            Accept, Cookie",
            "  scopes          any write",
            "  server cache    timeout 60s, stale-while-revalidate 300s",
            "  batch           yes",
            "  refresh on      -",
            "  refresh every   -",
            f"  authentication  {SESSION}, {BASIC}",
            f"  permissions     {ALLOW_ANY}",
            "  throttles       none",
            "  dependencies    get_dependencies() declared",
        ]
    )


def test_no_fragments_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_fragments", {})
    assert listing() == (
        "No fragments are registered. Decorate Fragment subclasses with @register in a "
        "fragments.py of an app in INSTALLED_APPS (composekit imports those on startup).\n"
    )
    assert json.loads(listing("--json")) == []


@override_settings(ROOT_URLCONF="tests.urls_without_composekit")
def test_a_fragment_nothing_serves_has_no_url() -> None:
    assert by_name()["hello"]["url"] is None
    assert "  url             (composekit.urls is not included in the URLconf)" in listing()


def test_composed_permissions_are_spelled_out() -> None:
    from rest_framework.permissions import IsAdminUser, IsAuthenticated, IsAuthenticatedOrReadOnly

    from composekit import Fragment
    from composekit.management.commands.composekit_fragments import describe

    class Composed(Fragment):
        name = "composed"
        permission_classes = [IsAuthenticated & ~IsAdminUser | IsAuthenticatedOrReadOnly]  # noqa: RUF012

    path = "rest_framework.permissions"
    assert describe(Composed)["permissions"] == [
        f"(({path}.IsAuthenticated & ~{path}.IsAdminUser) | {path}.IsAuthenticatedOrReadOnly)"
    ]
