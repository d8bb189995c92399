"""Whether a request's params fit the signatures of the fragment's methods.

The params are passed to ``get_context()``, ``render()`` and the others as keyword
arguments. A param a method does not take, or a required one that is missing, would be a
``TypeError`` inside the fragment: a 500 blamed on its code, when the cause is the URL (made
for an older version of the fragment, or by hand). Checked before the fragment runs, it is a
400 naming the param instead, and every ``TypeError`` that is left is the fragment's own.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .fragment import Fragment

__all__ = ["Misfit", "Takes", "misfit", "takes"]


@dataclass(frozen=True)
class Takes:
    """The params one method takes by keyword: ``names`` is None when it takes ``**params``."""

    method: str
    names: tuple[str, ...] | None
    required: tuple[str, ...]


@dataclass(frozen=True)
class Misfit:
    reason: str  # "unexpected" or "required"
    param: str
    detail: str


def takes(cls: type[Fragment], methods: tuple[str, ...]) -> tuple[Takes, ...]:
    """What each of ``methods`` takes after ``self`` and the request, for those that take
    less than any params (the ``**params`` of ``Fragment``'s own methods constrain nothing)."""
    found = []
    for method in methods:
        parameters = list(inspect.signature(getattr(cls, method)).parameters.values())
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        rest = [p for p in parameters if p not in positional[:2]]  # self and the request
        keywords = [p for p in rest if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        required = tuple(p.name for p in keywords if p.default is p.empty)
        if any(p.kind is p.VAR_KEYWORD for p in rest):
            if required:
                found.append(Takes(method, None, required))
        else:
            found.append(Takes(method, tuple(p.name for p in keywords), required))
    return tuple(found)


def misfit(cls: type[Fragment], params: Mapping[str, object]) -> Misfit | None:
    """The first param that does not fit ``cls``'s methods, or None when all do."""
    # Every method the fragment declares counts, called on this request or not (the server
    # cache and cache tags call get_dependencies()): a URL that fits one path only is fragile.
    for method in cls._takes:
        where = f"{cls.__qualname__}.{method.method}()"
        if method.names is not None:
            for param in params:
                if param not in method.names:
                    return Misfit(
                        "unexpected",
                        param,
                        f"param {param!r} is not one {where} takes (it takes "
                        f"{', '.join(map(repr, method.names)) or 'none'}); the URL was made for "
                        "another version of the fragment or by hand: load the page again for a "
                        "current one",
                    )
        for param in method.required:
            if param not in params:
                return Misfit(
                    "required",
                    param,
                    f"param {param!r} is missing: {where} requires it; the URL was made for "
                    "another version of the fragment or by hand: pass it where the page places "
                    f'the fragment ({{% fragment "{cls.name}" {param}=... %}})',
                )
    return None
