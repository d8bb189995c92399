"""Cart operations. Every change bumps ``Cart.updated_at``: the cart fragments' ETags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import F, Sum

from .models import Cart, CartItem, Product

MAX_PER_LINE = 10
FREE_SHIPPING_FROM = Decimal("50.00")
SHIPPING = Decimal("4.95")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Summary:
    count: int
    total: Decimal


def version(user: User | AnonymousUser) -> str:
    """A cheap validator for everything that shows this user's cart."""
    if not user.is_authenticated:
        return "anonymous"
    updated = Cart.objects.filter(user=user).values_list("updated_at", flat=True).first()
    return version_of(user, updated)


def version_of(user: User, updated: datetime | None) -> str:
    """``version()`` from the cart's time of change, where it was loaded anyway."""
    return f"{user.pk}:{updated.timestamp() if updated else 'empty'}"


def summary(user: User | AnonymousUser) -> Summary:
    if not user.is_authenticated:
        return Summary(0, Decimal("0.00"))
    totals = CartItem.objects.filter(cart__user=user).aggregate(
        count=Sum("quantity"), total=Sum(F("quantity") * F("product__price"))
    )
    # SQLite sums decimals as floats: round to the cent, as every price is.
    return Summary(totals["count"] or 0, Decimal(totals["total"] or 0).quantize(CENT))


def shipping(subtotal: Decimal) -> Decimal:
    return Decimal("0.00") if not subtotal or subtotal >= FREE_SHIPPING_FROM else SHIPPING


def lines(user: User | AnonymousUser) -> list[CartItem]:
    if not user.is_authenticated:
        return []
    return list(
        CartItem.objects.filter(cart__user=user)
        .select_related("product__category", "cart")
        .only(
            "quantity",
            "cart__updated_at",
            "product__name",
            "product__slug",
            "product__sku",
            "product__price",
            "product__stock",
            "product__hue",
            "product__category__icon",
            "product__category__name",
        )
    )


def quantity_of(user: User | AnonymousUser, product: Product) -> int:
    if not user.is_authenticated:
        return 0
    item = CartItem.objects.filter(cart__user=user, product=product).values_list("quantity", flat=True)
    return item.first() or 0


@dataclass(frozen=True)
class Added:
    """What an add did: the line before and after, what was asked, the most the line may hold."""

    before: int
    after: int
    asked: int
    limit: int  # min(stock, MAX_PER_LINE)

    @property
    def added(self) -> int:
        return self.after - self.before

    @property
    def capped(self) -> bool:
        """Whether fewer were added than asked for: the line is at its limit."""
        return self.added < self.asked


def line_limit(product: Product) -> int:
    return max(0, min(product.stock, MAX_PER_LINE))


@transaction.atomic
def add(user: User, product: Product, quantity: int) -> Added:
    """Add ``quantity`` of ``product``, capped by stock and ``MAX_PER_LINE``."""
    cart, _ = Cart.objects.get_or_create(user=user)
    item, _ = CartItem.objects.get_or_create(cart=cart, product=product, defaults={"quantity": 0})
    before = item.quantity
    limit = line_limit(product)
    item.quantity = max(0, min(before + quantity, limit))
    _save(cart, item)
    return Added(before, item.quantity, quantity, limit)


@transaction.atomic
def holds(user: User, product: Product) -> bool:
    """Whether the user's cart has a line for ``product``."""
    return CartItem.objects.filter(cart__user=user, product=product).exists()


def set_quantity(user: User, product: Product, quantity: int) -> int:
    """Set the line's quantity (0 removes it); return what it became."""
    cart, _ = Cart.objects.get_or_create(user=user)
    item, _ = CartItem.objects.get_or_create(cart=cart, product=product, defaults={"quantity": 0})
    item.quantity = max(0, min(quantity, product.stock, MAX_PER_LINE))
    _save(cart, item)
    return item.quantity


def _save(cart: Cart, item: CartItem) -> None:
    if item.quantity:
        item.save(update_fields=["quantity"])
    else:
        item.delete()
    cart.save(update_fields=["updated_at"])
