"""Pages. The shells (catalog, product, cart) are the same for every visitor: they never
read ``request.user``, the session or the CSRF token. Per-user parts are fragments
(``fragments.py``). The POST views change the cart and are ordinary Django views."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from composekit import invalidate, submitted_by_loader, trigger
from composekit.shell import cacheable_shell

from . import carts
from .models import Category, Product
from .shells import shared_cache

PER_PAGE = 20
CHOICES = 5  # quantities the buy box offers
SORTS = {
    "featured": ("Featured", ("featured_rank",)),
    "price": ("Price: low to high", ("price", "featured_rank")),
    "-price": ("Price: high to low", ("-price", "featured_rank")),
    "rating": ("Top rated", ("-rating", "-review_count", "featured_rank")),
}


@shared_cache
@cacheable_shell(max_age=60, s_maxage=300, stale_while_revalidate=60, stale_if_error=86400)
def catalog(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug) if slug else None
    sort = request.GET.get("sort", "featured")
    if sort not in SORTS:
        sort = "featured"
    products = Product.objects.cards().order_by(*SORTS[sort][1])
    if category is not None:
        products = products.filter(category=category)
    page = Paginator(products, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "shop/catalog.html",
        {
            "category": category,
            "nav_current": category.slug if category else "all",
            "page_obj": page,
            "sort": sort,
            "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        },
    )


@shared_cache
@cacheable_shell(max_age=60, s_maxage=300, stale_while_revalidate=60, stale_if_error=86400)
def product(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Product.objects.select_related("category"), slug=slug)
    related = (
        Product.objects.cards()
        .filter(category_id=item.category_id)
        .exclude(pk=item.pk)
        .order_by("-rating", "-review_count")[:5]
    )
    choices = range(1, min(item.stock, CHOICES) + 1)  # the server checks stock and limits again
    return render(
        request,
        "shop/product.html",
        {"product": item, "related": related, "nav_current": item.category.slug, "choices": choices},
    )


@shared_cache
@cacheable_shell(max_age=300, s_maxage=3600, stale_while_revalidate=600, stale_if_error=86400)
def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/cart.html")


@require_POST
@login_required
def cart_add(request: HttpRequest) -> HttpResponseBase:
    item = get_object_or_404(Product, sku=request.POST.get("sku", ""))
    carts.add(_shopper(request), item, _quantity(request, default=1))
    invalidate(request, "cart")  # the shopper's next page fetches the cart's fragments anew
    return _done(request, item.get_absolute_url())


@require_POST
@login_required
def cart_update(request: HttpRequest) -> HttpResponseBase:
    item = get_object_or_404(Product, sku=request.POST.get("sku", ""))
    carts.set_quantity(_shopper(request), item, _quantity(request, default=0))
    invalidate(request, "cart")
    return _done(request, reverse("shop:cart"))


def _shopper(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # @login_required ran first
    return user


def _quantity(request: HttpRequest, default: int) -> int:
    try:
        return max(0, int(request.POST.get("quantity", default)))
    except ValueError:
        return default


def _done(request: HttpRequest, fallback: str) -> HttpResponseBase:
    """A form composekit-live sent: "the cart changed", and its fragments refresh themselves.
    Otherwise (no JS) back where the form was."""
    if submitted_by_loader(request):
        return trigger(HttpResponse(status=204), "cart:changed")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = fallback
    return redirect(target)
