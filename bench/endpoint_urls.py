"""The demo's URLs plus plain Django views that render what two of its fragments render.

The plain views are what a site without composekit would write: a function view, the same
template, the same context, through ``render()``. Next to them, the same two fragments
without their ``get_etag()``: a validator is the fragment author's code (the demo's run a
query), so the overhead figure leaves it out and composekit's default, a hash of the body,
applies.
"""

from __future__ import annotations

from typing import Any

from demo_site.urls import urlpatterns as demo_urlpatterns
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from rest_framework.request import Request
from shop import carts
from shop.fragments import CartSummary, UserMenu

from composekit import register


def plain_cart_summary(request: HttpRequest) -> HttpResponse:
    assert CartSummary.template_name is not None
    return render(request, CartSummary.template_name, {"summary": carts.summary(request.user)})


def plain_user_menu(request: HttpRequest) -> HttpResponse:
    assert UserMenu.template_name is not None
    return render(
        request, UserMenu.template_name, {"shopper": request.user, "next": request.GET.get("next", "/")}
    )


@register
class CartSummaryWithoutValidator(CartSummary):
    name = "bench-cart-summary"

    def get_etag(self, request: Request, **params: Any) -> str | None:
        return None


@register
class UserMenuWithoutValidator(UserMenu):
    name = "bench-user-menu"

    def get_etag(self, request: Request, **params: Any) -> str | None:
        return None


PLAIN_VIEWS = {"cart-summary": plain_cart_summary, "user-menu": plain_user_menu}

urlpatterns = [
    path("_plain/cart-summary/", plain_cart_summary),
    path("_plain/user-menu/", plain_user_menu),
    *demo_urlpatterns,
]
