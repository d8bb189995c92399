"""Pages. The shells (catalog, product, cart) are the same for every visitor: they never
read ``request.user``, the session or the CSRF token. Per-user parts are fragments
(``fragments.py``). The POST views change the cart and are ordinary Django views; the
plain cart page, the account page and the CSRF failure page are per visitor, for browsers
without JavaScript and for forms that expired."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from composekit import invalidate, submitted_by_loader, trigger
from composekit.shell import cacheable_shell, depends_on
from demo_site.middleware import FRAMED_CSP

from . import carts
from .fragments import cart_context
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


# Shells are kept by shared caches until what they show changes: where purges are sent
# (behind Varnish: make demo-varnish), for a day at most; elsewhere for s_maxage. A product
# saved expires its dependencies (apps.py), which purges the shells tagged with them.
SHELL = {"max_age": 60, "s_maxage": 300, "stale_while_revalidate": 60, "stale_if_error": 86400}


@shared_cache
# Every product's card may be on a catalog page, and a change may move it to another: "products".
@cacheable_shell(**SHELL, keep_until_purged=True, depends_on=["products"])
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
@cacheable_shell(**SHELL, keep_until_purged=True)
def product(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Product.objects.select_related("category"), slug=slug)
    related = list(
        Product.objects.cards()
        .filter(category_id=item.category_id)
        .exclude(pk=item.pk)
        .order_by("-rating", "-review_count")[:5]
    )
    # The page shows this product (its price and stock too) and its neighbours' cards. Which
    # neighbours (the best rated) changes only with ratings, which the shop never edits live.
    for shown in [item, *related]:
        depends_on(request, "product", shown.sku)
    choices = range(1, min(item.stock, CHOICES) + 1)  # the server checks stock and limits again
    return render(
        request,
        "shop/product.html",
        {"product": item, "related": related, "nav_current": item.category.slug, "choices": choices},
    )


@shared_cache
@cacheable_shell(
    max_age=300, s_maxage=3600, stale_while_revalidate=600, stale_if_error=86400, keep_until_purged=True
)
def cart(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/cart.html")


ROBOTS_TXT = """\
# Hearth & Co. Fragment URLs (/_composekit/) answer X-Robots-Tag: noindex. They stay
# crawlable on purpose: a crawler kept out by robots.txt never sees that header, and may
# list a URL it found in a page anyway.
User-agent: *
Disallow: /cart/
Disallow: /login/
Disallow: /logout/
"""


@cacheable_shell(max_age=3600, keep_until_purged=True)  # shared caches: until a deploy purges "composekit"
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")


@csrf_exempt  # the buy box is in the shell, with no token: same_origin() defends it instead
@require_POST
def cart_add(request: HttpRequest) -> HttpResponseBase:
    """Add to the cart from the product page's buy box, with or without JavaScript.

    The form is part of the shell, the same for everyone, so it cannot carry a CSRF token;
    with JavaScript shop.js adds one from the cookie, without it there is none. A cross-site
    forgery is refused by the browser-set ``Origin`` (or ``Referer``) instead, see
    ``same_origin()``. Sent by composekit-live (``data-ck-submit``), the answer is a 204 that
    triggers ``cart:changed`` (the cart's fragments refresh themselves) and, when the
    per-line limit held the add back, ``cart:capped`` (shop.js says so in the buy box).
    Asked for JSON (an API client), it says what the add did. Without JavaScript it is a
    redirect to the plain cart page, which says what was added.
    """
    item = get_object_or_404(Product, sku=request.POST.get("sku", ""))
    if not same_origin(request):
        return csrf_failure(request, reason="the request did not come from this site's own page")
    if not request.user.is_authenticated:
        return redirect_to_login(_next(request, item.get_absolute_url()))
    added = carts.add(_shopper(request), item, _quantity(request, default=1))
    # The shopper's next page fetches the cart's fragments anew; through the loader, this
    # answer carries them (and the picks when a line came in), re-rendered: one request.
    events = _cart_changed(request, products_changed=added.before == 0 < added.after)
    if submitted_by_loader(request):
        return trigger(HttpResponse(status=204), *events, *(["cart:capped"] if added.capped else []))
    if _wants_json(request):
        summary = carts.summary(request.user)
        return JsonResponse(
            {
                "count": summary.count,
                "total": f"{summary.total:.2f}",
                "added": added.added,
                "line": added.after,
                "limit": added.limit,
                "message": added_message(item, added),
            }
        )
    query = urlencode({"added": item.sku, "n": added.added, "capped": int(added.capped)})
    return redirect(f"{reverse('shop:cart-plain')}?{query}")


def added_message(item: Product, added: carts.Added) -> str:
    """What the buy box says after an add, the per-line limit included."""
    if not added.capped:
        return f"Added {added.added} × {item.name} to your cart."
    if added.added:
        return (
            f"Added {added.added} × {item.name}: your cart now holds {added.after}, "
            f"the most you can order ({added.limit})."
        )
    return f"Nothing added: your cart already holds {added.after} × {item.name}, the most you can order."


def same_origin(request: HttpRequest) -> bool:
    """Whether the browser says the form was sent from a page of this site.

    Every browser of the last years sends ``Origin`` with a form POST, same-site or not,
    and no page can forge it; older ones send ``Referer``. A request with neither (a privacy
    proxy stripped both) is refused too: the failure page offers the same form again with
    a token. The session cookie is ``SameSite=Lax`` besides, so a cross-site POST arrives
    logged out.
    """
    here = f"{request.scheme}://{request.get_host()}"
    trusted = {here, *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is not None and origin != "null":
        return origin in trusted
    parts = urlsplit(request.headers.get("Referer", ""))
    return bool(parts.netloc) and f"{parts.scheme}://{parts.netloc}" in trusted


@require_POST
@login_required
def cart_update(request: HttpRequest) -> HttpResponseBase:
    item = get_object_or_404(Product, sku=request.POST.get("sku", ""))
    held = carts.holds(_shopper(request), item)
    after = carts.set_quantity(_shopper(request), item, _quantity(request, default=0))
    events = _cart_changed(request, products_changed=held != (after > 0))
    if submitted_by_loader(request):
        return trigger(HttpResponse(status=204), *events)
    return redirect(_next(request, reverse("shop:cart")))


def _cart_changed(request: HttpRequest, products_changed: bool) -> list[str]:
    """Say what a cart write moved (``invalidate``): the cart, and which products it holds
    when a line came or went (the picks follow that, not quantities). The events to trigger."""
    if products_changed:
        invalidate(request, "cart", "cart-products")
        return ["cart:changed", "cart:products-changed"]
    invalidate(request, "cart")
    return ["cart:changed"]


def _shopper(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # @login_required ran first
    return user


def _quantity(request: HttpRequest, default: int) -> int:
    try:
        return max(0, int(request.POST.get("quantity", default)))
    except ValueError:
        return default


def _wants_json(request: HttpRequest) -> bool:
    return request.accepts("application/json") and not request.accepts("text/html")


def _next(request: HttpRequest, fallback: str) -> str:
    """The form's ``next`` if it is a page of this site, else ``fallback``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return fallback
    return target


def cart_plain(request: HttpRequest) -> HttpResponse:
    """The cart rendered by the server, for browsers without JavaScript: not a shell.

    ``?added=<sku>&n=<count>&capped=1`` (where the buy box sends a browser without
    JavaScript) says what the last add did.
    """
    context = cart_context(request.user)
    sku = request.GET.get("added")
    product = Product.objects.filter(sku=sku).first() if sku else None
    if product is not None:
        line = carts.quantity_of(request.user, product)
        added = carts.Added(
            before=line - _int(request.GET.get("n")),
            after=line,
            asked=_int(request.GET.get("n")) + (1 if request.GET.get("capped") == "1" else 0),
            limit=carts.line_limit(product),
        )
        context["notice"] = added_message(product, added)
    context["next_url"] = reverse("shop:cart-plain")
    response = render(request, "shop/cart_plain.html", context)
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Who is logged in, and a way to log out, for browsers without JavaScript: not a shell.

    The header's user menu is a fragment, and its fallback is in the shell, the same for
    every visitor: it cannot name the shopper, so without a loader it links here. A visitor
    who is not logged in goes to the login page, and comes back here.
    """
    response = render(request, "shop/account.html", {"shopper": request.user})
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


@xframe_options_sameorigin
def account_menu(request: HttpRequest) -> HttpResponse:
    """The header's account corner for browsers without JavaScript: who is logged in and a
    logout form (or a login link), in an ``<iframe>`` of the shell's ``<noscript>``.

    The shell is the same for every visitor, so it holds only the frame's address; the frame
    is per visitor and never cached. Its links and form act on the whole window (``_top``).
    """
    response = render(request, "shop/account_menu.html", {"shopper": request.user})
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["Content-Security-Policy"] = FRAMED_CSP  # the shop's, framed by its own pages
    return response


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form that could not be checked (``CSRF_FAILURE_VIEW``): say why, offer it again.

    Usually the page was open a long time, or the shopper logged out or in elsewhere, so
    the token in the page is not the cookie's any more. A cart form is offered again, with a
    fresh token, so one click finishes what the shopper meant to do.
    """
    path = request.path
    retry = None
    if path in (reverse("shop:cart-add"), reverse("shop:cart-update")):
        product = Product.objects.filter(sku=request.POST.get("sku", "")).first()
        if product is not None:
            retry = {
                "action": path,
                "product": product,
                "quantity": _int(request.POST.get("quantity")) or (1 if "add" in path else 0),
                "next": _next(request, product.get_absolute_url() if "add" in path else reverse("shop:cart")),
                "adding": path == reverse("shop:cart-add"),
            }
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("shop:catalog")
    response = render(request, "shop/csrf_failure.html", {"retry": retry, "back": back}, status=403)
    add_never_cache_headers(response)
    return response
