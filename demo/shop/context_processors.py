from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest

from .models import Category


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The category bar every page shows. Lazy: no query unless a template reads it."""
    # Explicit order_by: Meta.ordering does not apply to a GROUP BY query.
    categories: QuerySet[Category] = (
        Category.objects.annotate(product_count=Count("products")).only("name", "slug").order_by("position")
    )
    return {"nav_categories": categories}
