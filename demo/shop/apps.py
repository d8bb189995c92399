from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from composekit import expire_on_change

        from .models import Cart, CartItem, Product

        # What the server-cached fragments depend on (fragments.py), moved once a change
        # commits: a product's price and stock, and the picks, which come from all products
        # and the shopper's cart.
        expire_on_change(Product, lambda product: [("product", product.sku), "products"])
        expire_on_change(Cart, lambda cart: [("cart", cart.user_id)])
        expire_on_change(CartItem, lambda item: [("cart", item.cart.user_id)])
