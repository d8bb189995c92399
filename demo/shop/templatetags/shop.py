"""Template helpers for the shop: icons, money, stars, stock labels."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString

from shop import icons

register = template.Library()


@register.simple_tag
def icon(name: str, css_class: str = "icon") -> SafeString:
    return icons.icon(name, css_class)


@register.filter
def money(value: Decimal | int | None) -> str:
    """``1234.5`` -> ``$1,234.50``."""
    return f"${Decimal(value or 0):,.2f}"


@register.filter
def stock_label(stock: int) -> str:
    if stock <= 0:
        return "Out of stock"
    if stock <= 5:
        return f"Only {stock} left"
    return "In stock"


@register.filter
def stock_level(stock: int) -> str:
    """A CSS modifier: ``out``, ``low`` or ``ok``."""
    if stock <= 0:
        return "out"
    return "low" if stock <= 5 else "ok"
