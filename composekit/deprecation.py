"""Old names that keep working for a while: a module's ``__getattr__`` that finds each where it
moved, with a ``DeprecationWarning`` naming the new one (docs/changelog.md lists them)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["moved"]


def moved(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``module`` for the old ``names``, each mapped to where it is now
    (``"composekit.requeststate.is_inline"``)."""

    def __getattr__(name: str) -> Any:
        new = names.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(f"{module}.{name} is deprecated: use {new}", DeprecationWarning, stacklevel=2)
        where, _, attribute = new.rpartition(".")
        return getattr(import_module(where), attribute)

    return __getattr__
