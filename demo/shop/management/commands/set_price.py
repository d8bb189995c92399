"""``manage.py set_price SKU PRICE``: change a product's price, as a back office would.

Saving the product expires what shows it (``apps.py``): the server cache renders it anew
and, behind Varnish (``make demo-varnish``), composekit purges every shared copy tagged with
it, so the next page view everywhere shows the new price. Prints when the change committed
(``committed at <unix time>``): the tests time from there.
"""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.models import Product


class Command(BaseCommand):
    help = "Set a product's price (SKU, then the price in dollars); caches showing it are purged."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sku", help="the product's SKU, e.g. HC-1001")
        parser.add_argument("price", help="the new price, e.g. 24.50")

    def handle(self, *args: Any, sku: str, price: str, **options: Any) -> None:
        try:
            amount = Decimal(price).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise CommandError(f"{price!r} is not a price: write dollars and cents, e.g. 24.50") from None
        if amount <= 0:
            raise CommandError(f"a price is more than zero, not {price}")
        product = Product.objects.filter(sku=sku).first()
        if product is None:
            raise CommandError(f"no product has the SKU {sku!r} (see the product pages: 'Item HC-...')")
        product.price = amount
        product.save(update_fields=["price"])  # autocommit: committed when save() returns
        self.stdout.write(f"{product.name} ({sku}) now costs {amount}; committed at {time.time():.6f}")
