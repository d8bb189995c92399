"""The registry of fragments by name, filled by ``@register`` and autodiscovery."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .fragment import Fragment

__all__ = ["NAME_RE", "all_fragments", "duplicates", "get", "register", "unregister"]

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_fragments: dict[str, type[Fragment]] = {}
# (name, first class, other class) for every name registered twice; reported by
# check composekit.E003 rather than raised, so ``manage.py check`` lists them all.
duplicates: list[tuple[str, type[Fragment], type[Fragment]]] = []

F = TypeVar("F", bound="type[Fragment]")


def register(cls: F) -> F:
    """Class decorator: make ``cls`` servable at ``/_composekit/<cls.name>/``."""
    from .fragment import Fragment

    if not (isinstance(cls, type) and issubclass(cls, Fragment)):
        raise ImproperlyConfigured(f"@register takes a Fragment subclass, not {cls!r}")
    name = cls.__dict__.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ImproperlyConfigured(
            f"{cls.__module__}.{cls.__qualname__}.name must be lowercase letters, digits "
            f"and hyphens (like 'cart-summary'), not {name!r}"
        )
    existing = _fragments.get(name)
    if existing is None:
        _fragments[name] = cls
    elif _key(existing) != _key(cls):
        duplicates.append((name, existing, cls))
    return cls


def _key(cls: type) -> str:
    # A module imported twice (autoreload, tests) re-creates its classes: the same
    # dotted path is the same fragment, not a duplicate.
    return f"{cls.__module__}.{cls.__qualname__}"


def get(name: str) -> type[Fragment] | None:
    return _fragments.get(name)


def all_fragments() -> dict[str, type[Fragment]]:
    return dict(_fragments)


def unregister(name: str) -> None:
    """Remove a fragment (for tests that register throwaway fragments)."""
    _fragments.pop(name, None)
    duplicates[:] = [d for d in duplicates if d[0] != name]
