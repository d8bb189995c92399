from __future__ import annotations

from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("c/<slug:slug>/", views.catalog, name="category"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("cart/", views.cart, name="cart"),
    path("cart/plain/", views.cart_plain, name="cart-plain"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/update/", views.cart_update, name="cart-update"),
    path("account/", views.account, name="account"),
    path("account/menu/", views.account_menu, name="account-menu"),
]
