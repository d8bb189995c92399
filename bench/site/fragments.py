from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from composekit import CachePolicy, Fragment, register


@register
class Item(Fragment):
    """A small per-visitor box: the same work whichever loader asks for it. Kept by the
    browser for five minutes: the loader's kept fragments, htmx's HTTP cache."""

    name = "bench-item"
    template_name = "bench_site/item.html"
    cache = CachePolicy.private(max_age=300)

    def get_context(self, request: Request, i: int = 0, **params: Any) -> dict[str, Any]:
        return {"i": i, "rows": [(f"row {r}", r * i) for r in range(8)]}
