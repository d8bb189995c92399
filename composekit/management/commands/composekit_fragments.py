"""``manage.py composekit_fragments``: every registered fragment and how it is served.

What a fragment sends is spread over its class, its bases and the settings (DRF's default
authentication and permission classes); this prints it in one place, as a table for people
or (``--json``) as data for scripts and tests. Keys of each JSON object, all always present:
``name``, ``class``, ``url``, ``cache_control``, ``vary``, ``scopes``, ``server_cache``,
``batch``, ``refresh_on``, ``refresh_every``, ``authentication``, ``permissions``,
``throttles``, ``dependencies`` (documented in docs/commands.md).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.urls import NoReverseMatch, get_resolver, reverse

from ... import registry
from ...fragment import Fragment, declares

__all__ = ["Command", "describe"]

NONE_REGISTERED = (
    "No fragments are registered. Decorate Fragment subclasses with @register in a "
    "fragments.py of an app in INSTALLED_APPS (composekit imports those on startup)."
)


def _dotted(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _permission(value: object) -> str:
    """A permission class's dotted path, or DRF's composition of them (``IsA | ~IsB``)."""
    if isinstance(value, type):
        return _dotted(value)
    operator = getattr(getattr(value, "operator_class", None), "__name__", "")
    first = _permission(getattr(value, "op1_class", None))
    if operator == "NOT":
        return f"~{first}"
    symbol = {"AND": "&", "OR": "|"}.get(operator, operator)
    return f"({first} {symbol} {_permission(getattr(value, 'op2_class', None))})"


def describe(cls: type[Fragment]) -> dict[str, Any]:
    """What fragment ``cls`` sends and runs: the listing's JSON object for it."""
    try:
        url: str | None = reverse("composekit:fragment", args=[cls.name])
    except NoReverseMatch:  # composekit.urls not included: nothing serves it
        url = None
    policy = cls.cache
    server = cls.server_cache
    return {
        "name": cls.name,
        "class": _dotted(cls),
        "url": url,
        "cache_control": policy.cache_control(),
        "vary": policy.vary_header(),
        "scopes": None if policy.scopes is None else list(policy.scopes),
        "server_cache": None
        if server is None
        else {"timeout": server.timeout, "stale_while_revalidate": server.stale_while_revalidate},
        "batch": cls.batch,
        "refresh_on": list(cls.refresh_on),
        "refresh_every": cls.refresh_every,
        # The ones that run, not the ones named: a public fragment that does not ask for
        # authentication has none, and DRF's session authentication is composekit's GET-only one.
        "authentication": [_dotted(type(a)) for a in cls().get_authenticators()],
        "permissions": [_permission(p) for p in cls.permission_classes],
        "throttles": [_dotted(t) for t in cls.throttle_classes],
        "dependencies": declares(cls, "get_dependencies"),
    }


def _text(item: dict[str, Any]) -> list[str]:
    server = item["server_cache"]
    rows = [
        ("url", item["url"] or "(composekit.urls is not included in the URLconf)"),
        ("Cache-Control", item["cache_control"]),
        ("Vary", item["vary"]),
        ("scopes", "any write" if item["scopes"] is None else ", ".join(item["scopes"]) or "none"),
        (
            "server cache",
            "none"
            if server is None
            else f"timeout {server['timeout']}s, stale-while-revalidate {server['stale_while_revalidate']}s",
        ),
        ("batch", "yes" if item["batch"] else "no (fetched alone)"),
        ("refresh on", " ".join(item["refresh_on"]) or "-"),
        ("refresh every", item["refresh_every"] or "-"),
        ("authentication", ", ".join(item["authentication"]) or "none"),
        ("permissions", ", ".join(item["permissions"]) or "none"),
        ("throttles", ", ".join(item["throttles"]) or "none"),
        ("dependencies", "get_dependencies() declared" if item["dependencies"] else "not declared"),
    ]
    width = max(len(label) for label, _ in rows)
    return [f"{item['name']}  ({item['class']})"] + [f"  {label:<{width}}  {value}" for label, value in rows]


class Command(BaseCommand):
    help = "List the registered composekit fragments: URL, cache policy, server cache, batching, live updates, DRF classes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print a JSON list of objects instead")

    def handle(self, *args: Any, **options: Any) -> None:
        # Modules the URLconf imports may register fragments too (not only the fragments.py
        # autodiscovered at startup); a request loads it before it is served, so do the same.
        get_resolver().url_patterns  # noqa: B018 - the import is the point
        fragments = registry.all_fragments()
        items = [describe(fragments[name]) for name in sorted(fragments)]
        if options["json"]:
            self.stdout.write(json.dumps(items, indent=2))
        elif not items:
            self.stdout.write(NONE_REGISTERED)
        else:
            self.stdout.write("\n\n".join("\n".join(_text(item)) for item in items))
