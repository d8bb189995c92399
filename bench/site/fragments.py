from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from composekit import CachePolicy, Fragment, register


@register
class Item(Fragment):
    """A small per-visitor box: the same work whichever loader asks for it."""

    name = "bench-item"
    template_name = "bench_site/item.html"
    cache = CachePolicy.private()

    def get_context(self, request: Request, i: int = 0, **params: Any) -> dict[str, Any]:
        return {"i": i, "rows": [(f"row {r}", r * i) for r in range(8)]}
