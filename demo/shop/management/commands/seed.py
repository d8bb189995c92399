"""``manage.py seed``: the demo catalog and three shoppers. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction

from shop import catalog_data
from shop.models import Cart, CartItem, Category, Product


class Command(BaseCommand):
    help = "Create the demo's categories, ~200 products and three users (existing rows are kept)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        categories = {}
        for position, spec in enumerate(catalog_data.CATEGORIES):
            categories[spec.slug], _ = Category.objects.update_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "tagline": spec.tagline,
                    "icon": spec.icon,
                    "position": position,
                },
            )
        existing = set(Product.objects.values_list("sku", flat=True))
        new = [
            Product(
                category=categories[spec.category],
                sku=spec.sku,
                slug=spec.slug,
                name=spec.name,
                description=spec.description,
                price=spec.price,
                stock=spec.stock,
                rating=spec.rating,
                review_count=spec.review_count,
                hue=spec.hue,
                featured_rank=spec.featured_rank,
            )
            for spec in catalog_data.generate()
            if spec.sku not in existing
        ]
        Product.objects.bulk_create(new)
        for username, first, last, password, skus in catalog_data.SHOPPERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
                cart = Cart.objects.create(user=user)
                CartItem.objects.bulk_create(
                    CartItem(cart=cart, product=product) for product in Product.objects.filter(sku__in=skus)
                )
        self.stdout.write(
            f"Seeded {Category.objects.count()} categories and {Product.objects.count()} products "
            f"({len(new)} new)."
        )
        self.stdout.write("Logins:")
        for username, _first, _last, password, _skus in catalog_data.SHOPPERS:
            self.stdout.write(f"  {username:<6} / {password}")
