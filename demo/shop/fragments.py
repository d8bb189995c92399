"""The shop's per-user (and live) parts. Each is an endpoint with its own cache policy.

The private ones are kept by the shopper's browser for five minutes and shown again on the
next pages without a request: the loader drops them when the shopper logs out or in, and
when the shopper's own writes change them. Writes to the cart say so
(``invalidate(request, "cart")`` in views.py), so adding to the cart refetches the cart's
fragments and keeps the user menu (``scopes``); written through the loader, the add answers
with the cart's fragments re-rendered (``CK-Fragments``, docs/loader.md): one request. The ETags are cheap validators: a fragment
whose validator still matches answers 304 without querying for or rendering its body.
Fragments holding a form include the CSRF cookie in theirs: the token in the HTML is valid
for as long as that cookie is.

Behind Varnish with purges, the user menu, the cart summary and the picks are also kept by
Varnish for the shopper's session (``per_session``; docs/caching.md): cheap to key, small,
and shown on every page.

Two fragments keep their HTML on the server too (``server_cache``): the price and stock,
and the picks. Each says what it depends on; ``apps.py`` expires those dependencies when a
product or a cart changes, so the next request renders afresh and every other is served
from the cache (under ``composekit:<fragment>:...`` keys; see docs/caching.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.shortcuts import get_object_or_404
from rest_framework.request import Request

from composekit import CachePolicy, Fragment, ServerCache, register

from . import carts
from .models import CartItem, Product

RECOMMENDATIONS = 5
KEPT = 300  # seconds the shopper's browser may show a private fragment again without asking
# Seconds Varnish may keep one session's copy of the header's fragments and the picks, where
# purges are sent (make demo-varnish): a returning shopper's first view, a new tab past KEPT,
# and ESI pages are then Varnish hits. Purged on logout and by their dependencies.
PER_SESSION = 3600


def _csrf_secret(request: Request) -> str | None:
    """The CSRF cookie the request came with; None when a new one is about to be made."""
    return request._request.META.get("CSRF_COOKIE") or None


@register
class UserMenu(Fragment):
    """The header's account corner: a login link, or the shopper's name and a logout form."""

    name = "user-menu"
    template_name = "shop/fragments/user_menu.html"
    # Shown on every page, so its URL must not change from page to page (no "next" param:
    # shop.js adds it to the login link), and nothing the shopper writes changes it.
    cache = CachePolicy.private(max_age=KEPT, scopes=(), per_session=PER_SESSION)

    def get_etag(self, request: Request, **params: Any) -> str | None:
        user = request.user
        if not user.is_authenticated:
            return "anonymous"
        secret = _csrf_secret(request)
        return None if secret is None else f"{user.pk}:{user.get_short_name()}:{secret}"

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        return {"shopper": request.user}


@register
class CartSummary(Fragment):
    """The header's cart link with the item count and total, on every page."""

    name = "cart-summary"
    template_name = "shop/fragments/cart_summary.html"
    cache = CachePolicy.private(max_age=KEPT, scopes=("cart",), per_session=PER_SESSION)
    refresh_on = ("cart:changed",)
    # On every page: kept on the server per shopper by their cart's version (apps.py moves it
    # when the cart changes), which is its ETag too. A first view costs no query for it.
    server_cache = ServerCache(timeout=3600)

    def get_dependencies(self, request: Request, **params: Any) -> list[Any]:
        # Also tags Varnish's per-session copy: purged when the cart changes, on any device.
        return [("cart", request.user.pk or 0)]

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        return {"summary": carts.summary(request.user)}


@register
class CartPage(Fragment):
    """The body of /cart/: lines with quantity buttons and the totals."""

    name = "cart-page"
    template_name = "shop/fragments/cart_page.html"
    cache = CachePolicy.private(max_age=KEPT, scopes=("cart",))
    refresh_on = ("cart:changed",)

    def get_etag(self, request: Request, **params: Any) -> str | None:
        secret = _csrf_secret(request)
        return None if secret is None else f"{carts.version(request.user)}:{secret}"

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        context = cart_context(request.user)
        secret, lines = _csrf_secret(request), context["lines"]
        if secret is not None and lines:
            # The lines came with their cart's time of change: get_etag()'s query is not needed.
            self.etag_loaded(f"{carts.version_of(request.user, lines[0].cart.updated_at)}:{secret}")
        return context


