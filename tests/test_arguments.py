"""composekit/arguments.py: which params a fragment's methods take, checked before it runs."""

from __future__ import annotations

from typing import Any

from composekit import Fragment
from composekit.arguments import Misfit, Takes, misfit


class Loose(Fragment):
    name = "loose"

    def render(self, request: Any, sku: str = "", **params: Any) -> str:
        return ""


class Strict(Fragment):
    name = "strict"

    # Its own params, named and typed, as users write them (the base class takes **params).
    def get_context(self, request: Any, sku: str, *, size: int = 0) -> dict[str, Any]:  # type: ignore[override]
        return {}

    def get_etag(self, req: Any, /, sku: str, *args: Any, **params: Any) -> str | None:  # type: ignore[override]
        return None


class Independent(Fragment):
    name = "independent"

    def get_dependencies(self, request: Any) -> list[Any]:  # type: ignore[override]
        return []


def test_methods_taking_any_params_and_requiring_none_constrain_nothing() -> None:
    assert Loose._takes == ()
    assert Fragment._takes == ()


def test_what_each_method_takes_after_self_and_the_request() -> None:
    assert Strict._takes == (
        Takes("get_context", ("sku", "size"), ("sku",)),
        Takes("get_etag", None, ("sku",)),
    )


def test_the_first_param_that_does_not_fit() -> None:
    assert misfit(Strict, {"sku": "a"}) is None
    assert misfit(Strict, {"sku": "a", "size": 2}) is None
    assert misfit(Strict, {"size": 2}) == Misfit(
        "required",
        "sku",
        "param 'sku' is missing: Strict.get_context() requires it; the URL was made for another "
        'version of the fragment or by hand: pass it where the page places the fragment ({% fragment "strict" sku=... %})',
    )
    unexpected = misfit(Strict, {"sku": "a", "colour": "red"})
    assert unexpected is not None
    assert (unexpected.reason, unexpected.param) == ("unexpected", "colour")
    assert unexpected.detail.startswith(
        "param 'colour' is not one Strict.get_context() takes (it takes 'sku', 'size');"
    )


def test_a_method_taking_no_params_refuses_any() -> None:
    assert Independent._takes == (Takes("get_dependencies", (), ()),)
    assert misfit(Independent, {}) is None
    unexpected = misfit(Independent, {"sku": "a"})
    assert unexpected is not None
    assert unexpected.detail.startswith(
        "param 'sku' is not one Independent.get_dependencies() takes (it takes none);"
    )
