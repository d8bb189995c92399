"""The shop's data: categories, products, and one cart per user."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse


class Category(models.Model):
    name = models.CharField(max_length=60)
    slug = models.SlugField(unique=True)
    tagline = models.CharField(max_length=160)
    icon = models.CharField(max_length=20)  # a key of shop.icons.ICONS
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shop:category", args=[self.slug])


class ProductQuerySet(models.QuerySet["Product"]):
    def cards(self) -> ProductQuerySet:
        """Just what a product card shows, with its category joined in (no N+1)."""
        return self.select_related("category").only(
            "sku",
            "name",
            "slug",
            "price",
            "stock",
            "rating",
            "review_count",
            "hue",
            "category__name",
            "category__slug",
            "category__icon",
        )


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=12, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    stock = models.PositiveIntegerField()
    rating = models.DecimalField(max_digits=2, decimal_places=1)
    review_count = models.PositiveIntegerField()
    hue = models.PositiveSmallIntegerField()  # 0-11: the colour of the product's tile
    featured_rank = models.PositiveIntegerField()  # the catalog's default order
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["featured_rank"]
        indexes = [models.Index(fields=["category", "featured_rank"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shop:product", args=[self.slug])

    @property
    def half_stars(self) -> int:
        """The rating in half stars (0-10), for the star meter's CSS class."""
        return round(self.rating * 2)


class Cart(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart")
    # Bumped on every change: the cart fragments' ETags derive from it.
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart of {self.user}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["cart", "product"], name="one_line_per_product")]

    @property
    def subtotal(self) -> Decimal:
        return self.product.price * self.quantity