def cart_context(user: User | AnonymousUser) -> dict[str, Any]:
    """What the cart's template shows: the fragment's, and the plain cart page's (views.py)."""
    lines = carts.lines(user)
    subtotal = sum((line.subtotal for line in lines), start=Decimal("0.00"))
    shipping = carts.shipping(subtotal)
    return {
        "shopper": user,
        "lines": lines,
        "count": sum(line.quantity for line in lines),
        "subtotal": subtotal,
        "shipping": shipping,
        "total": subtotal + shipping,
        "free_shipping_from": carts.FREE_SHIPPING_FROM,
        "max_per_line": carts.MAX_PER_LINE,
    }


@register
class Recommended(Fragment):
    """ "Picked for you": top-rated products from the categories in the shopper's cart.

    The page places it lazily, below the fold; it changes with the cart. It takes no param,
    so its URL is the same on every page and the browser keeps one copy for all of them
    (a per-page param, such as the product to leave out, would make a URL per page: asked and
    rendered on every page view). It brings one spare pick, hidden: on a product page that
    product gives its place to the spare (shop.js).
    """

    name = "recommended"
    template_name = "shop/fragments/recommended.html"
    # It depends on which products the cart holds, not on how many of each: a write that adds
    # one more of a line, or takes one away, leaves it as it was (kept, not re-rendered, not
    # even in the write's answer). Writes that add or remove a line say "cart-products".
    cache = CachePolicy.private(max_age=KEPT, scopes=("cart-products",), per_session=PER_SESSION)
    refresh_on = ("cart:products-changed",)
    # Kept on the server per shopper too; a change to their cart or to any product renders it
    # anew. Past ten minutes it is still served, for a minute more, while one request renders it again.
    server_cache = ServerCache(timeout=600, stale_while_revalidate=60)

    def get_dependencies(self, request: Request, **params: Any) -> list[Any]:
        return ["products", ("cart", request.user.pk or 0)]

    def get_context(self, request: Request, **params: Any) -> dict[str, Any]:
        products = Product.objects.cards().filter(stock__gt=0)
        user = request.user
        in_cart = (
            list(CartItem.objects.filter(cart__user=user).values_list("product_id", "product__category_id"))
            if user.is_authenticated
            else []
        )
        if in_cart:
            reason = "Because of what's in your cart"
            products = products.filter(category_id__in={c for _, c in in_cart}).exclude(
                pk__in=[p for p, _ in in_cart]
            )
        elif user.is_authenticated:
            reason = "Our best-rated products. Add something to your cart for picks of your own."
        else:
            reason = "Our best-rated products. Log in for picks of your own."
        picks = list(products.order_by("-rating", "-review_count", "featured_rank")[: RECOMMENDATIONS + 1])
        return {"products": picks[:RECOMMENDATIONS], "spare": picks[RECOMMENDATIONS:], "reason": reason}


@register
class StockPrice(Fragment):
    """Live price and stock on the product page: the same for everyone, so shared caches
    may keep it. Public: it never authenticates or reads the session. Where purges are sent
    (behind Varnish) shared caches keep it until the product changes (its tag, from
    get_dependencies(), is purged); elsewhere for ten seconds. Browsers keep it five."""

    name = "stock-price"
    template_name = "shop/fragments/stock_price.html"
    cache = CachePolicy.public(max_age=5, s_maxage=10, stale_while_revalidate=30, keep_until_purged=True)
    # Kept on the server until the product changes (apps.py expires it): no query at all.
    server_cache = ServerCache(timeout=3600, stale_while_revalidate=300)

    def get_dependencies(self, request: Request, sku: str = "", **params: Any) -> list[Any]:
        return [("product", sku)]

    def get_context(self, request: Request, sku: str = "", **params: Any) -> dict[str, Any]:
        return {"product": get_object_or_404(Product.objects.only("sku", "price", "stock"), sku=sku)}
